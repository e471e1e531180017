"""Passwords, sign-up, login with throttling, browser sessions and password resets (API keys: `api_keys`)."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlmodel import Session, col, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.core.i18n import N_, ngettext, t
from autocrm.core.settings import get_settings
from autocrm.models import LoginSession, PasswordResetToken, Role, User
from autocrm.models.base import utcnow
from autocrm.services import audit, usage
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed, RateLimited, ValidationFailed, field_error
from autocrm.services.mail import OutboundMail
from autocrm.services.user_shapes import UserPublic

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
EMAIL_RE = re.compile(r"^[^@\s<>\x00-\x1f]+@[^@\s<>\x00-\x1f]+\.[^@\s<>\x00-\x1f]+$")
MIN_PASSWORD_LENGTH = 8
SESSION_COOKIE = "autocrm_session"
# Set by the page that starts a sign-in, read only by the claim route (its path): binds the code to the browser.
PRELOGIN_COOKIE = "autocrm_prelogin"
CLAIM_TTL = timedelta(seconds=60)  # from the sign-in form to the browser's visit to the claim route


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise field_error("email", t("Enter a valid e-mail address, like name@example.com."))
    return email


def check_password_policy(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise field_error(
            "password", t("Use at least {MIN_PASSWORD_LENGTH} characters.", MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH)
        )
    if len(password) > 256:
        raise field_error("password", t("Use at most 256 characters."))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache
def _limiter() -> MovingWindowRateLimiter:
    url = get_settings().redis_url or "memory://"
    return MovingWindowRateLimiter(storage_from_string(url))


def reset_rate_limits() -> None:
    _limiter().storage.reset()


@dataclass(frozen=True)
class FailureLimit:
    """A counter of failed attempts under `key`: the first `free` cost nothing, each further one doubles a wait."""

    key: str
    free: int


def login_failure_limits(*, email: str, client: str) -> list[FailureLimit]:
    """The counters a password attempt for `email` from `client` counts against; the first is the pair's."""
    settings, account = get_settings(), sha256((email or "").strip().lower())
    limits = [FailureLimit(f"pair:{account}:{client}", settings.login_free_failures)]
    limits.append(FailureLimit(f"account:{account}", settings.login_free_failures_per_account))
    if client:
        limits.append(FailureLimit(f"client:{client}", settings.login_free_failures_per_client))
    return limits


def refuse_while_delayed(limits: list[FailureLimit], what: str = N_("sign-in attempts")) -> None:
    """RateLimited while any of `limits` is in its wait after too many failures."""
    storage, now = _limiter().storage, time.time()
    waits = [storage.get_expiry(f"login-wait:{limit.key}") - now for limit in limits]
    waits = [wait for wait, limit in zip(waits, limits, strict=True) if storage.get(f"login-wait:{limit.key}")]
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        raise RateLimited(
            ngettext(
                "Too many failed {what}. Try again in {n} second.",
                "Too many failed {what}. Try again in {n} seconds.",
                seconds,
                what=t(what),
            )
        )


def count_failure(limits: list[FailureLimit]) -> None:
    """One more failure on each of `limits`; past its free count, a wait that doubles with each failure."""
    settings, storage = get_settings(), _limiter().storage
    for limit in limits:
        failures = storage.incr(f"login-failures:{limit.key}", settings.login_failure_window_seconds)
        if failures > limit.free:
            exponent = min(failures - limit.free - 1, 30)
            wait = min(settings.login_first_delay_seconds * 2**exponent, settings.login_max_delay_seconds)
            storage.clear(f"login-wait:{limit.key}")
            storage.incr(f"login-wait:{limit.key}", wait)


def forget_failures(limit: FailureLimit) -> None:
    storage = _limiter().storage
    storage.clear(f"login-failures:{limit.key}")
    storage.clear(f"login-wait:{limit.key}")


