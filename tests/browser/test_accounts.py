"""Issue 13 in chromium: sign-up, the mailed verification link and the portal's banner; the first-run set-up."""

from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path

import pytest

from tests.browser.conftest import UI, served_app_and_log

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-9"  # noqa: S105 (a test account's password)


def _verify_links(outbox: Path, to: str) -> list[str]:
    """The verification links mailed to `to`, oldest first."""
    links = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if str(message["To"]) == to:
            links += re.findall(
                r"(http\S+/verify-email\?token=\S+)", message.get_body(preferencelist=("plain",)).get_content()
            )
    return links


def _mailed_links(outbox: Path, to: str, count: int) -> list[str]:
    """The verification links mailed to `to` once `count` have arrived: the server's job worker sends account
    mails after the commit, a moment after the page answered."""
    deadline = time.monotonic() + 15
    while len(links := _verify_links(outbox, to)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return links


def test_sign_up_then_verify_by_the_mailed_link(open_ui, outbox, unique):
    address = f"vera.{unique}@example.com"
    ui = open_ui()
    ui.goto("/signup")
    ui.page.wait_for_selector("#signup-form button.submit:not([disabled])")
    ui.page.fill("#name", f"Vera Verify {unique}")
    ui.page.fill("#email", address)
    ui.page.fill("#password", PASSWORD)
    ui.page.click("#signup-form button.submit")
    ui.page.locator(".signup-sent").wait_for()
    assert address in ui.page.locator(".signup-sent").inner_text()
    ui.shoot("signup-check-inbox")
    assert len(_mailed_links(outbox, address, 1)) == 1

    ui.login(address, PASSWORD, expect="/portal")
    ui.wait_ready(".verify-banner")
    ui.wait_ready("text=No requests yet")
    ui.shoot("portal-unverified-banner")
    ui.page.locator(".resend-verification").filter(visible=True).first.click()
    ui.toast("We sent a new link")
    older, newer = _mailed_links(outbox, address, 2)

    ui.page.goto(older)  # superseded by the resend
    ui.wait_ready(".verify-failed")
    ui.shoot("verify-email-failed")
    ui.page.goto(newer)
    ui.wait_ready(".verify-done")
    assert address in ui.page.locator(".verify-done").inner_text()
    ui.shoot("verify-email-done")
    ui.page.get_by_role("button", name="Go to my requests").click()
    ui.page.wait_for_url("**/portal")
    ui.wait_ready("text=No requests yet")
    assert ui.page.locator(".verify-banner").count() == 0


def test_first_run_set_up_without_the_demo(browser, unique):
    """`autocrm serve` on an empty data dir without --demo: no demo desk, a set-up link on the console that
    creates the first admin and names the desk once, and then stops working."""
    with served_app_and_log(serve_args=(), own_build=True, log_name="server-setup.log") as (base, log):
        console = log.read_text()
        assert "DEMO DESK" not in console and "demo logins" not in console
        link = re.search(r"(http://\S+/setup\?code=\S+)", console).group(1)
        ui = UI(browser, base)
        try:
            ui.goto("/setup?code=not-the-code")
            ui.page.get_by_text("This set-up link is not valid").wait_for()
            assert ui.page.locator("#setup-form").count() == 0

            ui.page.goto(link)
            ui.page.wait_for_selector("#setup-form button.submit:not([disabled])")
            ui.shoot("setup")
            ui.page.click("#setup-form button.submit")
            ui.page.locator(".field-error").first.wait_for()
            assert ui.page.locator(".field-error").count() == 4  # every field's message at once
            ui.shoot("setup-validation")
            ui.page.fill("#company_name", f"Acme Support {unique}")
            ui.page.fill("#name", "Ada Admin")
            ui.page.fill("#email", f"ada.{unique}@acme.example")
            ui.page.fill("#password", PASSWORD)
            ui.page.click("#setup-form button.submit")
            ui.page.wait_for_url("**/agent**")
            ui.wait_ready("text=Ada Admin")
            assert not ui.errors, ui.errors
        finally:
            ui.close()

        anonymous = UI(browser, base)
        try:
            anonymous.page.goto(link)  # usable only while no admin exists
            anonymous.page.wait_for_url("**/login**")
            anonymous.page.get_by_text(f"Welcome back to Acme Support {unique}").wait_for()
            anonymous.shoot("login-after-setup", phone=False)
        finally:
            anonymous.close()
