"""The knowledge-base editor's pure parts: the body field read as HTML or as paragraphs, the category picker's
paths, the diff as the page colours it, and the translations an article lists (and lacks, for editors)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime

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