def sign_up_customer(session: Session, *, email: str, name: str, password: str, client: str = "") -> str:
    """Creates an unverified customer account and mails it a verification link; returns the address.

    Answers the same whether or not the address already has an account (staff included): then its owner
    gets a mail instead ("someone tried to sign up with your address"), and nothing is created. Every field's
    error comes back at once in one ValidationFailed. Throttled per address and per client."""
    from autocrm.services import verification
    from autocrm.services.users import clean_name, create_user

    errors: dict[str, str] = {} if (name or "").strip() else {"name": "Enter your name."}
    checks: list[Callable[[], object]] = [lambda: normalize_email(email), lambda: check_password_policy(password)]
    if not errors:
        checks.append(lambda: clean_name(name))
    for check in checks:
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.details)
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else "Check the highlighted fields."
        raise ValidationFailed(message, errors)
    email = normalize_email(email)
    verification.throttle_account_mail(verification.SIGNUP_MAIL, email=email, client=client)
    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is not None:
        hash_password(password)  # as slow as creating the account, so timing tells nothing either
        verification.send_signup_notice_to_owner(session, existing)
        return email
    created = create_user(
        session,
        actor=Actor(role=Role.customer, label="signup"),
        email=email,
        name=name,
        password=password,
        role=Role.customer,
        self_signup=True,
    )
    verification.send_signup_verification(session, created.id)
    return email


def authenticate(session: Session, *, email: str, password: str, client: str = "") -> UserPublic:
    """The user whose password this is, or AuthenticationFailed. Failed attempts (never successes) slow down
    further tries per account from this client, per account and per client (`login_free_failures*`)."""
    email = (email or "").strip().lower()
    limits = login_failure_limits(email=email, client=client)
    refuse_while_delayed(limits)
    user = session.exec(select(User).where(User.email == email)).first() if EMAIL_RE.match(email) else None
    ok = _verify(user.password_hash if user else None, password or "")
    if user is None or user.password_hash is None or not ok or not user.is_active:
        count_failure(limits)
        raise AuthenticationFailed(t("That e-mail and password do not match an account."))
    forget_failures(limits[0])  # this person, from here, got it right; the account's and the client's counts stay
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    audit.record(session, actor=Actor.for_user(user), action="auth.login", object_type="user", object_id=user.id)
    return UserPublic.model_validate(user)


def start_login_session(session: Session, *, user: UserPublic, user_agent: str = "") -> str:
    """A new browser session; returns the token for the cookie (only its hash is stored). `user_agent` is the
    browser's, as in `claim_login_session`."""
    token = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=get_settings().session_ttl_seconds)
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=sha256(token),
            user_id=user.id,
            expires_at=now + ttl,
            claimed_at=now,
            last_seen_at=now,
            user_agent=usage.clean_user_agent(user_agent),
        )
    )
    return token


def safe_return_path(target: str | None) -> str:
    """`target` if it is a path on this site to send a browser to, else '' (never another origin)."""
    target = (target or "").strip()
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable():
        return target
    return ""


def new_browser_key() -> str:
    """A random value for the browser that starts a sign-in to keep in its pre-login cookie
    (`PRELOGIN_COOKIE`): the sign-in code only works together with it (`begin_login_session`)."""
    return secrets.token_urlsafe(24)


def _bound_code_hash(code: str, browser_key: str) -> str:
    return sha256(f"{code}:{browser_key}")


def begin_login_session(session: Session, *, user: UserPublic, browser_key: str) -> str:
    """A sign-in for a browser to complete: returns a one-time code, good for CLAIM_TTL, that the browser
    takes to the server's claim route (`claim_login_session`). The route sets the session's token as an
    HttpOnly cookie, so no page script ever holds it. The code is bound to the browser that started the
    sign-in: the stored hash covers the code and that browser's `browser_key` (its pre-login cookie), so a
    code sent to anyone else's browser (login CSRF: "click here within a minute") signs nobody in.
    Call it only once every check of the sign-in (password, MFA) has passed."""
    if not browser_key:
        raise ValueError("a sign-in code is always bound to the browser that asked for it")
    code = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_bound_code_hash(code, browser_key),
            user_id=user.id,
            expires_at=utcnow() + CLAIM_TTL,
            claimed_at=None,
        )
    )
    return code


