"""Translations: t/ngettext in the current locale, locale negotiation, and the catalog check."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from autocrm.core import i18n, i18n_tools
from autocrm.core.i18n import N_, get_locale, negotiate, ngettext, parse_accept_language, t, using_locale


@pytest.fixture(autouse=True)
def no_locale_chosen():
    """Each test starts where no adapter chose a language (a state test before it may have set one)."""
    with using_locale(None), i18n.using_time_zone(None):
        yield


def test_t_translates_into_the_current_locale_and_fills_placeholders():
    assert t("Page not found") == "Page not found"
    with using_locale("es"):
        assert t("Page not found") == "Página no encontrada"
        assert t("The message is longer than {limit} characters.", limit=500) == (
            "El mensaje tiene más de 500 caracteres."
        )
    with using_locale("de"):
        assert t("Page not found") == "Seite nicht gefunden"
    with using_locale("fr"):
        assert t("Page not found") == "Page introuvable"
    # A string nobody translated yet (or the source language) reads in English, placeholders filled.
    with using_locale("de"):
        assert t("Nothing like this in {where}", where="X") == "Nothing like this in X"


def test_n_marks_without_translating():
    with using_locale("fr"):
        assert N_("Page not found") == "Page not found"
        assert t(N_("Page not found")) == "Page introuvable"


def test_ngettext_uses_each_languages_plural_rule_and_formats_the_count():
    singular, plural = "A ticket takes at most {n} tag.", "A ticket takes at most {n} tags."
    assert ngettext(singular, plural, 1) == "A ticket takes at most 1 tag."
    assert ngettext(singular, plural, 0) == "A ticket takes at most 0 tags."
    with using_locale("fr"):
        # French takes the singular for 0 and 1.
        assert ngettext(singular, plural, 0) == "Un ticket accepte au plus 0 étiquette."
        assert ngettext(singular, plural, 2) == "Un ticket accepte au plus 2 étiquettes."
    with using_locale("es"):
        assert ngettext(singular, plural, 0) == "Un ticket admite como máximo 0 etiquetas."
        assert ngettext(singular, plural, 1) == "Un ticket admite como máximo 1 etiqueta."
    with using_locale("de"):
        assert ngettext(singular, plural, 1200) == "Ein Ticket hat höchstens 1.200 Schlagwörter."


def test_using_locale_restores_the_previous_one_and_refuses_unknown_ones():
    assert get_locale() == "en"
    with using_locale("de"):
        with using_locale("fr"):
            assert get_locale() == "fr"
        assert get_locale() == "de"
        with using_locale("pt-BR"):
            assert get_locale() == "en"  # not supported: the desk's default
    assert get_locale() == "en"


def test_the_desks_default_comes_from_the_settings(monkeypatch):
    from autocrm.core.settings import Settings, reset_settings

    monkeypatch.setenv("AUTOCRM_DEFAULT_LOCALE", "de-CH")
    reset_settings()
    try:
        assert get_locale() == "de"
        assert negotiate(accept_language="pt-BR") == "de"
    finally:
        monkeypatch.delenv("AUTOCRM_DEFAULT_LOCALE")
        reset_settings()
    with pytest.raises(ValueError, match="AUTOCRM_DEFAULT_LOCALE must be one of en, es, de, fr"):
        Settings(default_locale="pt")


@pytest.mark.parametrize(
    ("header", "ranked"),
    [
        ("de-AT,de;q=0.9,en;q=0.8", ["de-AT", "de", "en"]),
        ("en;q=0.5, fr;q=0.9, es", ["es", "fr", "en"]),
        ("fr;q=0, de", ["de"]),
        ("*, <script>, es;q=abc, de;q=2", []),
        ("", []),
        (None, []),
    ],
)
def test_accept_language_is_ranked_by_quality_then_order(header, ranked):
    assert parse_accept_language(header) == ranked


@pytest.mark.parametrize(
    ("chosen", "header", "default", "expected"),
    [
        ("fr", "de,en", None, "fr"),  # the person's own choice wins
        ("", "pt-BR,de-AT;q=0.8,es;q=0.7", None, "de"),  # the browser's first language we have
        (None, "pt-BR,ja", "es", "es"),  # none we have: the desk's default
        ("klingon", "zz", None, "en"),
        (None, None, None, "en"),
    ],
)
def test_negotiation_prefers_the_choice_then_the_browser_then_the_default(chosen, header, default, expected):
    assert negotiate(chosen=chosen, accept_language=header, default=default) == expected


def test_the_browser_gets_catalogs_of_singular_and_plural_entries():
    spanish = i18n.catalog("es")
    assert spanish["Page not found"] == "Página no encontrada"
    assert "" not in spanish
    assert i18n.plural_catalog("fr")["A ticket takes at most {n} tag."] == [
        "Un ticket accepte au plus {n} étiquette.",
        "Un ticket accepte au plus {n} étiquettes.",
    ]
    assert i18n.catalog("en") == {}


def test_the_shipped_catalogs_pass_the_check():
    result = i18n_tools.check(i18n_tools.extract())
    assert result.problems == []
    assert set(result.counts) == {"es", "de", "fr"}


def _template(*messages):
    template = i18n_tools.new_template()
    for message in messages:
        template.add(message, locations=[("autocrm/x.py", 1)])
    return template


def test_the_check_refuses_missing_empty_fuzzy_and_placeholder_mismatches():
    template = _template(
        "Kept", "Missing", "Empty", "Guessed", "Hello {name}", ("{n} ticket", "{n} tickets"), ("{n} day", "{n} days")
    )
    catalog = Catalog(locale="de")
    catalog.add("Kept", "Behalten")
    catalog.add("Empty", "")
    catalog.add("Guessed", "Geraten", flags=["fuzzy"])
    catalog.add("Hello {name}", "Hallo {nmae}")
    catalog.add(("{n} ticket", "{n} tickets"), ("{n} Ticket", "Tickets"))
    catalog.add(("{n} day", "{n} days"), ("{n} Tag",))
    catalog.add("Gone", "Weg")

    result = i18n_tools.check_catalog(template, catalog, "de")

    problems = "\n".join(result.problems)
    assert "missing 'Missing'" in problems
    assert "untranslated 'Empty'" in problems
    assert "fuzzy 'Guessed'" in problems
    assert "placeholders of 'Hello {name}' differ" in problems
    assert "placeholders of '{n} ticket' differ" in problems
    assert "'{n} day' has 1 plural forms, the language has 2" in problems
    assert "Kept" not in problems
    assert len(result.problems) == 6
    assert result.warnings == ["de: 'Gone' is no longer used (scripts/i18n.sh update drops it)"]
    assert not result.ok


def test_the_check_command_exits_nonzero_on_problems(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n_tools.main(["check"]) == 1
    assert "no catalog at" in capsys.readouterr().err
    assert i18n_tools.main(["nonsense"]) == 2


def test_update_adds_new_msgids_empty_and_drops_vanished_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    first = _template("Old", "Kept")
    assert i18n_tools.update(first) == {"es": 2, "de": 2, "fr": 2}
    path = i18n.catalog_path("es")
    path.write_text(path.read_text().replace('msgid "Kept"\nmsgstr ""', 'msgid "Kept"\nmsgstr "Guardado"'))

    assert i18n_tools.update(_template("Kept", "New")) == {"es": 1, "de": 2, "fr": 2}
    text = path.read_text()
    assert 'msgstr "Guardado"' in text
    assert '"Old"' not in text
    assert 'msgid "New"' in text
    assert "POT-Creation-Date: 2026-01-01" in text  # fixed: branches' updates do not conflict on it


def test_dates_numbers_and_durations_follow_the_locale_and_the_zone():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with using_locale("de"), i18n.using_time_zone("Europe/Berlin"):
        assert i18n.format_relative(now - timedelta(minutes=5), now=now) == "vor 5 Min."
        assert i18n.format_relative(now - timedelta(days=1, hours=1), now=now) == "gestern"
        assert (
            i18n.format_datetime(datetime(2026, 11, 26, 9, 5, tzinfo=UTC))
            == "Do., 26. Nov. 2026, 10:05 (Europe/Berlin)"
        )
        assert i18n.format_number(1234.5) == "1.234,5"
        assert i18n.format_duration(3 * 3600) == "3 Stunden"
    with using_locale("es"):
        assert i18n.format_relative(now - timedelta(days=4), now=now) == "hace 4 d"
        assert i18n.format_date(datetime(2025, 3, 4, tzinfo=UTC)) == "4 mar 2025"
    with using_locale("fr"):
        assert i18n.format_relative(now - timedelta(seconds=5), now=now) == "à l'instant"
        assert i18n.format_number(1234.5) == "1\u202f234,5"
    # Late on the 26th in UTC is already the 27th in Tokyo.
    with using_locale("en"), i18n.using_time_zone("Asia/Tokyo"):
        assert i18n.format_date(datetime(2026, 11, 26, 20, 0, tzinfo=UTC), with_year=False) == "Nov 27"
    assert i18n.zone("Not/AZone") is UTC
