"""The knowledge-base editor's pure parts: the body field read as HTML or as paragraphs, the category picker's
paths, the diff as the page colours it, and the translations an article lists (and lacks, for editors)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime

import pytest

from autocrm.services import content
from autocrm.services.kb import ArticlePublic, CategoryPublic
from autocrm.services.kb.articles import Translation
from autocrm.state.kb_editor import body_html, category_paths, diff_rows, translation_rows


def test_the_body_is_html_as_typed_or_plain_paragraphs_made_html():
    def stored(text: str) -> str:
        return content.sanitize_html(body_html(text))  # as the service keeps it

    assert stored("<h2>Cards</h2><p>Freeze it.</p>") == "<h2>Cards</h2><p>Freeze it.</p>"
    assert stored("First line\nsecond line\n\nA <b>bold</b> claim") == (
        "<p>First line<br>second line</p><p>A <b>bold</b> claim</p>"
    )
    assert stored("Fees & limits\n\n2 < 3") == "<p>Fees &amp; limits</p><p>2 &lt; 3</p>"
    # The rich-text editor's own HTML goes through as it is.
    assert stored("<p>First line<br>second line</p><p></p>") == "<p>First line<br>second line</p><p></p>"


def test_nested_categories_are_named_by_their_path_and_sorted_by_it():
    categories = [
        CategoryPublic(id=1, name="Account", slug="account", parent_id=None, position=0),
        CategoryPublic(id=2, name="Signing in", slug="signing-in", parent_id=1, position=0),
        CategoryPublic(id=3, name="Billing", slug="billing", parent_id=None, position=1),
    ]
    assert category_paths(categories) == [
        {"value": "1", "label": "Account"},
        {"value": "2", "label": "Account › Signing in"},
        {"value": "3", "label": "Billing"},
    ]


def test_the_diff_rows_colour_added_and_removed_lines_and_mark_gaps():
    old = ["Intro", "a", "b", "c", "d", "e", "f", "g", "h", "Fees are 2%"]
    new = ["Intro (new)", "a", "b", "c", "d", "e", "f", "g", "h", "Fees are 1%"]
    rows = diff_rows(list(difflib.unified_diff(old, new, fromfile="v1", tofile="v2", lineterm="", n=1)))
    assert [r["kind"] for r in rows] == ["removed", "added", "same", "hunk", "same", "removed", "added"]
    assert rows[0]["text"] == "Intro" and rows[-1]["text"] == "Fees are 1%"


def _article(translations: list[Translation]) -> ArticlePublic:
    now = datetime.now(UTC)
    return ArticlePublic(
        id=10, group_id=10, locale="en", title="Reset", slug="reset", body_html="", category_id=None, tags=[],
        status="published", visibility="public", version=1, author_id=None, created_at=now, updated_at=now,
        published_at=now, helpful_yes=0, helpful_no=0, translations=translations, url="/help/articles/10-reset",
    )  # fmt: skip


def test_translations_link_to_their_language_and_editors_get_the_missing_ones():
    article = _article(
        [Translation(id=11, locale="es", status="published"), Translation(id=12, locale="de", status="draft")]
    )
    rows, missing = translation_rows(article, editor=True)
    assert [(r["language"], r["url"]) for r in rows] == [
        ("Español", "/agent/kb/articles/11?locale=es"),
        ("Deutsch", "/agent/kb/articles/12/edit"),  # a draft: only its editor shows it
    ]
    assert missing == [{"locale": "fr", "language": "Français", "url": "/agent/kb/new?translation_of=10&locale=fr"}]
    rows, missing = translation_rows(_article([Translation(id=11, locale="es", status="published")]), editor=False)
    assert [r["edit_url"] for r in rows] == [""] and missing == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the states, not the database
def test_an_editor_writes_publishes_compares_translates_and_deletes_through_the_states(db_url, people):
    """The editor, history and missing-translations states as their pages drive them, on one article."""
    from autocrm.core.db import read_session
    from autocrm.models import Role
    from autocrm.services import kb
    from autocrm.services.actor import Actor
    from autocrm.state.kb_editor import KbEditorState, KbHistoryState, KbMissingState
    from tests.state.test_states import _signed_in

    admin, agent = people.make(Role.admin), people.make(Role.agent)
    outsider = _signed_in(KbEditorState, agent, "/agent/kb/new")
    outsider.load()
    assert outsider.loaded and not outsider.allowed  # not an editor: the page holds nothing

    editor = _signed_in(KbEditorState, admin, "/agent/kb/new")
    editor.load()
    assert editor.allowed and editor.is_new and editor.save_label == "Save draft"
    editor.save({"title": " ", "body": "Some words.", "tags": "billing"})
    assert editor.errors.get("title") and editor.ed_body == "Some words."  # refused, the text kept
    editor.set_pick("status", "published")
    editor.set_pick("visibility", "internal")
    editor.set_pick("visibility", "secret")  # not a choice: ignored
    editor.set_pick("locale", "de")
    assert editor.save_label == "Publish" and editor.ed_visibility == "internal" and editor.ed_locale == "de"
    editor.set_pick("locale", "en")
    editor.set_pick("visibility", "public")
    editor.save({"title": "Export invoices", "body": "Open Billing.\n\nChoose Export.", "tags": "billing, export"})
    with read_session() as session:
        (found,) = [a for a in kb.list_articles(session, actor=Actor.for_user(admin)) if a.title == "Export invoices"]
    article_id = found.id

    editing = _signed_in(KbEditorState, admin, f"/agent/kb/articles/{article_id}/edit")
    editing.load()
    assert editing.article_id == article_id and editing.saved_status == "published"
    assert editing.ed_body_html == "<p>Open Billing.</p><p>Choose Export.</p>" and editing.public_url
    assert editing.save_label == "Save changes" and {m["locale"] for m in editing.missing_locales} == {"es", "de", "fr"}
    editing.save({"title": "Export invoices", "body": "<p>Open Billing.</p><p>Choose Download all.</p>", "tags": ""})
    assert editing.version == 2 and editing.errors == {}

    history = _signed_in(KbHistoryState, admin, f"/agent/kb/articles/{article_id}/history")
    history.load()
    assert [v["number"] for v in history.versions] == [2, 1] and history.versions[0]["author"] == admin.name
    assert any("Download all" in row["text"] for row in history.body_diff if row["kind"] == "added")
    history.compare(1)
    assert history.same_versions or history.body_diff == [] or history.from_version == "1"

    translating = _signed_in(KbEditorState, admin, f"/agent/kb/new?translation_of={article_id}&locale=es")
    translating.load()
    assert translating.translation_of == article_id and translating.ed_locale == "es"
    assert translating.ed_title == "Export invoices"  # the source's text, to translate
    translating.save({"title": "Exportar facturas", "body": "Abra Facturación.", "tags": ""})

    missing = _signed_in(KbMissingState, admin, "/agent/kb/translations?locale=de")
    missing.load()
    assert missing.chosen_language and any(tab["value"] == "de" for tab in missing.locale_tabs)
    missing.choose("fr")

    editing.load()
    editing.ask_delete()
    assert editing.confirming
    editing.confirm_delete()
    with read_session() as session:
        titles = [a.title for a in kb.list_articles(session, actor=Actor.for_user(admin))]
    assert "Export invoices" not in titles