def claim_login_session(session: Session, *, code: str, browser_key: str, user_agent: str = "") -> str:
    """Redeems a code from `begin_login_session` once, in the browser that holds its `browser_key`: returns
    the new session's token (a fresh secret, not the code). An unknown, used, expired or foreign code raises
    AuthenticationFailed. `user_agent` is the redeeming browser's, kept so its owner can tell their sessions
    apart (`sessions`)."""
    row = (
        session.exec(select(LoginSession).where(LoginSession.token_hash == _bound_code_hash(code, browser_key))).first()
        if code and browser_key
        else None
    )
    now = utcnow()
    if row is None or row.claimed_at is not None or row.revoked_at is not None or row.expires_at <= now:
        raise AuthenticationFailed(t("This sign-in has expired. Please sign in again."))
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed(t("This sign-in has expired. Please sign in again."))
    token = secrets.token_urlsafe(32)
    row.token_hash = sha256(token)
    row.claimed_at = now
    row.last_seen_at = now
    row.user_agent = usage.clean_user_agent(user_agent)
    row.expires_at = now + timedelta(seconds=get_settings().session_ttl_seconds)
    session.add(row)
    return token


def user_for_session_token(session: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == sha256(token))).first()
    now = utcnow()
    if row is None or row.claimed_at is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if usage.use_is_due(row.last_seen_at, now):
        usage.note_session_seen(session, login_session_id=stored_id(row.id), now=now)
    return user


def end_login_session(session: Session, *, token: str) -> None:
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == sha256(token))).first()
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=Actor(role=Role.customer, label=f"user:{row.user_id}", user_id=row.user_id),
            action="auth.logout",
            object_type="user",
            object_id=row.user_id,
        )


def request_password_reset(session: Session, *, email: str, client: str = "") -> None:
    """Mails a single-use link if the account exists; says nothing either way (no account probing).
    Throttled per address and per client (RateLimited), counted whether or not the account exists."""
    from autocrm.services import verification
    from autocrm.services.setup import company_name

    try:
        email = normalize_email(email)
    except ValidationFailed:
        return
    verification.throttle_account_mail(verification.RESET_MAIL, email=email, client=client)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.is_active:
        return
    token = secrets.token_urlsafe(32)
    settings = get_settings()
    session.add(
        PasswordResetToken(
            token_hash=sha256(token),
            user_id=stored_id(user.id),
            expires_at=utcnow() + timedelta(seconds=settings.password_reset_ttl_seconds),
        )
    )
    audit.record(
        session,
        actor=Actor.system("password-reset"),
        action="auth.reset_requested",
        object_type="user",
        object_id=user.id,
    )
    minutes = settings.password_reset_ttl_seconds // 60
    verification.mail_after_commit(
        session,
        OutboundMail(
            to=user.email,
            subject=f"Reset your {company_name(session)} password",
            text=(
                f"Hello {user.name},\n\nSomeone asked to reset the password of your account. "
                f"To choose a new one, open this link within {minutes} minutes:\n\n"
                f"{routes.reset_password_link(settings.base_url, token)}\n\n"
                "If that was not you, ignore this message: your password stays as it is.\n"
            ),
        ),
        event_type=verification.RESET_MAIL_REQUESTED,
        user_id=user.id,
    )


def reset_password(session: Session, *, token: str, new_password: str) -> UserPublic:
    check_password_policy(new_password)
    row = session.exec(select(PasswordResetToken).where(PasswordResetToken.token_hash == sha256(token or ""))).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed(
            t("This reset link is invalid or has expired. Ask for a new one."), {"token": "invalid or expired"}
        )
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise ValidationFailed(
            t("This reset link is invalid or has expired. Ask for a new one."), {"token": "invalid or expired"}
        )
    now = utcnow()
    # Every outstanding reset link of the account ends with this one, not only the link used.
    for outstanding in session.exec(
        select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, col(PasswordResetToken.used_at).is_(None)
        )
    ):
        outstanding.used_at = now
        session.add(outstanding)
    user.password_hash = hash_password(new_password)
    user.updated_at = now
    from autocrm.services.verification import mark_verified

    mark_verified(session, user, how="password-reset")  # the link came by mail to this address
    for login in session.exec(
        select(LoginSession).where(LoginSession.user_id == user.id, col(LoginSession.revoked_at).is_(None))
    ):
        login.revoked_at = utcnow()
        session.add(login)
    session.add_all([row, user])
    audit.record(
        session,
        actor=Actor.for_user(user),
        action="auth.password_reset",
        object_type="user",
        object_id=user.id,
        changes={"password": ("***", "***")},
    )
    return UserPublic.model_validate(user)
