"""The UI end to end in chromium: portal, queue, ticket, rating, admin, role gates, sessions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, PHONE, SCREENSHOTS, expect_editor_text

pytestmark = pytest.mark.browser


def _new_customer_ticket(ui, unique: str, *, screenshots: bool = False) -> tuple[str, str]:
    """Signs a new customer up and opens a ticket; returns (subject, the ticket's portal path)."""
    ui.signup(f"Casey Tester {unique}", f"casey.{unique}@example.com")
    ui.wait_ready("text=No requests yet")
    if screenshots:
        ui.shoot("portal-empty")
    ui.page.locator("a.new-request").click()
    ui.page.wait_for_url("**/portal/new")
    ui.page.wait_for_selector("button.submit:not([disabled])")
    if screenshots:
        ui.page.click("button.submit")  # empty form: inline messages, nothing sent
        ui.page.locator(".field-error").first.wait_for()
        assert ui.page.locator(".field-error").count() == 2
        ui.shoot("portal-new-validation")
    subject = f"Refund for a double charge {unique}"
    ui.page.fill("#subject", subject)
    ui.page.fill("#body", "I was charged twice for the same coffee on Monday. Please refund one of them.")
    ui.page.click("button.submit")
    ui.page.wait_for_url(re.compile(r".*/portal/tickets/\d+"))
    ui.wait_ready(f"h1:has-text('{subject}')")
    ui.toast("sent")
    return subject, ui.page.url.removeprefix(ui.base)


def _agent_opens(ui, subject: str) -> None:
    ui.login(AGENT, expect="/agent")
    ui.wait_ready(".queue-row")
    ui.page.fill("#queue-search", subject)
    ui.page.press("#queue-search", "Enter")
    ui.page.locator(".range-label").filter(visible=True).filter(has_text="1–1 of 1").wait_for()
    row = ui.page.locator(".queue-row").filter(has_text=subject)
    assert ui.page.locator(".queue-row").count() == 1
    row.locator(".ticket-subject").click()
    ui.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
    ui.wait_ready(".timeline")


def _choose(ui, trigger: str, option: str) -> None:
    ui.page.locator(trigger).filter(visible=True).first.click()
    ui.page.get_by_role("option", name=option, exact=True).click()


def test_customer_ticket_agent_reply_and_internal_note(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique, screenshots=True)
    customer.shoot("portal-ticket-new")

    agent = open_ui()
    _agent_opens(agent, subject)
    agent.page.fill("#composer-body", "Thanks Casey, I have refunded the second charge. It shows within 3 days.")
    agent.page.click("button.composer-submit")
    agent.toast("Reply sent")
    agent.page.locator(".message-public").filter(has_text="I have refunded the second charge").wait_for()

    agent.page.locator(".composer-mode").get_by_role("radio", name="Internal note").click()
    agent.page.locator("button.composer-submit").filter(has_text="Add internal note").wait_for()
    agent.page.fill("#composer-body", f"Ledger shows a duplicate capture from the terminal, secret-{unique}.")
    agent.page.click("button.composer-submit")
    agent.toast("Internal note added")
    note = agent.page.locator(".message-note").filter(has_text="Ledger shows a duplicate capture")
    note.wait_for()
    assert "Internal note" in note.inner_text()
    agent.shoot("agent-ticket")

    customer.goto(portal_path)
    customer.wait_ready(".timeline")
    customer.page.locator(".message").filter(has_text="I have refunded the second charge").wait_for()
    body = customer.page.locator("body").inner_text()
    assert "Ledger shows a duplicate capture" not in body
    assert "Internal note" not in body
    customer.shoot("portal-ticket-replied")

    customer.goto("/portal")
    customer.wait_ready(".portal-ticket")
    assert customer.page.locator(".portal-ticket").filter(has_text=subject).count() == 1
    customer.shoot("portal-list")


def test_customer_rates_ticket_after_agent_solves_it(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    ticket_id = portal_path.rstrip("/").rsplit("/", 1)[-1]
    assert customer.page.locator(".rating-card").count() == 0  # not before it is solved

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.goto(f"/agent/tickets/{ticket_id}")
    agent.wait_ready(".ticket-properties")
    _choose(agent, ".status-select", "Solved")
    agent.toast("Status set to Solved")

    customer.goto(portal_path)
    customer.wait_ready(".rating-card")
    customer.page.click("button.send-rating")  # no stars yet: an inline message
    customer.page.get_by_text("Choose 1 to 5 stars.").wait_for()
    customer.page.click("button.star-4")
    customer.page.fill(".rating-card textarea", "Quick and friendly.")
    customer.shoot("portal-rating")
    customer.page.click("button.send-rating")
    customer.toast("Thank you")
    given = customer.page.locator(".given-rating")
    given.wait_for()
    assert "Quick and friendly." in given.inner_text()
    customer.shoot("portal-rated")

    agent.goto(f"/agent/tickets/{ticket_id}")
    agent.wait_ready(".ticket-properties")
    agent.page.locator(".ticket-properties").get_by_text("4/5").wait_for()
    # The timeline holds the change and the rating where they happened, and filters by kind.
    agent.page.locator(".timeline-change").filter(has_text="Status: New → Solved").wait_for()
    agent.page.locator(".timeline-rating").filter(has_text="Rated the answer 4 out of 5").wait_for()
    panel = agent.page.locator(".requester-panel")
    assert f"casey.{unique}@example.com" in panel.inner_text()
    panel.locator(".requester-satisfaction").filter(has_text="4 / 5").wait_for()
    agent.page.locator(".timeline-filter").get_by_role("radio", name="Changes", exact=True).click()
    expect(agent.page.locator(".timeline .message")).to_have_count(0)
    expect(agent.page.locator(".timeline-change")).to_have_count(1)
    agent.shoot("agent-ticket-changes")
    agent.page.locator(".timeline-filter").get_by_role("radio", name="All", exact=True).click()
    expect(agent.page.locator(".timeline .message")).to_have_count(1)
    agent.shoot("agent-ticket-timeline")


def test_admin_creates_person_and_changes_role(open_ui, unique):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/users")
    admin.wait_ready(".user-row")
    admin.shoot("admin-users")

    admin.page.click("button.add-person")
    admin.page.fill("#new-name", f"Robin Newhire {unique}")
    admin.page.fill("#new-email", "robin@localhost")  # the browser accepts it, the service does not
    admin.page.click("button.create-user-submit")
    admin.page.locator(".field-error").filter(has_text="valid e-mail").wait_for()
    admin.shoot("admin-add-person", phone=False)
    admin.page.fill("#new-email", f"robin.{unique}@demo.autocrm.dev")
    admin.page.click("button.create-user-submit")
    admin.toast("created")

    admin.page.fill("#people-search", f"robin.{unique}")
    admin.page.press("#people-search", "Enter")
    row = admin.page.locator(".user-row").filter(has_text=f"Robin Newhire {unique}")
    row.wait_for()
    assert admin.page.locator(".user-row").count() == 1
    row.locator(".role-select").click()
    admin.page.get_by_role("option", name="Admin", exact=True).click()
    dialog = admin.page.locator(".confirm-dialog")
    expect(dialog).to_contain_text(f"Make Robin Newhire {unique} an admin?")
    admin.shoot("admin-confirm-role", phone=False)
    dialog.locator("button.confirm-change").click()
    admin.toast("is now an admin")

    admin.page.reload()
    admin.wait_ready(".user-row")
    admin.page.fill("#people-search", f"robin.{unique}")
    admin.page.press("#people-search", "Enter")
    row = admin.page.locator(".user-row").filter(has_text=f"Robin Newhire {unique}")
    row.wait_for()
    assert row.locator(".role-select").inner_text().strip() == "Admin"


def test_role_gates(open_ui, unique):
    anonymous = open_ui()
    anonymous.goto("/agent")
    anonymous.page.wait_for_url(re.compile(r".*/login\?next=/agent$"))
    anonymous.page.wait_for_selector("#login-form button.submit:not([disabled])")
    anonymous.shoot("login")
    anonymous.goto("/forgot-password")
    anonymous.page.wait_for_selector("button.submit:not([disabled])")
    anonymous.page.fill("#email", f"nobody.{unique}@example.com")
    anonymous.page.click("button.submit")
    anonymous.page.locator(".reset-sent").wait_for()
    assert "If an account exists" in anonymous.page.locator(".reset-sent").inner_text()
    anonymous.shoot("forgot-password")
    anonymous.goto("/reset-password?token=not-a-real-token")
    anonymous.page.wait_for_selector("button.submit:not([disabled])")
    anonymous.page.fill("#password", "a-new-password-1")
    anonymous.page.fill("#confirm", "a-new-password-1")
    anonymous.page.click("button.submit")
    anonymous.page.get_by_text("invalid or has expired").wait_for()
    anonymous.shoot("reset-password")
    anonymous.goto("/signup")
    anonymous.page.wait_for_selector("#signup-form button.submit:not([disabled])")
    anonymous.page.fill("#name", "Someone")
    anonymous.page.fill("#email", f"someone.{unique}@example.com")
    anonymous.page.fill("#password", "short")
    anonymous.page.click("#signup-form button.submit")
    anonymous.page.locator(".field-error").filter(has_text="at least 8 characters").wait_for()
    anonymous.shoot("signup-validation")

    customer = open_ui()
    customer.signup(f"Pat Gatecheck {unique}", f"pat.{unique}@example.com")
    for path in ("/agent", "/admin/users", "/agent/tickets/1"):
        customer.goto(path)
        customer.page.wait_for_url("**/portal")
        customer.wait_ready("text=No requests yet")
    assert "Tickets" not in customer.page.locator("h1, h2, h3").all_inner_texts()

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    assert agent.page.locator(".sidebar").get_by_text("People").count() == 0
    agent.goto("/admin/users")
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))
    agent.wait_ready(".queue-row")
    agent.goto("/portal")
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))
    agent.page.wait_for_selector("text=Maya Okafor")
    agent.goto("/login")
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))


