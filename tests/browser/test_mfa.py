"""Two-step verification in chromium: set-up from the account security page (the code computed with pyotp
from the key the page shows), sign-in with a code, with a recovery code, a remembered device, and a role that
requires it."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, AGENT, DEMO_PASSWORD

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-9"


def _sign_out(ui) -> None:
    ui.page.locator(".user-menu").filter(visible=True).first.click()
    ui.page.locator(".logout").click()
    ui.page.wait_for_url(re.compile(r".*/login/?(\?.*)?$"))
    assert not [c for c in ui.page.context.cookies() if c["name"] == "autocrm_session"]


def _password_step(ui, email: str, password: str = PASSWORD) -> None:
    ui.login(email, password)
    ui.page.wait_for_selector("#code-form button.submit:not([disabled])")


def _enter_code(ui, code: str, *, remember: bool = False) -> None:
    ui.page.fill("#code", code)
    if remember:
        ui.page.locator("#code-form .remember-device").click()
    ui.page.click("#code-form button.submit")


def _next_code(secret: str) -> str:
    """The code of the next 30-second step: the server takes each step's code once, and the set-up used this one."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_set_up_mfa_then_sign_in_with_a_code_a_recovery_code_and_a_remembered_device(open_ui, unique):
    ui = open_ui()
    email = f"tess.{unique}@example.com"
    ui.signup(f"Tess Totp {unique}", email, PASSWORD)
    ui.page.locator(".user-menu").filter(visible=True).first.click()
    ui.page.locator(".account-security").click()
    ui.page.wait_for_url("**/account/security")
    ui.wait_ready(".mfa-start")
    ui.shoot("account-security-off")
    ui.page.click(".mfa-start")
    ui.wait_ready(".mfa-qr svg")
    ui.shoot("mfa-enrolment")
    secret = ui.page.locator(".mfa-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    ui.page.fill("#enrol-code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    ui.page.click("#mfa-enrol-form button.mfa-confirm")
    ui.page.locator(".field-error").filter(has_text="That code is not right").wait_for()
    ui.page.fill("#enrol-code", pyotp.TOTP(secret).now())
    ui.page.click("#mfa-enrol-form button.mfa-confirm")
    ui.wait_ready(".recovery-codes")
    ui.toast("Two-step verification is on.")
    codes = [code.strip() for code in ui.page.locator(".recovery-code").all_inner_texts()]
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-f]{5}-[0-9a-f]{5}", code) for code in codes)
    ui.shoot("mfa-recovery-codes")
    ui.page.click(".codes-saved")
    ui.page.locator(".recovery-codes").wait_for(state="detached")
    expect(ui.page.locator(".mfa-status")).to_have_text("On")
    expect(ui.page.locator(".codes-left")).to_contain_text("10 recovery codes left")
    ui.shoot("account-security-on")
    _sign_out(ui)

    # A recovery code instead of the app.
    _password_step(ui, email)
    ui.shoot("mfa-code-prompt")
    assert not [c for c in ui.page.context.cookies() if c["name"] == "autocrm_session"]
    ui.page.click(".toggle-recovery")
    ui.page.get_by_text("Enter one of the recovery codes").wait_for()
    _enter_code(ui, codes[0])
    ui.page.wait_for_url("**/portal**")
    ui.goto("/account/security")
    ui.wait_ready(".codes-left")
    # The page may show the count it last read until its load answers: wait for the new one.
    expect(ui.page.locator(".codes-left")).to_contain_text("9 recovery codes left")
    _sign_out(ui)

    # The spent recovery code is refused; a code from the app works, and this device is remembered.
    _password_step(ui, email)
    ui.page.click(".toggle-recovery")
    _enter_code(ui, codes[0])
    ui.page.locator(".field-error").filter(has_text="That code is not right").wait_for()
    ui.page.click(".toggle-recovery")
    _enter_code(ui, _next_code(secret), remember=True)
    ui.page.wait_for_url("**/portal**")
    device = next(c for c in ui.page.context.cookies() if c["name"] == "autocrm_mfa_device")
    assert device["httpOnly"] and device["expires"] > time.time() + 29 * 24 * 3600
    _sign_out(ui)

    ui.login(email, PASSWORD, expect="/portal")  # no code asked on the remembered device

    # Another browser (no device cookie) is asked for a code.
    other = open_ui()
    _password_step(other, email)


def test_a_role_that_requires_mfa_goes_to_set_up_right_after_the_password(open_ui):
    admin = open_ui()
    admin.login(ADMIN, DEMO_PASSWORD, expect="/agent")
    admin.goto("/account/security")
    admin.wait_ready(".mfa-policy")
    admin.page.click(".require-agent")
    admin.toast("now required for agents")
    admin.shoot("mfa-policy")
    try:
        agent = open_ui()
        agent.login(AGENT, DEMO_PASSWORD, expect="/account/security?required=1")
        agent.wait_ready(".mfa-required")
        assert "requires two-step verification for agents" in agent.page.locator(".mfa-required").inner_text()
        agent.shoot("mfa-required")
        agent.goto("/agent")  # nothing else opens until it is set up
        agent.page.wait_for_url("**/account/security?required=1")
        agent.wait_ready(".mfa-start")
    finally:
        admin.goto("/account/security")
        admin.wait_ready(".mfa-policy")
        admin.page.click(".require-agent")
        admin.toast("no longer required for agents")
