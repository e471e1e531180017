"""The admin's API keys page and everyone's sessions page, end to end in chromium."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


def _api_status(base: str, raw_key: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/tickets?per_page=1", headers={"Authorization": f"Bearer {raw_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's own loopback server)
            return response.status
    except urllib.error.HTTPError as error:
        assert json.loads(error.read())["error"]["message"]
        return error.code


def test_admin_makes_a_key_sees_its_secret_once_and_revokes_it(open_ui, unique):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/api-keys")
    admin.wait_ready("button.new-key")
    admin.page.locator(".sidebar").get_by_text("API keys").wait_for()

    admin.page.locator("button.new-key").first.click()
    admin.page.click("button.create-key-submit")  # no name: said next to the field, nothing made
    admin.page.locator(".field-error").filter(has_text="name").wait_for()
    admin.shoot("admin-api-key-new")
    name = f"Zapier {unique}"
    admin.page.fill("#key-name", name)
    admin.page.locator(".scope-tickets-write").click()
    admin.page.locator(".key-expiry").click()
    admin.page.get_by_role("option", name="30 days", exact=True).click()
    admin.page.click("button.create-key-submit")
    secret = admin.page.locator(".new-key-secret").inner_text().strip()
    assert re.fullmatch(r"acrm_[0-9a-f]{8}_\S{40,}", secret), secret
    admin.shoot("admin-api-key-secret")
    admin.page.locator("button.copy-key").click()
    admin.toast("copied")
    admin.page.locator("button.secret-done").click()
    expect(admin.page.locator(".new-key-secret")).to_have_count(0)

    assert _api_status(admin.base, secret) == 200
    row = admin.page.locator(".key-row").filter(has_text=name)
    row.wait_for()
    assert "tickets:read" in row.inner_text() and "tickets:write" in row.inner_text()
    assert "Maya" not in row.inner_text() and "Active" in row.inner_text()
    admin.page.locator("button.new-key").first.click()  # the secret is never shown again
    admin.page.locator("#key-name").wait_for()
    expect(admin.page.locator(".new-key-secret")).to_have_count(0)
    assert secret not in admin.page.content()
    admin.page.keyboard.press("Escape")

    admin.page.reload()
    admin.wait_ready(".key-row")
    row = admin.page.locator(".key-row").filter(has_text=name)
    expect(row).to_contain_text(re.compile(r"just now|min ago"))  # last used: by the call above
    admin.shoot("admin-api-keys")
    row.locator("button.revoke-key").click()
    admin.page.get_by_text(f"Revoke “{name}”?").wait_for()
    admin.page.locator("button.confirm-revoke").click()
    admin.toast("is revoked")
    expect(row.locator(".key-state")).to_have_text("Revoked")
    expect(row.locator("button.revoke-key")).to_have_count(0)
    assert _api_status(admin.base, secret) == 401


def test_sessions_page_ends_another_browser_and_an_admin_ends_them_all(open_ui, unique):
    email = f"sam.{unique}@example.com"
    laptop = open_ui()
    laptop.signup(f"Sam Twodevices {unique}", email)
    phone = open_ui()
    phone.context.set_extra_http_headers({"User-Agent": IPHONE})
    phone.login(email, "correct-horse-9", expect="/portal")

    laptop.wait_ready("text=No requests yet")
    laptop.page.locator(".user-menu").filter(visible=True).first.click()
    laptop.page.locator(".sessions-link").click()
    laptop.page.wait_for_url("**/account/sessions")
    laptop.wait_ready(".session-row")
    expect(laptop.page.locator(".session-row")).to_have_count(2)
    here = laptop.page.locator(".session-row").filter(has=laptop.page.locator(".this-device"))
    expect(here).to_contain_text("Chrome on Linux")
    other = laptop.page.locator(".session-row").filter(has_text="Safari on iPhone")
    expect(other).to_contain_text(re.compile(r"just now|min ago"))
    laptop.shoot("account-sessions")

    other.locator("button.end-session").click()
    laptop.toast("Safari on iPhone is signed out")
    expect(laptop.page.locator(".session-row")).to_have_count(1)
    expect(laptop.page.locator("button.end-others").filter(visible=True)).to_be_disabled()
    phone.goto("/portal")  # its next page load finds no session
    phone.page.wait_for_url(re.compile(r".*/login\?next=/portal$"))

    phone.login(email, "correct-horse-9", expect="/portal")
    laptop.page.reload()
    laptop.wait_ready(".session-row")
    expect(laptop.page.locator(".session-row")).to_have_count(2)
    laptop.page.locator("button.end-others").filter(visible=True).click()
    laptop.page.locator("button.confirm-others").click()
    laptop.toast("Signed out of 1 other session")
    phone.page.locator("a.new-request").click()  # a click in the app, not a reload: refused at once
    phone.page.wait_for_url(re.compile(r".*/login.*"))

    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/users")
    admin.wait_ready(".user-row")
    admin.page.fill("#people-search", email)
    admin.page.press("#people-search", "Enter")
    person = admin.page.locator(".user-row").filter(has_text=email)
    person.wait_for()
    person.locator("button.end-sessions").click()
    admin.page.get_by_text("Sign Sam Twodevices").wait_for()
    admin.page.locator("button.confirm-change").click()
    admin.toast("is signed out of 1 session")
    laptop.goto("/account/sessions")
    laptop.page.wait_for_url(re.compile(r".*/login\?next=/account/sessions$"))

    admin.goto("/account/sessions")  # staff get it in the agent shell
    admin.wait_ready(".session-row")
    expect(admin.page.locator(".page-title")).to_contain_text("Your sessions")
    admin.shoot("account-sessions-staff")
