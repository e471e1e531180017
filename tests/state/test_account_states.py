"""The verification and set-up states as thin adapters: handlers called on a real state tree, no browser."""

from __future__ import annotations

import email
import re
from email import policy

from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.events.runner import run_pending_jobs
from autocrm.models import Role, User
from autocrm.services import auth, setup
from autocrm.state.accounts import SetupState, VerificationBannerState, VerifyEmailState
from tests.state.test_states import _signed_in, _state, _with_cookie


def _verify_links(address: str) -> set[str]:
    run_pending_jobs()
    bodies = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in get_settings().outbox_dir.glob("*.eml")
    ]
    return {
        token
        for message in bodies
        if message["To"] == address
        for token in re.findall(r"verify-email\?token=(\S+)", message.get_body(preferencelist=("plain",)).get_content())
    }


def _unverified_customer() -> User:
    with write_session() as s:
        auth.sign_up_customer(s, email="vera@example.com", name="Vera", password="long enough")
    with read_session() as s:
        return s.exec(select(User).where(User.email == "vera@example.com")).one()


def test_banner_resend_and_the_verify_page(people):
    user = _unverified_customer()
    banner = _signed_in(VerificationBannerState, user, path="/portal")
    banner.resend()
    assert banner.resent_to == "vera@example.com" and banner.needs_verification
    links = _verify_links("vera@example.com")
    assert len(links) == 2

    page = _with_cookie(_state(VerifyEmailState), path="/verify-email?token=forged")
    page.redeem()
    assert page.status == "failed" and "invalid" in page.message
    for token in links:
        page = _with_cookie(_state(VerifyEmailState), path=f"/verify-email?token={token}")
        page.redeem()
        if page.status == "verified":
            assert page.verified_email == "vera@example.com"
    with read_session() as s:
        assert s.get(User, user.id).email_verified_at is not None


def test_set_up_page_opens_only_with_this_starts_code_and_only_once(people):
    with write_session() as s:
        code = setup.open_setup(s)
    wrong = _with_cookie(_state(SetupState), path="/setup?code=nope")
    assert wrong.open_setup() is None and not wrong.code_ok and "not valid" in wrong.form_error

    page = _with_cookie(_state(SetupState), path=f"/setup?code={code}")
    page.open_setup()
    assert page.code_ok
    page.submit({"company_name": "", "name": "", "email": "x", "password": "y"})
    assert set(page.errors) == {"company_name", "name", "email", "password"}
    assert page.submit(
        {"company_name": "Acme Help", "name": "Ada", "email": "ada@acme.example", "password": "long enough"}
    )
    assert page.company_name == "Acme Help" and page.user["role"] == Role.admin.value

    closed = _with_cookie(_state(SetupState), path=f"/setup?code={code}")
    assert closed.open_setup() and not closed.code_ok  # redirected to sign-in
