"""The knowledge base's editor in the browser: an admin writes an article as a draft (customers do not find it),
publishes it (the help centre's search finds it within seconds), changes it and reads the diff between two
versions, translates it into Spanish and finds the translation linked from the article; an empty title is
refused next to the field with nothing typed lost; an agent who is no editor sees no way to write. On the
categories screen an editor nests a sub-category, is refused a move into a loop, writes an article in it with an
uploaded image, publishes it and a visitor sees the image; the help centre badges a tutorial."""

from __future__ import annotations

import re
import struct
import time
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, DEMO_PASSWORD, DESKTOP, PHONE, expect_editor_text

pytestmark = pytest.mark.browser


def _letters(unique: str) -> str:
    """A word no article has, letters only (search splits digits from letters in some tokenizers)."""
    return "zorb" + unique.translate(str.maketrans("0123456789", "ghijklmnop"))


def _help_search_finds(open_ui, word: str, title: str, *, within: float) -> bool:
    visitor = open_ui(locale="en-US")
    deadline = time.monotonic() + within
    while True:
        visitor.goto(f"/help?q={word}")
        visitor.wait_ready(".kb-search-results")
        if title in visitor.page.locator(".kb-search-results").inner_text():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def _png(width: int = 240, height: int = 120) -> bytes:
    """A small real PNG (a teal band on white), made here rather than kept as a file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + (b"\x12\xa5\x94" if height // 3 <= y < 2 * height // 3 else b"\xff\xff\xff") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _pick(ui, trigger: str, option: str) -> None:
    ui.page.locator(trigger).click()
    ui.page.get_by_role("option", name=option, exact=True).click()


def test_an_editor_drafts_publishes_changes_and_translates_an_article(open_ui, unique):
    word = _letters(unique)
    title = f"Export your invoices {word}"
    body = f"You can export every invoice as a CSV file.\n\nOpen Billing, then choose Export ({word})."
    ui = open_ui(locale="en-US")
    ui.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    ui.goto("/agent/kb")
    ui.wait_ready(".kb-new-article")
    ui.page.locator(".kb-new-article").click()
    ui.page.wait_for_url("**/agent/kb/new")
    ui.wait_ready("#kb-ed-title")

    # No title: refused next to the field, the text typed is still there.
    ui.page.fill("#kb-ed-body", body)
    ui.page.fill("#kb-ed-tags", "billing, export")
    ui.page.locator(".kb-ed-save").click()
    expect(ui.page.locator(".field-error").first).to_have_text("Enter a title.")
    expect_editor_text(
        ui.page, "kb-ed-body", re.compile(r"^You can export every invoice as a CSV file\.\s+Open Billing")
    )
    expect(ui.page.locator("#kb-ed-tags")).to_have_value("billing, export")

    expect(ui.page.get_by_role("button", name="Section heading")).to_be_visible()  # articles have sections
    ui.page.fill("#kb-ed-title", title)
    _pick(ui, "#kb-ed-category", "Cards")
    ui.shoot("kb-editor-new")
    expect(ui.page.locator(".kb-ed-save")).to_have_text("Save draft")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Draft saved: customers do not see it until you publish it.")
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    article_id = re.search(r"/articles/(\d+)/edit", ui.page.url).group(1)  # type: ignore[union-attr]
    expect(ui.page.locator("#kb-ed-title")).to_have_value(title)
    assert not _help_search_finds(open_ui, word, title, within=0)

    # Published: the help centre's search finds it within seconds (the indexing job follows the save).
    ui.page.locator(".kb-status-published").click()
    expect(ui.page.locator(".kb-ed-save")).to_have_text("Publish")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Published: it is in the help centre and its search within seconds.")
    assert _help_search_finds(open_ui, word, title, within=10)

    # A change: a third version, and the diff between the last two.
    ui.page.fill("#kb-ed-body", body.replace("choose Export", "choose Download all"))
    expect(ui.page.locator(".kb-ed-save")).to_have_text("Save changes")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Saved: the help centre and its search show the change within seconds.")
    ui.shoot("kb-editor-edit")
    ui.page.locator(".kb-ed-history").click()
    ui.page.wait_for_url(f"**/agent/kb/articles/{article_id}/history")
    ui.wait_ready(".kb-diff")
    expect(ui.page.locator(".kb-version")).to_have_count(3)
    expect(ui.page.locator(".kb-version").first).to_contain_text("Alex Admin")
    expect(ui.page.locator(".kb-diff-removed")).to_contain_text(["choose Export"])
    expect(ui.page.locator(".kb-diff-added")).to_contain_text(["choose Download all"])
    ui.shoot("kb-history-diff")
    # The publishing save changed only the status: its diff says so.
    ui.page.locator(".kb-version").nth(1).locator(".kb-version-compare").click()
    expect(ui.page.get_by_text("The title and text are the same in both")).to_be_visible()

    # Translate it into Spanish: the editor opens with the English text, the language set.
    ui.goto(f"/agent/kb/articles/{article_id}/edit")
    ui.wait_ready(".kb-translate-es")
    ui.page.locator(".kb-translate-es").click()
    ui.page.wait_for_url(f"**/agent/kb/new?translation_of={article_id}&locale=es")
    ui.wait_ready(".kb-translating")
    expect(ui.page.locator("#kb-ed-title")).to_have_value(title)
    expect(ui.page.locator("#kb-ed-locale")).to_have_text("Español")
    ui.page.fill("#kb-ed-title", f"Exportar sus facturas {word}")
    ui.page.fill("#kb-ed-body", f"Puede exportar cada factura como un archivo CSV ({word}).")
    ui.page.locator(".kb-status-published").click()
    ui.shoot("kb-editor-translate")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Published: it is in the help centre and its search within seconds.")
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    expect(ui.page.locator(".kb-translations .kb-translation")).to_have_text(re.compile("English"))

    # The English article lists the Spanish one; its link opens it in Spanish.
    ui.goto(f"/agent/kb/articles/{article_id}?locale=en")
    ui.wait_ready(".kb-translations")
    spanish = ui.page.locator(".kb-translation").filter(has_text="Español")
    expect(spanish).to_have_count(1)
    expect(ui.page.locator(".kb-translate-de")).to_be_visible()
    ui.shoot("kb-article-translations")
    spanish.get_by_role("link").click()
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+\?locale=es$"))
    expect(ui.page.locator(".kb-staff-title")).to_have_text(f"Exportar sus facturas {word}")

    # Archived, the Spanish one leaves the help centre and waits in the editors' list; then it is deleted.
    ui.page.locator(".kb-edit-article").click()
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    ui.wait_ready(".kb-status-archived")
    ui.page.locator(".kb-status-archived").click()
    expect(ui.page.locator(".kb-ed-save")).to_have_text("Archive")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Archived: it is out of the help centre and search; its history is kept.")
    ui.goto("/agent/kb")
    archived = ui.page.locator(".kb-staff-unpublished").filter(has_text="Exportar sus facturas")
    archived.wait_for()
    expect(archived).to_contain_text("Archived")
    ui.shoot("kb-agent-kb-editor")
    archived.click()
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    ui.wait_ready(".kb-ed-delete")
    ui.page.locator(".kb-ed-delete").click()
    expect(ui.page.locator(".confirm-dialog")).to_contain_text("Delete “Exportar sus facturas")
    ui.page.locator(".kb-confirm-delete").click()
    ui.page.wait_for_url("**/agent/kb")
    ui.toast("Article deleted, with its history.")
    expect(ui.page.locator(".kb-staff-unpublished").filter(has_text="Exportar sus facturas")).to_have_count(0)

    # The editors' list of missing translations: German still lacks it.
    ui.goto("/agent/kb")
    ui.wait_ready(".kb-missing-link")
    ui.page.locator(".kb-missing-link").click()
    ui.page.wait_for_url("**/agent/kb/translations")
    ui.wait_ready(".kb-missing-tab-de")
    ui.page.locator(".kb-missing-tab-de").click()
    ui.page.wait_for_url("**/agent/kb/translations?locale=de")
    ui.wait_ready(".kb-missing-tab-de[aria-pressed=true]")
    row = ui.page.locator(".kb-missing").filter(has_text=title)
    expect(row).to_have_count(1)
    ui.shoot("kb-missing-translations")
    # Spanish lacks it again, since its translation was deleted; the row's button opens the editor.
    ui.page.locator(".kb-missing-tab-es").click()
    ui.page.wait_for_url("**/agent/kb/translations?locale=es")
    ui.wait_ready(".kb-missing-tab-es[aria-pressed=true]")
    ui.page.locator(".kb-missing").filter(has_text=title).locator(".kb-missing-translate").click()
    ui.page.wait_for_url(f"**/agent/kb/new?translation_of={article_id}&locale=es")
    ui.wait_ready(".kb-translating")


def test_an_agent_who_is_no_editor_sees_no_way_to_write(open_ui):
    ui = open_ui(locale="en-US")
    ui.login(AGENT, DEMO_PASSWORD, expect="/agent")  # reads only: her queue is unchanged
    ui.goto("/agent/kb")
    ui.wait_ready(".kb-staff-article")
    expect(ui.page.locator(".kb-new-article")).to_have_count(0)
    expect(ui.page.locator(".kb-missing-link")).to_have_count(0)
    ui.page.locator(".kb-staff-article").first.click()
    ui.wait_ready(".kb-body")
    expect(ui.page.locator(".kb-edit-article")).to_have_count(0)
    expect(ui.page.locator(".kb-translate")).to_have_count(0)
    ui.goto("/agent/kb/new")
    ui.wait_ready(".empty-state")
    expect(ui.page.get_by_text("Only knowledge-base editors write articles")).to_be_visible()
    expect(ui.page.locator("#kb-ed-title")).to_have_count(0)


def test_categories_nest_and_an_article_with_an_image_reaches_the_help_centre(open_ui, unique, tmp_path):
    word = _letters(unique)
    parent, child = f"Devices {unique}", f"Card readers {unique}"
    picture = tmp_path / "reader.png"
    picture.write_bytes(_png())
    ui = open_ui(locale="en-US")
    ui.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    ui.goto("/agent/kb")
    ui.wait_ready(".kb-categories-link")
    ui.page.locator(".kb-categories-link").click()
    ui.page.wait_for_url("**/agent/kb/categories")
    ui.wait_ready("#kb-cat-name")

    # A category, then a sub-category inside it.
    ui.page.locator(".kb-cat-add").click()
    expect(ui.page.locator(".field-error").first).to_have_text("Give the category a name.")
    ui.page.fill("#kb-cat-name", parent)
    ui.page.locator(".kb-cat-add").click()
    ui.toast(f"Category “{parent}” added.")
    ui.page.fill("#kb-cat-name", child)
    _pick(ui, "#kb-cat-parent", parent)
    ui.page.locator(".kb-cat-add").click()
    ui.toast(f"Category “{child}” added.")
    child_row = ui.page.locator(f'.kb-cat-row[data-name="{child}"]')
    parent_row = ui.page.locator(f'.kb-cat-row[data-name="{parent}"]')
    expect(child_row).to_contain_text("0 articles")
    # The parent cannot go inside its own sub-category: the picker does not offer it.
    parent_row.locator(".kb-cat-edit-open").click()
    ui.page.locator("#kb-cat-edit-parent").click()
    expect(ui.page.get_by_role("option", name=f"{parent} › {child}", exact=True)).to_have_count(0)
    ui.page.keyboard.press("Escape")
    ui.shoot("kb-categories")
    ui.page.locator(".kb-cat-cancel").click()
    expect(ui.page.locator(".kb-cat-edit")).to_have_count(0)

    # An article in the sub-category, with an image uploaded from the editor's image button.
    ui.goto("/agent/kb/new")
    ui.wait_ready("#kb-ed-title")
    ui.page.fill("#kb-ed-title", f"Pair the card reader {word}")
    ui.page.fill("#kb-ed-body", f"Hold the button until the light blinks ({word}).")
    with ui.page.expect_file_chooser() as chooser:
        ui.page.get_by_role("button", name="Insert an image").click()
    chooser.value.set_files(str(picture))
    image = ui.page.locator(".rich-editor-body img")
    expect(image).to_have_attribute("src", re.compile(r"^/api/kb/media/\d+$"))
    _pick(ui, "#kb-ed-category", f"{parent} › {child}")
    ui.page.locator(".kb-status-published").click()
    ui.shoot("kb-editor-image")
    ui.page.set_viewport_size(PHONE)  # on a phone the Save bar is at hand
    expect(ui.page.locator(".kb-ed-save-phone")).to_be_in_viewport()
    ui.page.set_viewport_size(DESKTOP)
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Published: it is in the help centre and its search within seconds.")
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    src = image.get_attribute("src")

    # Deleting the sub-category is refused while the article is in it.
    ui.goto("/agent/kb/categories")
    ui.wait_ready(f'.kb-cat-row[data-name="{child}"]')
    expect(child_row).to_contain_text("1 article")
    child_row.locator(".kb-cat-delete").click()
    ui.page.locator(".kb-cat-confirm-delete").click()
    ui.toast("1 article is in this category: move it to another category first.")

    # A quick tutorial, for the help centre's badge.
    ui.goto("/agent/kb/new")
    ui.wait_ready("#kb-ed-title")
    ui.page.fill("#kb-ed-title", f"Charge the card reader {word}")
    ui.page.locator(".kb-kind-tutorial").click()
    ui.page.locator(".kb-step-card").first.locator(":is(textarea.kb-step-text, .kb-step-text textarea)").fill(
        "Plug in the cable."
    )
    ui.page.locator(".kb-status-published").click()
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Published: it is in the help centre and its search within seconds.")

    # A visitor finds both; only the tutorial is badged; the article's image loads.
    visitor = open_ui(locale="en-US")
    deadline = time.monotonic() + 10
    while True:
        visitor.goto(f"/help?q={word}")
        visitor.wait_ready(".kb-search-results")
        if visitor.page.locator(".kb-hit").count() >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    tutorial_hit = visitor.page.locator(".kb-hit").filter(has_text="Charge the card reader")
    expect(tutorial_hit.locator(".kb-tutorial-badge")).to_have_text("Tutorial")
    expect(
        visitor.page.locator(".kb-hit").filter(has_text="Pair the card reader").locator(".kb-tutorial-badge")
    ).to_have_count(0)
    visitor.shoot("kb-help-tutorial-badge")
    visitor.page.locator(".kb-hit").filter(has_text="Pair the card reader").click()
    visitor.wait_ready(".kb-body")
    shown = visitor.page.locator(f'.kb-body img[src="{src}"]')
    expect(shown).to_have_count(1)
    visitor.page.wait_for_function(
        's => { const i = document.querySelector(`.kb-body img[src="${s}"]`); return i && i.naturalWidth === 240; }',
        arg=src,
    )
    visitor.shoot("kb-help-article-image")
