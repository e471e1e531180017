import email
import re
from email import policy

import pytest
import redis
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.events.runner import run_pending_jobs
from autocrm.models import ApiKey, AuditEntry, Role, User
from autocrm.services import api_keys, auth, users
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed, PermissionDenied, RateLimited, ValidationFailed
from autocrm.services.users import TeamPublic, UserPublic


def _mail_text(path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def _sign_up(email="new@example.com", password="s3cret-pass"):
    """Signs up and returns the account (the service answers only with the address, never the account)."""
    with write_session() as s:
        address = auth.sign_up_customer(s, email=email, name="New Customer", password=password)
    with read_session() as s:
        return UserPublic.model_validate(s.exec(select(User).where(User.email == address)).one())


def test_sign_up_hashes_with_argon2_and_logs_in(db_url):
    user = _sign_up(email="  New@Example.com ")
    assert user.role == Role.customer and user.email == "new@example.com"
    with read_session() as s:
        stored = s.get(User, user.id)
    assert stored.password_hash.startswith("$argon2id$") and "s3cret-pass" not in stored.password_hash
    with write_session() as s:
        logged_in = auth.authenticate(s, email="new@example.com", password="s3cret-pass")
        token = auth.start_login_session(s, user=logged_in)
    with read_session() as s:
        assert auth.user_for_session_token(s, token).id == user.id
        assert auth.user_for_session_token(s, token + "x") is None
    with write_session() as s:
        auth.end_login_session(s, token=token)
    with read_session() as s:
        assert auth.user_for_session_token(s, token) is None


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", "longenough", "email"), ("ok@example.com", "short", "password")],
)
def test_sign_up_rejects_bad_input_and_writes_nothing(db_url, email, password, field):
    with pytest.raises(ValidationFailed) as info:
        _sign_up(email=email, password=password)
    assert field in info.value.details
    with read_session() as s:
        assert s.exec(select(User)).all() == []


def test_duplicate_sign_up_answers_like_a_new_one(db_url):
    first = _sign_up()
    assert _sign_up(email="NEW@example.com", password="other-pass-1") == first  # no Conflict, nothing new


def test_wrong_password_and_unknown_email_fail_alike(db_url):
    _sign_up()
    for address, password in (("new@example.com", "wrong-pass"), ("nobody@example.com", "s3cret-pass")):
        with pytest.raises(AuthenticationFailed) as info, write_session() as s:
            auth.authenticate(s, email=address, password=password)
        assert info.value.message == "That e-mail and password do not match an account."


def test_login_is_throttled_per_account(db_url):
    _sign_up()
    for _ in range(6):  # five are free
        with pytest.raises(AuthenticationFailed), write_session() as s:
            auth.authenticate(s, email="new@example.com", password="wrong-pass")
    with pytest.raises(RateLimited), write_session() as s:
        auth.authenticate(s, email="new@example.com", password="s3cret-pass")


def test_login_throttle_is_shared_through_redis(db_url, monkeypatch):
    """With AUTOCRM_REDIS_URL set, every worker process counts the same attempts."""
    monkeypatch.setenv("AUTOCRM_REDIS_URL", "redis://127.0.0.1:6379/13")
    reset_settings()
    auth._limiter.cache_clear()
    redis.Redis.from_url("redis://127.0.0.1:6379/13").flushdb()
    try:
        _sign_up()
        for _ in range(6):
            with pytest.raises(AuthenticationFailed), write_session() as s:
                auth.authenticate(s, email="new@example.com", password="wrong-pass")
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/13").keys("*login*")
        assert keys, "attempts should be counted in Redis"
        with pytest.raises(RateLimited), write_session() as s:
            auth.authenticate(s, email="new@example.com", password="s3cret-pass")
    finally:
        redis.Redis.from_url("redis://127.0.0.1:6379/13").flushdb()
        auth._limiter.cache_clear()


def test_password_reset_is_single_use_and_time_limited(db_url, tmp_path):
    user = _sign_up()
    with write_session() as s:
        token = auth.start_login_session(s, user=user)
        auth.request_password_reset(s, email="new@example.com")
        auth.request_password_reset(s, email="nobody@example.com")  # silently ignored
    from autocrm.core.settings import get_settings

    run_pending_jobs()
    mails = [m for m in get_settings().outbox_dir.glob("*.eml") if "reset-password" in _mail_text(m)]
    assert len(mails) == 1
    body = _mail_text(mails[0])
    reset_token = re.search(r"reset-password\?token=(\S+)", body).group(1)
    with write_session() as s:
        changed = auth.reset_password(s, token=reset_token, new_password="brand-new-pass")
    assert type(changed) is UserPublic and changed.id == user.id
    with read_session() as s:
        assert auth.user_for_session_token(s, token) is None  # old sessions end with the reset
    with pytest.raises(ValidationFailed), write_session() as s:
        auth.reset_password(s, token=reset_token, new_password="another-pass")
    with write_session() as s:
        assert auth.authenticate(s, email="new@example.com", password="brand-new-pass").id == user.id


