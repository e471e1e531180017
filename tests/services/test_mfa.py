"""Two-step verification (PRD 4.3.1): enrolment, sign-in with a code or a recovery code, remembered devices,
roles that require it, and the audit trail of every change. On SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import AuditEntry, MfaCredential, MfaRecoveryCode, Role
from autocrm.services import auth, mfa
from autocrm.services.actor import Actor
from autocrm.services.errors import (
    AuthenticationFailed,
    Conflict,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _code(secret: str, steps_from_now: int = 0) -> str:
    """The app's code for a 30-second step near now (each code is accepted once, so tests step forward)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def _enrol(user) -> tuple[str, list[str]]:
    actor = Actor.for_user(user)
    with write_session() as session:
        enrolment = mfa.start_enrolment(session, actor=actor)
    with write_session() as session:
        codes = mfa.confirm_enrolment(session, actor=actor, code=_code(enrolment.secret, -1))
    return enrolment.secret, codes


def _actions(user_id: int) -> list[str]:
    with read_session() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.object_id == user_id)).all()
    return [entry.action for entry in entries if entry.action.startswith(("mfa.", "auth.mfa"))]


def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(people):
    agent = people.make(Role.agent)
    actor = people.actor(agent)
    with write_session() as session:
        enrolment = mfa.start_enrolment(session, actor=actor)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/") and f"secret={enrolment.secret}" in (
        enrolment.provisioning_uri
    )
    assert "issuer=AutoCRM" in enrolment.provisioning_uri
    assert enrolment.qr_svg.startswith("<svg") and "<script" not in enrolment.qr_svg
    with read_session() as session:
        assert mfa.status(session, actor=actor).enabled is False  # not before the app proved it has the secret

    with pytest.raises(ValidationFailed) as refused, write_session() as session:
        mfa.confirm_enrolment(session, actor=actor, code="000000" if _code(enrolment.secret) != "000000" else "111111")
    assert "code" in refused.value.details
    with write_session() as session:
        codes = mfa.confirm_enrolment(session, actor=actor, code=_code(enrolment.secret))
    assert len(codes) == 10 and len(set(codes)) == 10
    with read_session() as session:
        assert mfa.status(session, actor=actor).model_dump() == {
            "enabled": True,
            "required": False,
            "recovery_codes_left": 10,
        }
        stored = [row.code_hash for row in session.exec(select(MfaRecoveryCode))]
    assert not set(codes) & set(stored) and all(len(value) == 64 for value in stored)  # only hashes are kept
    assert _actions(agent.id) == ["mfa.enrolment_started", "mfa.enabled"]
    with pytest.raises(Conflict), write_session() as session:
        mfa.start_enrolment(session, actor=actor)


def test_with_mfa_the_password_yields_a_pending_sign_in_and_a_code_completes_it(people):
    agent, plain = people.make(Role.agent), people.make(Role.agent)
    secret, _codes = _enrol(agent)
    with write_session() as session:
        assert mfa.after_password(session, user=plain) is None  # no MFA: the sign-in goes ahead
        pending = mfa.after_password(session, user=agent)
    assert pending and pending.count(".") == 2  # a signed token, not a sign-in code

    with pytest.raises(AuthenticationFailed), write_session() as session:
        mfa.complete_sign_in(session, pending="forged." + pending, code=_code(secret, 1))
    with write_session() as session:
        assert mfa.complete_sign_in(session, pending=pending, code=_code(secret)).id == agent.id
    with pytest.raises(AuthenticationFailed), write_session() as session:  # a code works once
        mfa.complete_sign_in(session, pending=pending, code=_code(secret))
    assert "auth.mfa_passed" in _actions(agent.id)


def test_recovery_codes_work_once_each(people):
    customer = people.make(Role.customer)
    _secret, codes = _enrol(customer)
    with write_session() as session:
        pending = mfa.after_password(session, user=customer)
    with write_session() as session:
        assert mfa.complete_sign_in(session, pending=pending, code=codes[3].upper()).id == customer.id
    with pytest.raises(AuthenticationFailed), write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=codes[3])
    with read_session() as session:
        assert mfa.status(session, actor=people.actor(customer)).recovery_codes_left == 9
    assert "mfa.recovery_code_used" in _actions(customer.id)


