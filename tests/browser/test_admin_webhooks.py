"""The admin's webhooks page end to end in chromium: make a webhook (its secret shown once), see a real
delivery to a receiver on loopback fail and then succeed on Retry, edit it, delete it after a confirmation."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.browser.conftest import ADMIN, ROOT, UI, _project_env, served_app_and_log
from tests.webhook_receiver import receiver

pytestmark = pytest.mark.browser


def _api_key(data_dir: Path) -> str:
    env = _project_env() | {"AUTOCRM_DATA_DIR": str(data_dir)}
    command = [str(ROOT / ".venv" / "bin" / "autocrm"), "api-keys", "create", "--name", "hooks test"]
    out = subprocess.run(
        [*command, "--scopes", "tickets:read,tickets:write"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def _open_ticket(base: str, key: str, subject: str) -> int:
    body = {"subject": subject, "body": "Sent by the webhooks test", "requester_email": "hooks@example.com"}
    request = urllib.request.Request(
        f"{base}/api/v1/tickets",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own loopback server)
        return json.loads(response.read())["id"]


def test_admin_makes_a_webhook_follows_its_deliveries_and_deletes_it(browser, unique):
    # Loopback receivers allowed; a failed try comes back only by the Retry button within the test.
    env = {"AUTOCRM_WEBHOOK_ALLOW_PRIVATE": "1", "AUTOCRM_WEBHOOK_RETRY_BASE_SECONDS": "600"}
    with (
        receiver() as hook,
        served_app_and_log(env, own_build=True, log_name="server-webhooks.log") as (base, log),
    ):
        hook.statuses = [500]
        admin = UI(browser, base)
        try:
            admin.login(ADMIN, expect="/agent")
            admin.goto("/admin/webhooks")
            admin.wait_ready("button.new-hook")
            admin.page.locator(".sidebar").get_by_text("Webhooks").wait_for()
            admin.shoot("admin-webhooks-empty")

            admin.page.locator("button.new-hook").first.click()
            admin.page.fill("#hook-url", "http://exa mple/")
            admin.page.click("button.hook-submit")  # a bad URL: said next to the field, nothing made
            admin.page.locator(".field-error").filter(has_text="URL").wait_for()
            admin.shoot("admin-webhook-new")
            admin.page.fill("#hook-url", hook.url)
            admin.page.fill("#hook-description", f"CRM sync {unique}")
            admin.page.locator(".event-message-internal-created").click()
            admin.page.click("button.hook-submit")
            secret = admin.page.locator(".new-hook-secret").inner_text().strip()
            assert re.fullmatch(r"whsec_\S{32}", secret), secret
            admin.shoot("admin-webhook-secret")
            admin.page.locator("button.copy-secret").click()
            admin.toast("copied")
            admin.page.locator("button.secret-done").click()
            expect(admin.page.locator(".new-hook-secret")).to_have_count(0)

            row = admin.page.locator(".hook-row").filter(has_text=f"CRM sync {unique}")
            row.wait_for()
            assert "ticket.created" in row.inner_text() and "message.internal_created" in row.inner_text()

            ticket_id = _open_ticket(base, _api_key(log.parent), f"Webhook {unique}")
            first = hook.wait_for(1, timeout=30)[0]  # answered 500: retried later
            body = Webhook(secret).verify(first.body, first.headers)
            assert body["type"] == "ticket.created" and body["data"]["ticket"]["id"] == ticket_id

            row.locator("button.hook-deliveries").click()
            delivery = admin.page.locator(".dl-row").filter(has_text="ticket.created")
            delivery.wait_for()
            for _ in range(20):  # the failed try is recorded just after the receiver answers
                if "HTTP 500" in delivery.inner_text():
                    break
                admin.page.wait_for_timeout(250)
                admin.page.get_by_role("button", name="Refresh").filter(visible=True).click()
            expect(delivery).to_contain_text("Retrying")
            expect(delivery).to_contain_text("HTTP 500")
            admin.shoot("admin-webhook-deliveries")
            delivery.locator("button.dl-retry").click()
            admin.toast("Sending it again")
            again = hook.wait_for(2, timeout=15)[1]
            assert again.headers["webhook-id"] == first.headers["webhook-id"]
            for _ in range(20):
                admin.page.get_by_role("button", name="Refresh").filter(visible=True).click()
                if "Delivered" in delivery.inner_text():
                    break
                admin.page.wait_for_timeout(250)
            expect(delivery.locator(".dl-status")).to_have_text("Delivered")

            row.locator("button.hook-edit").click()
            admin.page.locator(".hook-active").click()
            admin.page.click("button.hook-submit")
            admin.toast("Webhook saved")
            expect(row.locator(".hook-state")).to_have_text("Paused")
            assert secret not in admin.page.content()
            admin.shoot("admin-webhooks")

            row.locator("button.hook-delete").click()
            admin.page.locator("button.confirm-delete").click()
            admin.toast("Webhook deleted")
            expect(admin.page.locator(".hook-row")).to_have_count(0)
        finally:
            admin.close()