def test_expired_reset_token_is_refused(db_url, monkeypatch):
    _sign_up()
    monkeypatch.setenv("AUTOCRM_PASSWORD_RESET_TTL_SECONDS", "-1")
    reset_settings()
    with write_session() as s:
        auth.request_password_reset(s, email="new@example.com")
    from autocrm.core.settings import get_settings

    run_pending_jobs()
    token = re.search(
        r"reset-password\?token=(\S+)", "".join(map(_mail_text, get_settings().outbox_dir.glob("*.eml")))
    )[1]
    with pytest.raises(ValidationFailed), write_session() as s:
        auth.reset_password(s, token=token, new_password="brand-new-pass")


def test_api_keys_are_stored_hashed_and_scoped(db_url):
    with write_session() as s:
        key, raw = api_keys.create_api_key(s, actor=Actor.system(), name="zapier", scopes=["tickets:read"])
    assert raw.startswith("acrm_") and raw != key.prefix and "key_hash" not in key.model_dump()
    with read_session() as s:
        assert s.get(ApiKey, key.id).key_hash == auth.sha256(raw)
    with read_session() as s:
        actor = api_keys.api_key_actor(s, raw)
        assert actor.scopes == frozenset({"tickets:read"}) and actor.role == Role.agent
        with pytest.raises(AuthenticationFailed):
            api_keys.api_key_actor(s, raw[:-1] + ("A" if raw[-1] != "A" else "B"))
        with pytest.raises(PermissionDenied):
            actor.require_scope("tickets:write")
    with pytest.raises(ValidationFailed), write_session() as s:
        api_keys.create_api_key(s, actor=Actor.system(), name="bad", scopes=["tickets:delete"])


def test_only_admins_manage_users_and_keys(people):
    agent, customer, admin = people.make(Role.agent), people.make(Role.customer), people.make(Role.admin)
    for actor in (Actor.for_user(agent), Actor.for_user(customer)):
        with pytest.raises(PermissionDenied), write_session() as s:
            users.create_user(s, actor=actor, email="x@example.com", name="X", role=Role.agent, password="longenough")
        with pytest.raises(PermissionDenied), read_session() as s:
            users.list_users(s, actor=actor)
        with pytest.raises(PermissionDenied), write_session() as s:
            users.update_user(s, actor=actor, user_id=customer.id, role=Role.admin)
        with pytest.raises(PermissionDenied), write_session() as s:
            api_keys.create_api_key(s, actor=actor, name="k", scopes=["tickets:read"])
    with pytest.raises(PermissionDenied), write_session() as s:
        users.create_user(
            s,
            actor=Actor.for_user(customer),
            email="y@example.com",
            name="Y",
            role=Role.admin,
            password="longenough",
            self_signup=True,
        )
    with write_session() as s:
        users.update_user(s, actor=Actor.for_user(admin), user_id=customer.id, role=Role.agent)
    with read_session() as s:
        assert s.get(User, customer.id).role == Role.agent
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert entry.changes == {"role": ["customer", "agent"]} and entry.actor_user_id == admin.id
    with pytest.raises(ValidationFailed), write_session() as s:
        users.update_user(s, actor=Actor.for_user(admin), user_id=admin.id, role=Role.agent)


def test_account_services_return_public_shapes_without_secrets(people):
    """Callers get a UserPublic (no password hash, no live row), whichever service made or changed the account."""
    admin = people.make(Role.admin)
    signed_up = _sign_up()
    with write_session() as s:
        created = users.create_user(s, actor=Actor.for_user(admin), email="a@example.com", name="A", role=Role.agent)
        updated = users.update_user(s, actor=Actor.for_user(admin), user_id=created.id, name="Agent A")
        logged_in = auth.authenticate(s, email="new@example.com", password="s3cret-pass")
        team = users.create_team(s, actor=Actor.for_user(admin), name="Billing", member_ids=[created.id])
    for user in (signed_up, created, updated, logged_in):
        assert type(user) is UserPublic and not hasattr(user, "password_hash")
    assert (updated.id, updated.name, updated.role, logged_in.id) == (created.id, "Agent A", Role.agent, signed_up.id)
    assert team == TeamPublic(id=team.id, name="Billing", description="", member_ids=[created.id])