def test_wrong_codes_are_throttled(people):
    agent = people.make(Role.agent)
    secret, _codes = _enrol(agent)
    with write_session() as session:
        pending = mfa.after_password(session, user=agent)
    right = _code(secret, 1)
    wrong = next(c for c in ("123456", "654321", "111111") if c not in (right, _code(secret), _code(secret, -1)))
    for _ in range(6):
        with pytest.raises(AuthenticationFailed), write_session() as session:
            mfa.complete_sign_in(session, pending=pending, code=wrong)
    with pytest.raises(RateLimited), write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=right)


def test_a_remembered_device_skips_the_code_until_password_or_mfa_change(people):
    agent = people.make(Role.agent)
    secret, codes = _enrol(agent)
    with write_session() as session:
        session_token = auth.start_login_session(session, user=agent)
        device = mfa.remember_device(session, session_token=session_token)
    assert device
    other = people.make(Role.agent)
    with write_session() as session:
        assert mfa.after_password(session, user=agent, device_token=device) is None
        assert mfa.after_password(session, user=agent, device_token=device + "x") is not None
        assert mfa.after_password(session, user=other, device_token=device) is None  # other has no MFA anyway
    _enrol(other)
    with write_session() as session:
        assert mfa.after_password(session, user=other, device_token=device) is not None  # bound to its user

    with write_session() as session:
        mfa.forget_devices(session, actor=people.actor(agent))
    with write_session() as session:
        assert mfa.after_password(session, user=agent, device_token=device) is not None
        device = mfa.remember_device(session, session_token=session_token)

    # A new password unbinds the device (a reset, or any change of the hash).
    with write_session() as session:
        user = session.get(auth.User, agent.id)
        user.password_hash = auth.hash_password("a brand new password")
        session.add(user)
    with write_session() as session:
        assert mfa.after_password(session, user=agent, device_token=device) is not None
    assert "mfa.devices_forgotten" in _actions(agent.id) and "mfa.device_remembered" in _actions(agent.id)
    assert secret and codes


def test_a_pending_sign_in_ends_when_the_password_changes(people):
    agent = people.make(Role.agent)
    secret, _codes = _enrol(agent)
    with write_session() as session:
        pending = mfa.after_password(session, user=agent)
        user = session.get(auth.User, agent.id)
        user.password_hash = auth.hash_password("another password")
        session.add(user)
    with pytest.raises(AuthenticationFailed) as refused, write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=_code(secret))
    assert "expired" in refused.value.message


def test_turning_mfa_off_needs_a_code(people):
    agent = people.make(Role.agent)
    actor = people.actor(agent)
    _secret, codes = _enrol(agent)
    with pytest.raises(ValidationFailed), write_session() as session:
        mfa.disable(session, actor=actor, code="not a code")
    with write_session() as session:
        mfa.disable(session, actor=actor, code=codes[0])
    with read_session() as session:
        assert mfa.status(session, actor=actor).enabled is False
        assert session.get(MfaCredential, agent.id) is None
        assert session.exec(select(MfaRecoveryCode)).all() == []
    assert _actions(agent.id)[-1] == "mfa.disabled"
    with pytest.raises(Conflict), write_session() as session:
        mfa.disable(session, actor=actor, code=codes[1])


def test_new_recovery_codes_replace_the_old_ones(people):
    agent = people.make(Role.agent)
    actor = people.actor(agent)
    secret, old = _enrol(agent)
    with write_session() as session:
        new = mfa.renew_recovery_codes(session, actor=actor, code=_code(secret))
    assert len(new) == 10 and not set(new) & set(old)
    with write_session() as session:
        pending = mfa.after_password(session, user=agent)
    with pytest.raises(AuthenticationFailed), write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=old[0])
    with write_session() as session:
        assert mfa.complete_sign_in(session, pending=pending, code=new[0]).id == agent.id


