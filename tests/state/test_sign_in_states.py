"""The sign-in states: two-step verification before any sign-in code, the client address through trusted
proxies (finding 4), and the role requirement that sends a user to set up MFA before anything else."""

from __future__ import annotations

import time

import pyotp
from reflex.istate.data import RouterData

from autocrm.core.db import write_session
from autocrm.core.settings import reset_settings
from autocrm.models import Role
from autocrm.services import auth, mfa
from autocrm.state.account_security import AccountSecurityState
from autocrm.state.auth import LoginState
from autocrm.state.queue import QueueState
from tests.state.test_states import _navigation_target, _root, _state


def _router(state, *, token: str = "", path: str = "/login", peer: str = "10.0.0.2", forwarded_for: str = ""):
    headers = {"host": "localhost:3000", "origin": "http://localhost:3000", "asgi-scope-client": peer}
    if token:
        headers["cookie"] = f"autocrm_session={token}"
    if forwarded_for:
        headers["x-forwarded-for"] = forwarded_for
    _root(state).router = RouterData.from_router_data({"headers": headers, "asPath": path, "ip": peer})
    return state


def _script(event) -> str:
    value = event.args[0][1]
    return str(value._var_value if hasattr(value, "_var_value") else value)


def _enrolled(people, role: Role = Role.agent):
    user = people.make(role)
    actor = people.actor(user)
    with write_session() as session:
        secret = mfa.start_enrolment(session, actor=actor).secret
    with write_session() as session:
        mfa.confirm_enrolment(session, actor=actor, code=pyotp.TOTP(secret).at(time.time() - 30))
    return user, secret


def test_with_mfa_the_password_step_issues_no_sign_in_code(people):
    agent, secret = _enrolled(people)
    state = _router(_state(LoginState))
    assert state.submit({"email": agent.email, "password": "correct horse"}) is None  # no claim navigation
    assert state.step == "code" and state.user == {}
    assert "_pending" not in state.dict()[state.get_full_name()]  # the pending sign-in stays on the server

    state.submit_code({"code": "abc"})
    assert state.errors == {"code": "That code is not right. Check your authenticator app, or use a recovery code."}
    result = state.submit_code({"code": pyotp.TOTP(secret).now(), "remember": "on"})
    script = _script(result)
    assert script.startswith('document.cookie = "autocrm_prelogin=') and "path=/api/session" in script
    claim_url = _navigation_target(result)
    assert claim_url.startswith("http://localhost:3000/api/session/claim?code=") and "remember=1" in claim_url
    assert state.user["role"] == "agent"


def test_without_mfa_the_password_goes_straight_to_the_claim(people):
    customer = people.make(Role.customer)
    state = _router(_state(LoginState))
    result = state.submit({"email": customer.email, "password": "correct horse"})
    assert "/api/session/claim?code=" in _navigation_target(result) and "remember" not in _navigation_target(result)


def test_the_login_state_counts_failures_per_client_through_trusted_proxies(people, monkeypatch):
    agent = people.make(Role.agent)

    def attempt(password: str, forwarded_for: str) -> str:
        state = _router(_state(LoginState), peer="10.0.0.2", forwarded_for=forwarded_for)
        state.submit({"email": agent.email, "password": password})
        return state.form_error

    # No trusted proxy: the header is the client's own claim, and every attempt is the proxy's address.
    for number in range(6):
        attempt("wrong password", f"203.0.113.{number}")
    assert attempt("correct horse", "198.51.100.1").startswith("Too many failed sign-in attempts")

    auth.reset_rate_limits()
    monkeypatch.setenv("AUTOCRM_TRUSTED_PROXY_HOPS", "1")
    reset_settings()
    for _ in range(6):
        attempt("wrong password", "6.6.6.6, 203.0.113.9")  # the proxy appended 203.0.113.9
    assert attempt("correct horse", "203.0.113.9").startswith("Too many failed sign-in attempts")
    assert attempt("correct horse", "6.6.6.6, 198.51.100.1") == ""  # the same user elsewhere gets in


def test_a_required_role_without_mfa_reaches_only_the_security_page(people):
    admin, agent = people.make(Role.admin), people.make(Role.agent)
    with write_session() as session:
        mfa.set_required(session, actor=people.actor(admin), role=Role.agent, required=True)
        token = auth.start_login_session(session, user=agent)

    queue = _router(_state(QueueState), token=token, path="/agent")
    refusal = queue.load()
    assert refusal is not None and "/account/security?required=1" in str(refusal)

    security = _router(_state(AccountSecurityState), token=token, path="/account/security")
    assert security.load() is None and security.required and not security.enabled
    assert security.required_notice == "Your desk requires two-step verification for agents. Set it up to continue."
    security.start()
    assert security.enrolling and security.qr_svg.startswith("<svg") and len(security.secret) == 32
    security.confirm({"code": pyotp.TOTP(security.secret).now()})
    assert security.enabled and security.secret == "" and len(security.recovery_codes) == 10
    security.saved_codes()
    assert security.recovery_codes == []
    queue.load()  # enrolled: the queue opens (its answer keeps the URL in step, no redirect)
    assert queue.loaded


def test_admins_set_the_requirement_from_the_security_page(people):
    admin = people.make(Role.admin)
    with write_session() as session:
        token = auth.start_login_session(session, user=admin)
    security = _router(_state(AccountSecurityState), token=token, path="/account/security")
    security.load()
    events = security.set_required("admin", True)
    assert security.require_admins and "/account/security?required=1" in str(events)
    security.set_required("admin", False)
    assert not security.require_admins and not security.required


def test_the_security_page_renews_codes_forgets_devices_and_turns_mfa_off(people):
    agent, secret = _enrolled(people)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)
    security = _router(_state(AccountSecurityState), token=token, path="/account/security")
    security.load()
    assert security.enabled and security.recovery_codes_left == 10 and not security.enrolling

    security.renew({"code": "12"})
    assert security.renew_errors == {"code": "That code is not right. Try the newest one."}
    security.renew({"code": pyotp.TOTP(secret).now()})
    assert len(security.recovery_codes) == 10 and security.showing_recovery_codes
    assert security.recovery_codes_text.count("\n") == 9
    codes = list(security.recovery_codes)
    security.saved_codes()
    assert not security.showing_recovery_codes

    assert "remembered device" in str(security.forget_devices())
    security.disable({"code": "not it"})
    assert security.disable_errors["code"].startswith("That code is not right") and security.enabled
    security.disable({"code": codes[0]})
    assert not security.enabled and security.disable_errors == {}

    security.start()
    assert security.enrolling and security.secret_grouped.count(" ") == 7
    security.cancel()
    assert not security.enrolling and security.secret == "" and security.qr_svg == ""


def test_the_code_step_can_switch_to_recovery_codes_and_back(people):
    agent, _secret = _enrolled(people)
    state = _router(_state(LoginState))
    state.submit({"email": agent.email, "password": "correct horse"})
    state.submit_code({"code": ""})
    assert state.errors == {"code": "Enter the 6-digit code."}
    state.toggle_recovery()
    state.submit_code({"code": ""})
    assert state.use_recovery and state.errors == {"code": "Enter a recovery code."}
    state.back_to_password()
    assert state.step == "password" and not state.use_recovery
    assert state.submit_code({"code": "123456"}) is None and state.form_error.startswith("This sign-in has expired")