def test_session_survives_reload_and_logout_ends_it(open_ui):
    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.shoot("agent-queue")
    # The session cookie is the server's: HttpOnly, so no page script can read it.
    session_cookie = next(c for c in agent.page.context.cookies() if c["name"] == "autocrm_session")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"
    assert "autocrm_session" not in agent.page.evaluate("document.cookie")
    agent.page.reload()
    agent.wait_ready(".queue-row")
    assert agent.page.locator(".user-menu").filter(visible=True).first.inner_text().strip().startswith("MO")
    agent.page.locator(".sidebar").get_by_text("Assigned to me").click()
    agent.page.wait_for_url("**view=mine")
    agent.wait_ready(".queue-row")
    expect(agent.page.locator(".queue-row").filter(has_not_text="Maya Okafor")).to_have_count(0)  # every row is hers

    agent.goto("/")
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))
    agent.wait_ready(".queue-row")
    agent.page.locator(".user-menu").filter(visible=True).first.click()
    agent.page.locator(".logout").click()
    agent.page.wait_for_url(re.compile(r".*/login/?(\?.*)?$"))
    assert not [c for c in agent.page.context.cookies() if c["name"] == "autocrm_session"]
    agent.goto("/agent")
    agent.page.wait_for_url(re.compile(r".*/login\?next=/agent$"))


