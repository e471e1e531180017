"""Single sign-on in chromium: an admin adds the test provider on /admin/sso, then a visitor signs in with its
button on the login page, through the provider (tests/oidc_provider.py, on loopback) and back, signed in."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ADMIN
from tests.oidc_provider import IdpUser, running_provider

pytestmark = pytest.mark.browser

CLIENT_ID = "autocrm-browser"
CLIENT_SECRET = "browser-test-secret-9b2e"  # noqa: S105 (the test provider's throwaway client secret)


@pytest.fixture
def idp(server, unique):
    user = IdpUser(sub=f"sub-{unique}", email=f"robin.{unique}@example.com", name="Robin Sso")
    with running_provider(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=f"{server}/api/sso/callback", user=user
    ) as provider:
        yield provider


def _fill_provider(ui, *, name: str, issuer: str) -> None:
    ui.page.fill("#sso-name", name)
    ui.page.fill("#sso-issuer", issuer)
    ui.page.fill("#sso-client_id", CLIENT_ID)
    ui.page.fill("#sso-client_secret", CLIENT_SECRET)
    ui.page.click("button.save-provider")


def test_admin_adds_a_provider_and_a_visitor_signs_in_with_it(open_ui, idp, unique):
    admin = open_ui()
    admin.login(ADMIN, expect="/agent")
    admin.goto("/admin/sso")
    admin.wait_ready("text=Register this app at the provider")
    admin.page.locator(".callback-url").filter(has_text="/api/sso/callback").wait_for()
    if not admin.page.locator(".provider-row").count():
        admin.wait_ready("text=No sign-in providers yet")
        admin.shoot("admin-sso-empty", phone=False)

    name = f"Test IdP {unique}"
    admin.page.click("button.add-provider")
    admin.page.wait_for_selector("#provider-form")
    _fill_provider(admin, name=name, issuer="http://127.0.0.1:9/unreachable")
    admin.page.locator(".field-error").filter(has_text="Could not read").wait_for()
    admin.page.locator("#sso-issuer[aria-invalid='true']").wait_for()
    outline = admin.page.evaluate("getComputedStyle(document.querySelector('#sso-issuer').parentElement).boxShadow")
    assert "0px 0px 0px 1px inset" in outline and "rgba(0, 6, 46" not in outline, outline  # red, not the gray border
    admin.shoot("admin-sso-unreachable-issuer")
    assert admin.page.input_value("#sso-name") == name  # nothing typed is lost

    admin.page.fill("#sso-issuer", idp.issuer)
    admin.page.fill("#sso-client_secret", CLIENT_SECRET)
    admin.page.click("button.save-provider")
    admin.toast(f"{name} added")
    row = admin.page.locator(".provider-row").filter(has_text=name)
    row.wait_for()
    assert CLIENT_SECRET not in admin.page.content()  # the secret never reaches the browser
    admin.shoot("admin-sso")

    visitor = open_ui()
    visitor.goto("/login")
    button = visitor.page.locator("button.sso-button").filter(has_text=f"Sign in with {name}")
    button.wait_for()
    visitor.page.wait_for_selector("button.sso-button:not([disabled])")
    visitor.shoot("login-with-sso")
    button.click()
    visitor.page.wait_for_url("**/portal**")
    visitor.wait_ready("text=No requests yet")
    visitor.page.locator(".user-menu").filter(visible=True).first.click()
    visitor.page.get_by_text(f"robin.{unique}@example.com").wait_for()

    # The provider has not verified the next person's address: the login page says why, nobody is signed in.
    idp.user.sub, idp.user.email, idp.user.email_verified = f"sub2-{unique}", f"kim.{unique}@example.com", False
    stranger = open_ui()
    stranger.goto("/login")
    stranger.page.wait_for_selector("button.sso-button:not([disabled])")
    stranger.page.locator("button.sso-button").filter(has_text=name).click()
    stranger.page.wait_for_url("**/login**sso_error=unverified")
    stranger.page.get_by_text("has not confirmed that this e-mail address is yours").wait_for()
    stranger.shoot("login-sso-refused")

    # Turned off, the provider's button leaves the login page.
    row.locator(".provider-enabled").filter(visible=True).first.click()
    admin.toast("its button is gone")
    stranger.goto("/login")
    stranger.page.wait_for_selector("#login-form button.submit:not([disabled])")
    assert stranger.page.locator("button.sso-button").filter(has_text=name).count() == 0
