"""Translations: one function for every human string, gettext catalogs per language, the current locale.

How to make a string translatable and add its translations
----------------------------------------------------------
1. Wrap it where it is made:
   - in Python that runs per request or per event (services' error messages, states' toasts, mails):
     ``t("Ticket {number} was solved.", number=ticket.number)``. Placeholders are ``{name}`` and are filled
     from the keyword arguments after translating, so translators move them freely. Never build a message
     from pieces (``t("Ticket") + " " + ...``): a whole sentence is one msgid.
   - counted: ``ngettext("{n} open ticket", "{n} open tickets", count)`` (``{n}`` is the count, formatted for
     the locale; further keyword arguments fill other placeholders).
   - at import time (module constants, enum labels, choice lists): ``N_("Urgent")`` only marks the string for
     extraction and returns it unchanged; translate it where it is shown with ``t(label)``.
   - in components and pages (compiled once into the frontend): ``tr("Queue")`` from
     ``autocrm.components.i18n``, which gives a Var that follows the tab's language live.
2. Add its translations: ``bash scripts/i18n.sh update`` adds the new msgids to
   ``autocrm/locale/{es,de,fr}/LC_MESSAGES/messages.po``; write each ``msgstr`` (keep every ``{placeholder}``;
   plural entries have one ``msgstr[i]`` per plural form) and remove any ``#, fuzzy`` flag once checked.
3. ``bash scripts/i18n.sh check`` (run by ``scripts/test.sh`` before pytest) fails while a catalog misses a
   string, has an empty or fuzzy entry, or a translation's placeholders differ from its msgid's.
English is the source language: the msgids are the English text, and ``en`` has no catalog.

The locale is a context variable: the adapters set it (the API per request from ``Accept-Language``, Reflex per
event from the tab's chosen or negotiated language, the job runner per recipient), and everything below them
(services included) just calls ``t()``. Catalogs are read from the ``.po`` files on first use, so a fresh clone
needs no compile step.
"""

from __future__ import annotations

import gettext
import io
import re
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton, format_time, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

