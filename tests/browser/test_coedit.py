"""Issue 17, co-editing: two agents write one internal note at once and lose no character; the draft survives a
reload; sending the note empties it for both. Screenshots of the composer while co-editing at 1366x768 and
390x844."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_presence import _agent, _opens
from tests.browser.test_ui import _new_customer_ticket

pytestmark = pytest.mark.browser
LIVE = 10_000  # ms


def _in_order(typed: str, text: str) -> bool:
    """Every character of `typed` is in `text`, in its order (others' characters may come between)."""
    rest = iter(text)
    return all(char in rest for char in typed)


def _note_mode(ui) -> None:
    ui.page.locator(".composer-mode").get_by_role("radio", name="Internal note").click()
    expect(ui.page.locator(".editor-shared")).to_have_attribute("data-state", "live", timeout=LIVE)


def test_two_agents_write_one_note_at_once_and_lose_nothing(served, open_ui, unique):
    customer = open_ui()
    subject, _ = _new_customer_ticket(customer, unique)
    customer.close()
    ana, ben = open_ui(), open_ui()
    _opens(ana, _agent(served, f"ana.co.{unique}@example.com", "Ana Ruiz"), subject)
    _opens(ben, _agent(served, f"ben.co.{unique}@example.com", "Ben Ito"), subject)
    _note_mode(ana)
    _note_mode(ben)
    on_ana, on_ben = ana.page.locator("#composer-body"), ben.page.locator("#composer-body")

    # Both type at the same time, at their own end of one paragraph: a word each, turn by turn.
    on_ana.click()
    ben_words = ["beta", "gamma", "delta"]
    ana_words = ["ONE", "TWO", "THREE"]
    ana.page.keyboard.type("Start: ")
    expect(on_ben).to_contain_text("Start:", timeout=LIVE)
    on_ben.click()
    ben.page.keyboard.press("End")
    for mine, theirs in zip(ana_words, ben_words, strict=True):
        ana.page.keyboard.type(f"{mine} ", delay=15)
        ben.page.keyboard.type(f"{theirs} ", delay=15)
    for word in [*ana_words, *ben_words]:
        expect(on_ana).to_contain_text(word, timeout=LIVE)
        expect(on_ben).to_contain_text(word, timeout=LIVE)
    expect(on_ana).to_have_text(on_ben.inner_text(), timeout=LIVE)
    expect(on_ben).to_have_text(on_ana.inner_text(), timeout=LIVE)
    text = on_ana.inner_text()
    # Every character each one typed is there, in the order they typed it.
    assert _in_order("Start: ONE TWO THREE ", text) and _in_order("beta gamma delta ", text), text
    assert len(text.strip()) == len("Start: ONE TWO THREE beta gamma delta"), text

    # Then both at full speed at once, edits crossing on the wire: each tab inserts its letters at the end of the
    # text every few milliseconds while the other does the same.
    burst = """(letters) => { const editor = window.autocrmEditor.get('composer-body'); let i = 0;
      const timer = setInterval(() => { if (i >= letters.length) { clearInterval(timer); return; }
        editor.commands.insertContentAt(editor.state.doc.content.size - 1, letters[i++]); }, 5); }"""
    ana_burst, ben_burst = "abcdefghijklmnopqrstuvwxyz", "0123456789ABCDEFGHIJKLMNOP"
    ana.page.evaluate(burst, ana_burst)
    ben.page.evaluate(burst, ben_burst)
    expect(on_ana).to_contain_text("z", timeout=LIVE)
    expect(on_ana).to_contain_text("P", timeout=LIVE)
    expect(on_ben).to_contain_text("z", timeout=LIVE)
    expect(on_ben).to_contain_text("P", timeout=LIVE)
    expect(on_ana).to_have_text(on_ben.inner_text(), timeout=LIVE)
    expect(on_ben).to_have_text(on_ana.inner_text(), timeout=LIVE)
    before, text = text, on_ana.inner_text()
    assert text.startswith(before.rstrip()), text  # both wrote after what was there
    added = text[len(before.rstrip()) :].strip()
    assert len(added) == len(ana_burst) + len(ben_burst), text
    assert _in_order(ana_burst, added) and _in_order(ben_burst, added), text
    ben.shoot("coedit-note")

    # Ben reloads: the shared draft is there again, live.
    ben.page.reload()
    ben.wait_ready(".timeline")
    _note_mode(ben)
    expect(on_ben).to_have_text(text, timeout=LIVE)
    # The reply's draft is another one: empty.
    ben.page.locator(".composer-mode").get_by_role("radio", name="Public reply").click()
    expect(ben.page.locator(".editor-shared")).to_have_attribute("data-state", "live", timeout=LIVE)
    expect(on_ben).to_have_text("")
    _note_mode(ben)
    expect(on_ben).to_have_text(text, timeout=LIVE)

    # Ana sends it: the note is in both timelines and the draft is empty for both.
    ana.page.locator(".composer-submit").click()
    ana.toast("Internal note added")
    expect(on_ana).to_have_text("", timeout=LIVE)
    expect(on_ben).to_have_text("", timeout=LIVE)
    expect(ben.page.locator(".timeline")).to_contain_text("THREE", timeout=LIVE)
    ben.page.reload()
    ben.wait_ready(".timeline")
    _note_mode(ben)
    expect(on_ben).to_have_text("")
    assert not ana.errors and not ben.errors, ana.errors + ben.errors
