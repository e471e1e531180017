"""The composer's rich-text editor end to end: formatting and a pasted image reaching the customer, an @mention
in a note reaching the teammate's bell live, and the portal's lighter editor."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_ui import _new_customer_ticket, _tiny_png

pytestmark = pytest.mark.browser

WRITER = "aisha.rahman@demo.autocrm.dev"
MENTIONED = "yuki.tanaka@demo.autocrm.dev"


def _paste_image(ui, selector: str, name: str, data: bytes) -> None:
    """What pasting a screenshot does: a paste event whose clipboard holds an image file."""
    ui.page.locator(selector).evaluate(
        """(el, [name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: "image/png" }));
            el.focus();
            el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        [name, base64.b64encode(data).decode()],
    )


def _staff_opens(ui, email: str, subject: str) -> None:
    ui.login(email, expect="/agent")
    ui.wait_ready(".queue-row")
    ui.page.fill("#queue-search", subject)
    ui.page.press("#queue-search", "Enter")
    ui.page.locator(".range-label").filter(visible=True).filter(has_text="1–1 of 1").wait_for()
    ui.page.locator(".queue-row").filter(has_text=subject).locator(".ticket-subject").click()
    ui.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    ui.wait_ready(".timeline")


def test_a_formatted_reply_with_a_pasted_image_reaches_the_customer(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)

    agent = open_ui()
    _staff_opens(agent, WRITER, subject)
    body = agent.page.locator("#composer-body")
    expect(body).to_have_attribute("contenteditable", "true")
    expect(agent.page.get_by_role("toolbar", name="Formatting")).to_be_visible()
    body.click()
    agent.page.keyboard.type("Your refund is ")
    agent.page.get_by_role("button", name="Bold (Ctrl+B)").click()
    agent.page.keyboard.type("on its way")
    agent.page.keyboard.press("Control+b")
    agent.page.keyboard.type(". Details: ")
    agent.page.get_by_role("button", name="Link", exact=True).click()
    agent.page.get_by_label("Link address").fill("https://help.example.com/refunds")
    agent.page.get_by_role("button", name="Add link").click()
    agent.page.keyboard.press("End")
    agent.page.keyboard.press("Enter")
    _paste_image(agent, "#composer-body", "screenshot.png", _tiny_png())
    pasted = body.locator("img")
    pasted.wait_for()
    assert agent.page.evaluate("(img) => img.complete && img.naturalWidth", pasted.element_handle()) == 24
    expect(body.locator("strong")).to_have_text("on its way")
    agent.shoot("agent-ticket-editor")
    agent.page.click("button.composer-submit")
    agent.toast("Reply sent")
    expect(body).to_have_text("")  # cleared after sending
    sent = agent.page.locator(".message").filter(has_text="Your refund is")
    sent.locator(".message-body strong").filter(has_text="on its way").wait_for()

    customer.goto(portal_path)
    message = customer.page.locator(".message").filter(has_text="Your refund is")
    message.locator(".message-body strong").filter(has_text="on its way").wait_for()
    link = message.locator(".message-body a[href='https://help.example.com/refunds']")
    expect(link).to_have_count(1)
    shown = message.locator(".message-body img")
    shown.wait_for()
    assert customer.page.evaluate("(img) => img.complete && img.naturalWidth", shown.element_handle()) == 24
    expect(message.locator(".attachment-link")).to_contain_text("screenshot.png")  # it became an attachment
    customer.shoot("portal-ticket-formatted-reply")


def test_a_mention_picked_in_a_note_rings_the_teammates_bell(open_ui, unique):
    customer = open_ui()
    subject, _portal_path = _new_customer_ticket(customer, unique)

    teammate = open_ui()
    teammate.login(MENTIONED, expect="/agent")
    teammate.wait_ready(".queue-row")
    bell = teammate.page.locator("button.inbox-bell")
    bell.wait_for()
    before = int(bell.get_attribute("data-unread") or "0")

    writer = open_ui()
    _staff_opens(writer, WRITER, subject)
    writer.page.locator(".composer-mode").get_by_role("radio", name="Internal note").click()
    body = writer.page.locator("#composer-body")
    body.click()
    writer.page.keyboard.type("Please check the card statement, @Yuk")
    option = writer.page.locator(".mention-popup .mention-option").filter(has_text="Yuki Tanaka")
    option.wait_for()
    writer.shoot("agent-ticket-mention", phone=False)
    writer.page.keyboard.press("Enter")
    mention = body.locator("span.mention[data-type='mention']")
    expect(mention).to_have_text("@Yuki Tanaka")
    writer.page.keyboard.type("thanks.")
    writer.page.click("button.composer-submit")
    writer.toast("Internal note added")
    sent = writer.page.locator(".message").filter(has_text="Please check the card statement")
    expect(sent.locator("span[data-type='mention']")).to_have_attribute("data-id", re.compile(r"^\d+$"))

    # No reload: the bell of the teammate's open tab counts the mention and lists it.
    expect(bell).to_have_attribute("data-unread", str(before + 1), timeout=15_000)
    bell.click()
    item = teammate.page.locator(".inbox-item").filter(has_text="Please check the card statement")
    item.wait_for()
    expect(item).to_contain_text("Aisha Rahman")
    teammate.shoot("agent-inbox-mention", phone=False)
    item.click()
    teammate.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    teammate.wait_ready(".timeline")
    expect(bell).to_have_attribute("data-unread", str(before))


def test_the_portal_editor_sends_formatted_requests_and_replies_without_mentions(open_ui, unique):
    customer = open_ui()
    customer.signup(f"Robin Format {unique}", f"robin.{unique}@example.com")
    customer.wait_ready("text=No requests yet")
    customer.page.locator("a.new-request").click()
    customer.page.wait_for_url("**/portal/new")
    customer.page.wait_for_selector("button.submit:not([disabled])")
    subject = f"Card declined abroad {unique}"
    customer.page.fill("#subject", subject)
    body = customer.page.locator("#body")
    body.click()
    customer.page.keyboard.type("Steps so far:")
    customer.page.keyboard.press("Enter")
    customer.page.get_by_role("button", name="Bulleted list").click()
    customer.page.keyboard.type("tried the card twice")
    customer.page.keyboard.press("Enter")
    customer.page.keyboard.type("called @nobody")
    expect(customer.page.locator(".mention-popup")).to_have_count(0)  # customers mention no one
    expect(customer.page.get_by_role("button", name="Insert an image")).to_have_count(0)  # no ticket yet
    customer.page.click("button.submit")
    customer.page.wait_for_url(re.compile(r".*/portal/tickets/\d+"))
    customer.wait_ready(f"h1:has-text('{subject}')")
    first = customer.page.locator(".message").filter(has_text="Steps so far")
    expect(first.locator(".message-body li")).to_have_count(2)

    reply = customer.page.locator("#reply-body")
    reply.click()
    customer.page.get_by_role("button", name="Italic (Ctrl+I)").click()
    customer.page.keyboard.type("It happened again today.")
    customer.page.click("button.send-reply")
    customer.toast("Message sent")
    customer.page.locator(".message .message-body em").filter(has_text="It happened again today.").wait_for()
    expect(reply).to_have_text("")
    customer.shoot("portal-ticket-editor")

    agent = open_ui()
    _staff_opens(agent, WRITER, subject)
    agent.page.locator(".message .message-body em").filter(has_text="It happened again today.").wait_for()
    expect(agent.page.locator(".message .message-body li").filter(has_text="tried the card twice")).to_have_count(1)