SOURCE_LOCALE = "en"
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es", "de", "fr")
# Each language named in itself: the language switch shows these, never translated.
LOCALE_NAMES: dict[str, str] = {"en": "English", "es": "Español", "de": "Deutsch", "fr": "Français"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_current_locale: ContextVar[str | None] = ContextVar("autocrm_locale", default=None)
_current_time_zone: ContextVar[str | None] = ContextVar("autocrm_time_zone", default=None)
_FORMATTER = string.Formatter()
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def N_(msgid: str) -> str:  # noqa: N802 (the gettext convention extraction tools know)
    """Mark a string for extraction without translating it (module constants); `t()` it where it is shown."""
    return msgid


def default_locale() -> str:
    """The desk's default language (`AUTOCRM_DEFAULT_LOCALE`), used when nothing else says."""
    from autocrm.core.settings import get_settings

    return normalize_locale(get_settings().default_locale) or SOURCE_LOCALE


def get_locale() -> str:
    """The locale of the request, event or job being handled; the desk's default outside one."""
    return _current_locale.get() or default_locale()


def set_locale(locale: str | None) -> Token[str | None]:
    """Set the current locale (an adapter's job); an unsupported one falls back to the default."""
    return _current_locale.set(normalize_locale(locale))


def reset_locale(token: Token[str | None]) -> None:
    _current_locale.reset(token)


@contextmanager
def using_locale(locale: str | None) -> Iterator[str]:
    """Run a block in `locale` (a mail to one recipient, a push to one tab), then restore the previous one."""
    token = set_locale(locale)
    try:
        yield get_locale()
    finally:
        _current_locale.reset(token)


def normalize_locale(tag: str | None) -> str | None:
    """The supported locale a language tag asks for ("de-AT" -> "de", "pt" -> None), or None."""
    if not tag or not _TAG.match(tag.strip()):
        return None
    language = re.split(r"[-_]", tag.strip())[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, best first (by q, then order); q=0 and junk dropped."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:2000].split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or not _TAG.match(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(*, chosen: str | None = None, accept_language: str | None = None, default: str | None = None) -> str:
    """The locale to use: the person's own choice (profile or switch), else the browser's first supported
    language, else the desk's default."""
    if locale := normalize_locale(chosen):
        return locale
    for tag in parse_accept_language(accept_language):
        if locale := normalize_locale(tag):
            return locale
    return normalize_locale(default) or default_locale()


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of a locale, built in memory from its .po on first use (fuzzy entries left out)."""
    path = catalog_path(locale)
    if locale == SOURCE_LOCALE or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def catalog(locale: str) -> dict[str, str]:
    """msgid -> translation of every singular entry of a locale (what the browser gets for `tr()`)."""
    table = translations(locale)
    messages: dict[Any, str] = getattr(table, "_catalog", {})
    return {key: value for key, value in messages.items() if isinstance(key, str) and key and value}


@cache
def plural_catalog(locale: str) -> dict[str, list[str]]:
    """singular msgid -> the translated plural forms (in the order of the catalog's Plural-Forms)."""
    table = translations(locale)
    messages: dict[Any, str] = getattr(table, "_catalog", {})
    forms: dict[str, dict[int, str]] = {}
    for key, value in messages.items():
        if isinstance(key, tuple) and value:
            forms.setdefault(key[0], {})[key[1]] = value
    return {msgid: [by_index[i] for i in sorted(by_index)] for msgid, by_index in forms.items()}


def _fill(translated: str, source: str, params: Mapping[str, Any]) -> str:
    if not params:
        return translated
    try:
        return translated.format_map(params)
    except (KeyError, IndexError, ValueError, AttributeError):
        # A broken translation (the check refuses these) must never cost the reader the message itself.
        return source.format_map(params)


def t(msgid: str, /, **params: Any) -> str:
    """`msgid` in the current locale, its `{name}` placeholders filled from `params`."""
    return _fill(translations(get_locale()).gettext(msgid), msgid, params)


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The plural form of the current locale for `n`; `{n}` is the count formatted for the locale."""
    locale = get_locale()
    translated = translations(locale).ngettext(singular, plural, n)
    values = {"n": format_decimal(n, locale=locale), **params}
    return _fill(translated, singular if n == 1 else plural, values)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message (the check compares a translation's with its msgid's)."""
    try:
        return {field for _, field, _, _ in _FORMATTER.parse(text) if field is not None}
    except ValueError:
        return {"<unbalanced braces>"}


# ---- time zones and formatting ---------------------------------------------------------------------------------


def zone(name: str | None) -> tzinfo:
    """The zone of an IANA name; UTC for an empty or unknown one."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def default_time_zone() -> str:
    from autocrm.core.settings import get_settings

    return get_settings().default_time_zone


def get_time_zone() -> str:
    """The reader's time zone (their profile's), else the desk's default."""
    return _current_time_zone.get() or default_time_zone()


def set_time_zone(name: str | None) -> Token[str | None]:
    return _current_time_zone.set(name or None)


@contextmanager
def using_time_zone(name: str | None) -> Iterator[str]:
    token = set_time_zone(name)
    try:
        yield get_time_zone()
    finally:
        _current_time_zone.reset(token)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def format_number(value: float | int) -> str:
    """1234.5 -> "1,234.5" (en), "1.234,5" (de, es), "1 234,5" (fr)."""
    return format_decimal(value, locale=get_locale())


def format_percent(fraction: float) -> str:
    """0.82 -> "82%" (en), "82 %" (de, es, fr)."""
    return babel_percent(fraction, locale=get_locale())


def format_date(value: datetime, *, with_year: bool = True) -> str:
    """A short date in the reader's zone and language: "4 Mar 2026", "4 mar 2026", "4. März 2026"."""
    local = _aware(value).astimezone(zone(get_time_zone()))
    return format_skeleton("yMMMd" if with_year else "MMMd", local, locale=get_locale())


def format_skeleton_date(value: datetime, skeleton: str) -> str:
    """A date in a CLDR skeleton ("MMMd", "MMMyyyy"), in the reader's zone and language."""
    return format_skeleton(skeleton, _aware(value).astimezone(zone(get_time_zone())), locale=get_locale())


def format_datetime(value: datetime) -> str:
    """The exact time in the reader's zone and language, the zone named: "Wed, Mar 4, 2026, 14:05 (UTC)"."""
    zone_name = get_time_zone()
    local = _aware(value).astimezone(zone(zone_name))
    locale = get_locale()
    return (
        f"{format_skeleton('yMMMEd', local, locale=locale)}, {format_time(local, 'short', locale=locale)} ({zone_name})"
    )


def format_time_of_day(value: datetime) -> str:
    """The wall-clock time in the reader's zone and language: "2:05 PM" (en), "14:05" (de, es, fr)."""
    return format_time(_aware(value).astimezone(zone(get_time_zone())), "short", locale=get_locale())


def format_relative(value: datetime, *, now: datetime | None = None) -> str:
    """How long ago, as people say it: "just now", "5 min. ago" / "hace 5 min", "yesterday", then a date."""
    now = now or datetime.now(UTC)
    when = _aware(value)
    seconds = (now - when).total_seconds()
    if seconds < 45:
        return t("just now")
    local_now, local_when = now.astimezone(zone(get_time_zone())), when.astimezone(zone(get_time_zone()))
    if seconds < 24 * 3600:
        return format_timedelta(when - now, add_direction=True, format="short", threshold=1, locale=get_locale())
    days = int(seconds // (24 * 3600))
    if days == 1:
        return t("yesterday")
    if days < 7:
        return format_timedelta(
            timedelta(days=-days), add_direction=True, format="short", threshold=1, locale=get_locale()
        )
    return format_date(when, with_year=local_when.year != local_now.year)


def format_duration(seconds: float) -> str:
    """A length of time in words of the reader's language: "3 hours", "2 días", "45 Minuten"."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1, locale=get_locale())