def test_admins_require_mfa_of_a_role_and_its_users_must_enrol(people):
    admin, agent, customer = people.make(Role.admin), people.make(Role.agent), people.make(Role.customer)
    with pytest.raises(PermissionDenied), write_session() as session:
        mfa.set_required(session, actor=people.actor(agent), role=Role.agent, required=True)
    with pytest.raises(ValidationFailed), write_session() as session:
        mfa.set_required(session, actor=people.actor(admin), role=Role.customer, required=True)
    with write_session() as session:
        shown = mfa.set_required(session, actor=people.actor(admin), role=Role.agent, required=True)
    assert shown.required_roles == [Role.agent]
    with read_session() as session:
        assert mfa.enrolment_required(session, user=agent) is True
        assert mfa.enrolment_required(session, user=admin) is False
        assert mfa.enrolment_required(session, user=customer) is False
        assert mfa.status(session, actor=people.actor(agent)).required is True
    _enrol(agent)
    with read_session() as session:
        assert mfa.enrolment_required(session, user=agent) is False
    with write_session() as session:
        mfa.set_required(session, actor=people.actor(admin), role=Role.agent, required=False)
    with read_session() as session:
        assert mfa.policy(session).required_roles == []
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "mfa.requirement_changed")).all()
    assert [entry.changes for entry in entries] == [
        {"mfa_required:agent": [False, True]},
        {"mfa_required:agent": [True, False]},
    ]


def test_an_admin_resets_a_users_mfa_and_their_sessions_end(people):
    admin, agent = people.make(Role.admin), people.make(Role.agent)
    _enrol(agent)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)
    with pytest.raises(PermissionDenied), write_session() as session:
        mfa.reset_for_user(session, actor=people.actor(agent), user_id=agent.id)
    with write_session() as session:
        mfa.reset_for_user(session, actor=people.actor(admin), user_id=agent.id)
    with read_session() as session:
        assert mfa.status(session, actor=people.actor(agent)).enabled is False
        assert auth.user_for_session_token(session, token) is None
    assert _actions(agent.id)[-1] == "mfa.reset"


def _stored_secret(user_id: int) -> str:
    with read_session() as session:
        return session.get(MfaCredential, user_id).secret


def test_the_authenticator_secret_is_sealed_at_rest_and_bound_to_its_user(people, monkeypatch):
    """A copy of the database does not hold the secret that makes the codes: it is sealed under a key derived
    from the desk's secret key and bound to its user; under another secret key no code matches."""
    agent, other = people.make(Role.agent), people.make(Role.agent)
    secret, _codes = _enrol(agent)
    _enrol(other)
    stored = _stored_secret(agent.id)
    assert secret not in stored and len(stored) <= 64
    with write_session() as session:  # a sealed secret copied to another person's row opens nowhere
        row = session.get(MfaCredential, other.id)
        row.secret = stored
        session.add(row)
    with write_session() as session:
        pending = mfa.after_password(session, user=other)
    with pytest.raises(AuthenticationFailed), write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=_code(secret, 1))

    monkeypatch.setenv("AUTOCRM_SECRET_KEY", "another-secret-key")
    reset_settings()
    with write_session() as session:
        pending = mfa.after_password(session, user=agent)
    with pytest.raises(AuthenticationFailed), write_session() as session:
        mfa.complete_sign_in(session, pending=pending, code=_code(secret, 1))


def test_a_secret_kept_before_sealing_still_works_and_is_sealed_at_its_next_use(people):
    agent = people.make(Role.agent)
    secret, _codes = _enrol(agent)
    with write_session() as session:
        session_token = auth.start_login_session(session, user=agent)
        device = mfa.remember_device(session, session_token=session_token)
        row = session.get(MfaCredential, agent.id)
        row.secret = secret  # as rows were stored before sealing
        session.add(row)
    with write_session() as session:
        assert mfa.after_password(session, user=agent, device_token=device) is None  # still the same binding
        pending = mfa.after_password(session, user=agent)
    with write_session() as session:
        assert mfa.complete_sign_in(session, pending=pending, code=_code(secret, 1)).id == agent.id
    assert secret not in _stored_secret(agent.id)
    with write_session() as session:  # resealing unbinds no remembered device
        assert mfa.after_password(session, user=agent, device_token=device) is None
