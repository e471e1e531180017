"""The admin's e-mail page end to end in chromium: add a mailbox on a real dovecot and test it, see a message
that could not become a ticket in the failed list and retry it; a mail posted to the inbound endpoint shows in
the agent's ticket with its original attached."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, ROOT, UI, _project_env, served_app_and_log
from tests.imap_server import HOST, PASSWORD, USER, Dovecot

pytestmark = pytest.mark.browser


def _channel_key(data_dir: Path) -> str:
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(data_dir)}
    command = [str(ROOT / ".venv" / "bin" / "autocrm"), "api-keys", "create", "--name", "mail service"]
    out = subprocess.run([*command, "--scopes", "channels:write"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def _post_mail(base: str, key: str, raw: bytes) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/channels/email/inbound",
        data=raw,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own loopback server)
        return json.loads(response.read())


def test_admin_adds_and_tests_a_mailbox_and_retries_failed_mail(browser, unique):
    with Dovecot() as imap, served_app_and_log(own_build=True, log_name="server-mailboxes.log") as (base, log):
        admin = UI(browser, base)
        try:
            admin.login(ADMIN, expect="/agent")
            admin.goto("/admin/mailboxes")
            admin.wait_ready("button.new-mailbox")
            admin.page.locator(".sidebar").get_by_text("E-mail").wait_for()
            admin.shoot("admin-mailboxes-empty")

            admin.page.locator("button.new-mailbox").first.click()
            admin.page.fill("#mailbox-name", f"Support {unique}")
            admin.page.locator("#mailbox-security").click()
            admin.page.get_by_role("option", name="No encryption (local servers only)").click()
            admin.page.fill("#mailbox-host", "not a host")
            admin.page.fill("#mailbox-port", str(imap.port))
            admin.page.fill("#mailbox-username", USER)
            admin.page.fill("#mailbox-password", PASSWORD)
            admin.page.click("button.mailbox-submit")  # refused next to its field, nothing made
            admin.page.locator(".field-error").filter(has_text="host name").wait_for()
            admin.shoot("admin-mailbox-new")
            admin.page.fill("#mailbox-host", HOST)
            admin.page.fill("#mailbox-password", PASSWORD)
            admin.page.click("button.mailbox-submit")
            admin.toast("Mailbox added")
            row = admin.page.locator(".mailbox-row").filter(has_text=f"Support {unique}")
            expect(row.locator(".mailbox-state")).to_have_text("Not checked")
            row.locator("button.mailbox-test").click()
            admin.toast("Connected")
            expect(row.locator(".mailbox-state")).to_have_text("Working")

            key = _channel_key(log.parent)
            failed = _post_mail(base, key, b"Subject: lost\r\nMessage-ID: <lost@x>\r\n\r\nWho am I?\r\n")
            assert failed["status"] == "failed"
            mail = EmailMessage()
            mail["From"] = f"Jane Mail <jane.{unique}@example.org>"
            mail["To"] = "support@autocrm.local"
            mail["Subject"] = f"Printer by mail {unique}"
            mail["Message-ID"] = f"<printer-{unique}@example.org>"
            mail.set_content("It prints only blank pages.")
            created = _post_mail(base, key, bytes(mail))
            assert created["status"] == "created"

            admin.page.get_by_role("button", name="Refresh").filter(visible=True).click()
            failed_row = admin.page.locator(".failed-row").filter(has_text="no sender address")
            failed_row.wait_for()
            admin.shoot("admin-mailboxes")
            failed_row.locator("button.failed-retry").click()
            admin.toast("Still failing")

            row.locator("button.mailbox-delete").click()  # asks first, naming the mailbox
            dialog = admin.page.get_by_role("alertdialog")
            expect(dialog).to_contain_text(f"Remove the mailbox Support {unique}?")
            admin.shoot("admin-mailbox-remove", phone=False)
            dialog.locator("button.confirm-delete").click()
            admin.toast("Mailbox removed")
            expect(admin.page.locator(".mailbox-row").filter(has_text=f"Support {unique}")).to_have_count(0)

            admin.goto(f"/agent/tickets/{created['ticket_id']}")
            admin.page.get_by_text("It prints only blank pages.").first.wait_for()
            admin.page.get_by_text("original.eml").first.wait_for()
            admin.shoot("agent-email-ticket")
            assert not admin.errors, admin.errors
        finally:
            admin.close()
