"""A tutorial in the browser: an editor writes one of three steps (an uploaded image, a YouTube link, text),
is refused a link from another site next to its step with nothing typed lost, moves a step and back, and
publishes it; a customer on a phone reads it step by step (Next, Back, the arrow keys), leaves, comes back on
the step they were on, and starts over."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, DEMO_PASSWORD, DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _png(width: int = 160, height: int = 90) -> bytes:
    """A small real PNG (an indigo band on white), made here rather than kept as a file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + (b"\x3e\x63\xdd" if height // 3 <= y < 2 * height // 3 else b"\xff\xff\xff") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _step(ui, n: int):
    return ui.page.locator(".kb-step-card").nth(n)


def test_an_editor_publishes_a_tutorial_and_a_customer_reads_it_on_a_phone(open_ui, unique, tmp_path):
    title = f"Set up your card reader {unique}"
    picture = tmp_path / "reader.png"
    picture.write_bytes(_png())

    ui = open_ui(locale="en-US")
    ui.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    ui.goto("/agent/kb/new")
    ui.wait_ready("#kb-ed-title")
    ui.page.fill("#kb-ed-title", title)
    ui.page.locator(".kb-kind-tutorial").click()
    expect(ui.page.locator(".kb-step-card")).to_have_count(1)
    ui.page.fill("#kb-ed-body", "Three steps, five minutes.")

    first = _step(ui, 0)
    first.locator(".kb-step-title input").fill("Unbox the reader")
    first.locator(":is(textarea.kb-step-text, .kb-step-text textarea)").fill(
        "Take the reader and its cable out of the box."
    )
    first.locator(".kb-step-mode-file").click()
    with ui.page.expect_file_chooser() as chooser:
        first.locator(".kb-step-upload").click()
    chooser.value.set_files(str(picture))
    expect(first.locator("img.kb-step-preview")).to_be_visible()
    expect(first.locator(".kb-step-file")).to_have_text("reader.png")

    ui.page.locator(".kb-step-add").click()
    second = _step(ui, 1)
    second.locator(".kb-step-title input").fill("Pair it")
    second.locator(":is(textarea.kb-step-text, .kb-step-text textarea)").fill(
        "Hold the button until the light blinks blue."
    )
    second.locator(".kb-step-mode-link").click()
    second.locator(".kb-step-url input").fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ")

    ui.page.locator(".kb-step-add").click()
    third = _step(ui, 2)
    third.locator(".kb-step-title input").fill("Take a payment")
    third.locator(":is(textarea.kb-step-text, .kb-step-text textarea)").fill(
        "Tap Charge and hold the card near the reader."
    )
    third.locator(".kb-step-mode-link").click()
    third.locator(".kb-step-url input").fill("https://evil.example/watch/1")
    ui.page.locator(".kb-status-published").click()
    ui.page.locator(".kb-ed-save").click()
    # Refused next to the third step's link; every text is still there.
    expect(third.locator(".field-error")).to_have_text("Only YouTube and Vimeo video links can be shown in a step.")
    expect(first.locator(":is(textarea.kb-step-text, .kb-step-text textarea)")).to_have_value(
        "Take the reader and its cable out of the box."
    )
    expect(third.locator(".kb-step-url input")).to_have_value("https://evil.example/watch/1")

    # Moving a step keeps every text (the fields open again on what was typed).
    third.locator(".kb-step-mode-none").click()
    third.locator(".kb-step-up").click()
    expect(_step(ui, 1).locator(".kb-step-title input")).to_have_value("Take a payment")
    expect(_step(ui, 2).locator(".kb-step-url input")).to_have_value("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    _step(ui, 2).locator(".kb-step-up").click()
    expect(_step(ui, 1).locator(".kb-step-title input")).to_have_value("Pair it")
    expect(_step(ui, 2).locator(":is(textarea.kb-step-text, .kb-step-text textarea)")).to_have_value(
        "Tap Charge and hold the card near the reader."
    )
    _step(ui, 0).scroll_into_view_if_needed()
    ui.shoot("kb-tutorial-editor")
    ui.page.locator(".kb-ed-save").click()
    ui.toast("Published: it is in the help centre and its search within seconds.")
    ui.page.wait_for_url(re.compile(r".*/agent/kb/articles/\d+/edit$"))
    article_id = re.search(r"/articles/(\d+)/edit", ui.page.url).group(1)  # type: ignore[union-attr]
    expect(ui.page.locator(".kb-step-card")).to_have_count(3)
    expect(_step(ui, 0).locator("img.kb-step-preview")).to_be_visible()

    # A customer on a phone.
    reader = open_ui(locale="en-US")
    reader.signup("Tia Tutorial", f"tia-{unique}@example.com")
    reader.page.set_viewport_size(PHONE)
    reader.goto(f"/help/articles/{article_id}")
    reader.wait_ready(".tutorial-viewer")
    page = reader.page
    expect(page.locator(".tutorial-count")).to_have_text("Step 1 of 3")
    image = page.locator(".tutorial-image")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('.tutorial-image')?.naturalWidth === 160")
    assert image.bounding_box()["width"] <= PHONE["width"]  # type: ignore[index]
    page.set_viewport_size(DESKTOP)
    reader.shoot("kb-tutorial-viewer")  # both sizes, then the phone again
    page.set_viewport_size(PHONE)
    expect(page.locator(".tutorial-back")).to_be_disabled()
    page.locator(".tutorial-next").click()
    expect(page.locator(".tutorial-count")).to_have_text("Step 2 of 3")
    frame = page.locator("iframe.tutorial-embed")
    expect(frame).to_have_attribute("src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    expect(frame).to_have_attribute("sandbox", "allow-scripts allow-same-origin allow-presentation")
    next_box = page.locator(".tutorial-next").bounding_box()
    assert next_box is not None and next_box["y"] + next_box["height"] <= PHONE["height"]  # within reach
    page.keyboard.press("ArrowRight")
    expect(page.locator(".tutorial-count")).to_have_text("Step 3 of 3")
    expect(page.locator(".tutorial-next")).to_be_disabled()
    page.locator(".tutorial-back").click()
    expect(page.locator(".tutorial-count")).to_have_text("Step 2 of 3")

    # Away and back: the same step, said so, and "Start over" goes to the first.
    reader.goto("/help")
    reader.wait_ready(".kb-search-submit")
    reader.goto(f"/help/articles/{article_id}")
    reader.wait_ready(".tutorial-viewer")
    expect(page.locator(".tutorial-count")).to_have_text("Step 2 of 3")
    expect(page.locator(".tutorial-resumed")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    reader.shoot("kb-tutorial-resumed")
    page.set_viewport_size(PHONE)
    page.locator(".tutorial-list-phone summary").click()
    page.locator(".tutorial-list-phone .tutorial-jump").nth(2).click()
    expect(page.locator(".tutorial-count")).to_have_text("Step 3 of 3")
    page.locator(".tutorial-start-over").click()
    expect(page.locator(".tutorial-count")).to_have_text("Step 1 of 3")
    expect(page.locator(".tutorial-resumed")).to_have_count(0)