def test_people_admin_confirms_every_change_and_pages_cards_on_a_phone(open_ui, unique):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/users")
    admin.wait_ready(".user-row")
    admin.page.set_viewport_size(PHONE)
    admin.wait_ready(".user-card")
    expect(admin.page.locator(".user-card")).to_have_count(10)
    admin.page.locator("button.show-more").click()
    expect(admin.page.locator(".user-card")).to_have_count(20)
    admin.page.set_viewport_size({"width": 1366, "height": 768})

    admin.page.fill("#people-search", "maya.agent")
    admin.page.press("#people-search", "Enter")
    maya = admin.page.locator(".user-row").filter(has_text="Maya Okafor")
    maya.locator(".active-switch").click()
    dialog = admin.page.locator(".confirm-dialog")
    expect(dialog).to_contain_text("Deactivate Maya Okafor?")
    admin.shoot("admin-confirm-deactivate")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(maya).to_contain_text("Active")  # cancelled: nothing changed


def test_closed_tickets_lock_the_composer_and_say_why(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    ticket_id = portal_path.rstrip("/").rsplit("/", 1)[-1]
    assert "e-mail" not in customer.page.locator(".composer").inner_text()

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.goto(f"/agent/tickets/{ticket_id}")
    agent.wait_ready(".ticket-properties")
    assert "e-mailed" not in agent.page.locator("body").inner_text()
    expect(agent.page.locator("#composer-body")).to_be_enabled()
    _choose(agent, ".status-select", "Closed")
    agent.toast("Status set to Closed")
    agent.page.locator(".composer .closed-notice").wait_for()
    expect(agent.page.locator("#composer-body")).to_have_count(0)  # nothing to type into, and the notice says why
    expect(agent.page.locator("button.composer-submit")).to_have_count(0)
    agent.shoot("agent-ticket-closed")

    agent.page.click("button.start-follow-up")
    expect(agent.page.locator("#follow-up-subject")).to_have_value(subject)
    agent.page.fill("#follow-up-body", "Calling you back about the second charge.")
    agent.shoot("agent-follow-up")
    agent.page.click("button.follow-up-submit")
    agent.toast("Follow-up #")
    agent.page.wait_for_url(lambda url: not url.rstrip("/").endswith(f"/agent/tickets/{ticket_id}"))
    agent.page.locator(".follows-up").filter(visible=True).first.wait_for()
    expect(agent.page.locator("#composer-body")).to_be_enabled()

    customer.goto(portal_path)
    customer.wait_ready(".composer .closed-notice")
    expect(customer.page.locator("#reply-body")).to_have_count(0)
    expect(customer.page.locator("button.send-reply")).to_have_count(0)
    customer.shoot("portal-ticket-closed")
    customer.page.click(".start-follow-up")
    customer.page.wait_for_url(f"**/portal/new?follow_up={ticket_id}")
    customer.wait_ready(".follow-up-of")
    expect(customer.page.locator("#subject")).to_have_value(subject)
    customer.page.fill("#body", "The refund has not arrived yet.")
    customer.shoot("portal-follow-up")
    customer.page.click("button.submit")
    customer.toast("sent")
    customer.page.locator(".follows-up").wait_for()
    customer.goto("/portal")
    customer.wait_ready(".portal-ticket")
    assert "by e-mail" not in customer.page.locator("body").inner_text()


def test_unknown_addresses_get_the_shell_a_message_and_a_way_back(open_ui, unique):
    anonymous = open_ui()
    anonymous.goto("/no-such-page")
    anonymous.wait_ready(".way-back")
    expect(anonymous.page.get_by_text("Page not found").first).to_be_visible()
    expect(anonymous.page.locator(".way-back").filter(visible=True)).to_contain_text("Go to sign in")
    anonymous.shoot("not-found-anonymous")

    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.goto("/agent/no-such-view")
    agent.wait_ready(".not-found")
    expect(agent.page.locator(".sidebar")).to_be_visible()
    expect(agent.page.locator(".sidebar")).to_contain_text("Unsolved")
    expect(agent.page.locator(".not-found .way-back")).to_contain_text("Back to the queue")
    agent.shoot("not-found-agent")
    agent.page.locator(".not-found .way-back").click()
    agent.page.wait_for_url(re.compile(r".*/agent/?$"))

    customer = open_ui()
    customer.signup(f"Nora Lost {unique}", f"nora.{unique}@example.com")
    customer.goto("/portal/no-such-request")
    customer.wait_ready(".not-found")
    expect(customer.page.locator(".not-found .way-back")).to_contain_text("Back to my requests")
    customer.shoot("not-found-customer")


def test_queue_on_a_phone_shows_its_title_and_a_menu_with_counts(open_ui):
    agent = open_ui()
    agent.page.set_viewport_size(PHONE)
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-card")
    expect(agent.page.locator(".page-title").filter(visible=True)).to_have_text("Unsolved")
    agent.page.get_by_role("button", name="Open navigation").click()
    current = agent.page.locator(".mobile-nav-item[aria-current='page']")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("Unsolved")
    expect(current.locator(".menu-count")).to_have_text(re.compile(r"^\d[\d,.k+]*$"))
    expect(agent.page.locator(".mobile-nav-item .menu-count")).to_have_count(4)
    agent.page.screenshot(path=str(SCREENSHOTS / "agent-queue-menu-390x844.png"))
    agent.page.locator(".mobile-nav-item").filter(has_text="Assigned to me").click()
    agent.page.wait_for_url("**view=mine")
    expect(agent.page.locator(".page-title").filter(visible=True)).to_have_text("Assigned to me")


def test_agent_applies_a_macro_after_reading_what_it_will_change(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    agent = open_ui()
    _agent_opens(agent, subject)
    agent.page.click("button.macro-menu")
    agent.page.locator(".macro-option").filter(has_text="Refund on its way").click()
    notice = agent.page.locator(".macro-notice")
    notice.filter(has_text="Status: New → Solved").wait_for()
    assert "Tags added: refund" in notice.inner_text()
    expect_editor_text(
        agent.page, "composer-body", re.compile(r"^Hi Casey,\n\nWe have refunded.*within three working days", re.S)
    )
    expect(agent.page.locator(".ticket-properties .status-select")).to_contain_text("New")  # nothing applied yet
    agent.shoot("agent-ticket-macro")
    agent.page.fill("#composer-body", "Hi Casey, we have refunded the second coffee. It shows within three days.")
    agent.page.click("button.composer-submit")
    agent.toast("Macro “Refund on its way” applied and the reply sent to the customer.")
    expect(agent.page.locator(".ticket-properties .status-select")).to_contain_text("Solved")
    agent.page.locator(".timeline-change").filter(has_text="Tags added: refund").wait_for()
    expect(agent.page.locator(".macro-notice")).to_have_count(0)

    customer.goto(portal_path)
    customer.wait_ready(".timeline")
    customer.page.locator(".message").filter(has_text="we have refunded the second coffee").wait_for()


def test_agent_logs_a_call_the_customer_never_sees(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    agent = open_ui()
    _agent_opens(agent, subject)
    agent.page.click("button.log-call")
    dialog = agent.page.locator(".call-dialog")
    dialog.wait_for()
    dialog.get_by_label("We called the customer").click()
    agent.page.fill("#call-minutes", "soon")
    agent.page.click("button.save-call")
    dialog.get_by_text("Give the length in minutes, such as 4 or 2.5.").wait_for()
    agent.page.fill("#call-minutes", "6")
    agent.page.fill("#call-summary", f"Walked Casey through the refund, ref-{unique}.")
    agent.shoot("agent-ticket-call-dialog", phone=False)
    agent.page.click("button.save-call")
    agent.toast("Call logged.")
    expect(agent.page.locator(".composer .field-error")).to_have_count(0)  # the reply's form was not sent
    call = agent.page.locator(".timeline-call").filter(has_text=f"ref-{unique}")
    call.wait_for()
    assert "Outgoing call · 6 minutes" in call.inner_text()
    agent.shoot("agent-ticket-call")

    customer.goto(portal_path)
    customer.wait_ready(".timeline")
    assert f"ref-{unique}" not in customer.page.locator("body").inner_text()


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = b"".join(b"\x00" + b"\x3f\x51\xb5" * 24 for _ in range(16))  # 24x16, indigo
    header = struct.pack(">IIBBBBB", 24, 16, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def test_files_attached_in_the_portal_and_by_an_agent_reach_the_other_side(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    customer.wait_ready(".attachment-picker")
    picker = customer.page.locator(".attachment-picker input[type=file]")
    picker.set_input_files(
        [
            {"name": "receipt.png", "mimeType": "image/png", "buffer": _tiny_png()},
            {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\x00" * 62},
        ]
    )
    customer.page.locator(".staged-file").filter(has_text="receipt.png").wait_for()
    expect(customer.page.locator(".staged-file")).to_have_count(1)  # the program was refused by the browser
    customer.page.locator(".staged-error").filter(
        has_text="tool.exe: the desk does not take files of this type."
    ).wait_for()
    customer.page.fill("#reply-body", "Here is the receipt of the second charge.")
    customer.shoot("portal-reply-attachment")
    customer.page.click("button.send-reply")
    customer.toast("Message sent")
    customer.page.locator(".message").filter(has_text="receipt of the second charge").locator(
        ".attachment-preview"
    ).wait_for()
    expect(customer.page.locator(".staged-file")).to_have_count(0)

    agent = open_ui()
    _agent_opens(agent, subject)
    message = agent.page.locator(".message").filter(has_text="receipt of the second charge")
    preview = message.locator(".attachment-preview")
    preview.wait_for()
    assert agent.page.evaluate("(img) => img.naturalWidth", preview.element_handle()) == 24
    assert "receipt.png" in message.locator(".attachment-link").inner_text()
    agent.shoot("agent-ticket-attachment")


def test_a_reply_waits_when_a_colleague_answered_meanwhile(open_ui, unique):
    customer = open_ui()
    subject, portal_path = _new_customer_ticket(customer, unique)
    maya = open_ui()
    _agent_opens(maya, subject)
    ticket_path = maya.page.url.split("localhost", 1)[1].split("/", 1)[1]

    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto(f"/{ticket_path}")
    admin.wait_ready(".timeline")
    admin.page.fill("#composer-body", "We have refunded it already.")
    admin.page.click("button.composer-submit")
    admin.toast("Reply sent")

    maya.page.fill("#composer-body", "I will refund the second charge now.")
    maya.page.click("button.composer-submit")
    notice = maya.page.locator(".collision-notice")
    notice.filter(has_text="Alex Admin wrote on this ticket while you were writing").wait_for()
    maya.page.locator(".message").filter(has_text="We have refunded it already.").wait_for()
    expect_editor_text(maya.page, "composer-body", "I will refund the second charge now.")  # kept
    maya.shoot("agent-ticket-collision", phone=False)
    maya.page.fill("#composer-body", "Sorry, my colleague was quicker: the refund is done.")
    maya.page.click("button.send-anyway")
    maya.toast("Reply sent")
    expect(maya.page.locator(".collision-notice")).to_have_count(0)


def test_an_agent_reads_their_own_stats_against_the_period_before(open_ui):
    agent = open_ui()
    agent.login(AGENT, expect="/agent")
    agent.wait_ready(".queue-row")
    agent.page.locator("a[href='/agent/stats']").filter(visible=True).first.click()
    agent.page.wait_for_url("**/agent/stats")
    agent.wait_ready(".stat-card")
    expect(agent.page.locator(".stat-card")).to_have_count(6)
    assert "Tickets solved" in agent.page.locator(".stat-card").first.inner_text()
    expect(agent.page.locator(".stat-bar")).to_have_count(31)
    agent.shoot("agent-stats")
    _choose(agent, ".stats-period", "Last 12 weeks")
    expect(agent.page.locator(".stat-bar")).to_have_count(13)
