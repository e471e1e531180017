"""The catalog tools behind `scripts/i18n.sh`: extract the msgids from the code, update the catalogs, check them.

`python -m autocrm.core.i18n_tools extract|update|check`. The check fails (exit 1) when a catalog misses a
msgid, has an empty or fuzzy entry, has the wrong number of plural forms, or a translation's `{placeholders}`
differ from its msgid's; `scripts/test.sh` runs it before pytest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from autocrm.core.i18n import DOMAIN, LOCALE_DIR, SOURCE_LOCALE, SUPPORTED_LOCALES, catalog_path, placeholders

APP_DIR = Path(__file__).resolve().parent.parent
MAPPING_FILE = APP_DIR.parent / "babel.cfg"
# The translating calls: core.i18n's t/N_/ngettext, the states' self._t/self._ngettext (computed vars) and the
# components' tr/tr_n; the numbers say which arguments are the msgids (singular, plural).
KEYWORDS: dict[str, Any] = {
    "t": None,
    "N_": None,
    "ngettext": (1, 2),
    "_t": None,
    "_ngettext": (1, 2),
    "tr": None,
    "tr_n": (1, 2),
    # Component helpers that translate their own str labels (components/i18n.text_of): what they are given
    # literally is extracted without an N_() at every call.
    "_nav_item": None,
    "_section": None,
    "_menu_item": None,
    "auth_shell": None,
    "empty_state": (2,),
}
COMMENT_TAGS = ("Translators:",)
TEMPLATE_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
TRANSLATED_LOCALES = tuple(locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE)
# A fixed creation date: a date rewritten by every update would make each branch's catalogs conflict.
_HEADER: dict[str, Any] = {
    "project": "AutoCRM",
    "version": "1",
    "domain": DOMAIN,
    "charset": "utf-8",
    "copyright_holder": "the AutoCRM authors",
    "msgid_bugs_address": "",
    "header_comment": "# AutoCRM's interface, e-mails and messages. Write each msgstr (keep every {placeholder});\n"
    "# `bash scripts/i18n.sh update` adds new msgids, `bash scripts/i18n.sh check` says what is left.\n#",
    "creation_date": datetime(2026, 1, 1, tzinfo=UTC),
    "revision_date": datetime(2026, 1, 1, tzinfo=UTC),
    "last_translator": "the AutoCRM authors",
    "language_team": "the AutoCRM authors",
    "fuzzy": False,
}


def new_template() -> Catalog:
    return Catalog(**_HEADER)


def extract() -> Catalog:
    """Every msgid the app's code passes to a translating call, with where it is used."""
    with MAPPING_FILE.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(MAPPING_FILE))
    template = new_template()
    for filename, lineno, message, comments, context in extract_from_dir(
        APP_DIR, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True
    ):
        template.add(message, None, [(f"autocrm/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def _read(locale: str) -> Catalog | None:
    path = catalog_path(locale)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        # Sorted, without line numbers: three branches adding strings merge without conflicts over positions.
        write_po(handle, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)


def write_template(template: Catalog) -> Path:
    _write(TEMPLATE_PATH, template)
    return TEMPLATE_PATH


def update(template: Catalog) -> dict[str, int]:
    """Bring each catalog in line with the code: new msgids added empty, vanished ones dropped. Returns the
    number of entries still to translate per locale."""
    todo: dict[str, int] = {}
    for locale in TRANSLATED_LOCALES:
        catalog = _read(locale) or Catalog(locale=locale, **_HEADER)
        # No fuzzy guesses: a guessed translation of a similar string reads as right and is often wrong.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        _write(catalog_path(locale), catalog)
        todo[locale] = sum(1 for message in catalog if message.id and _is_empty(message))
    return todo


def _forms(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(item or "") for item in value)
    return (str(value or ""),)


def _is_empty(message: Message) -> bool:
    return any(not form.strip() for form in _forms(message.string))


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_catalog(template: Catalog, catalog: Catalog | None, locale: str) -> CheckResult:
    """What is wrong with one locale's catalog against the template extracted from the code."""
    result = CheckResult()
    if catalog is None:
        result.problems.append(f"{locale}: no catalog at {catalog_path(locale)} (run scripts/i18n.sh update)")
        return result
    expected_forms = catalog.num_plurals
    for wanted in template:
        if not wanted.id:
            continue
        key: Any = wanted.id
        label = wanted.id[0] if isinstance(wanted.id, (list, tuple)) else wanted.id
        where = ", ".join(f"{path}" for path, _ in wanted.locations[:2])
        entry = catalog.get(key, context=wanted.context)
        if entry is None or (isinstance(entry.id, (list, tuple)) != isinstance(wanted.id, (list, tuple))):
            result.problems.append(f"{locale}: missing {label!r} ({where})")
            continue
        if entry.fuzzy:
            result.problems.append(f"{locale}: fuzzy {label!r} (check it, then remove the fuzzy flag)")
            continue
        forms = _forms(entry.string)
        if isinstance(wanted.id, (list, tuple)) and len(forms) != expected_forms:
            result.problems.append(
                f"{locale}: {label!r} has {len(forms)} plural forms, the language has {expected_forms}"
            )
            continue
        if any(not form.strip() for form in forms):
            result.problems.append(f"{locale}: untranslated {label!r} ({where})")
            continue
        sources = _forms(wanted.id)
        wanted_fields = set().union(*(placeholders(source) for source in sources))
        for form in forms:
            if placeholders(form) != wanted_fields:
                result.problems.append(
                    f"{locale}: placeholders of {label!r} differ: "
                    f"{sorted(placeholders(form))} in {form!r}, {sorted(wanted_fields)} in the msgid"
                )
                break
    for entry in catalog:
        if entry.id and template.get(entry.id, context=entry.context) is None:
            label = entry.id[0] if isinstance(entry.id, (list, tuple)) else entry.id
            result.warnings.append(f"{locale}: {label!r} is no longer used (scripts/i18n.sh update drops it)")
    result.counts[locale] = sum(1 for entry in catalog if entry.id)
    return result


def check(template: Catalog, locales: Iterable[str] = TRANSLATED_LOCALES) -> CheckResult:
    total = CheckResult()
    for locale in locales:
        one = check_catalog(template, _read(locale), locale)
        total.problems += one.problems
        total.warnings += one.warnings
        total.counts.update(one.counts)
    return total


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    template = extract()
    msgids = sum(1 for message in template if message.id)
    if command == "extract":
        print(f"i18n: {msgids} msgids written to {write_template(template)}")
        return 0
    if command == "update":
        todo = update(template)
        print(f"i18n: {msgids} msgids; still to translate: " + ", ".join(f"{k} {v}" for k, v in todo.items()))
        return 0
    if command == "check":
        result = check(template)
        for warning in result.warnings:
            print(f"i18n warning: {warning}")
        for problem in result.problems:
            print(f"i18n: {problem}", file=sys.stderr)
        if not result.ok:
            print(f"i18n: {len(result.problems)} problems (translate them, then run the check again)", file=sys.stderr)
            return 1
        print(f"i18n: {msgids} msgids translated in " + ", ".join(f"{k} ({v})" for k, v in result.counts.items()))
        return 0
    print("usage: scripts/i18n.sh extract|update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
