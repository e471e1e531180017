"""Two-step verification: TOTP codes from an authenticator app (RFC 6238, `pyotp`), single-use recovery
codes, remembered devices, and the roles the desk requires it of.

Sign-in with MFA is two steps, and no sign-in code exists until both passed: `after_password` turns an
accepted password into a short-lived *pending* sign-in (a signed token the UI keeps on the server side),
and `complete_sign_in` turns that plus a valid code into the user, for `auth.begin_login_session`.
A device the user chose to remember carries a signed cookie bound to the user, their password and their
authenticator; a new password, a new authenticator or "forget devices" makes every such cookie worthless.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import time
from typing import Any

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import N_, t
from autocrm.core.sealing import derived_key
from autocrm.core.settings import get_settings
from autocrm.models import LoginSession, MfaCredential, MfaRecoveryCode, MfaRoleRequirement, Role, User
from autocrm.models.base import utcnow
from autocrm.models.enums import STAFF_ROLES
from autocrm.services import audit, auth
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed, Conflict, PermissionDenied, field_error
from autocrm.services.user_shapes import UserPublic

DEVICE_COOKIE = "autocrm_mfa_device"
DEVICE_TTL_SECONDS = 30 * 24 * 3600
PENDING_TTL_SECONDS = 5 * 60  # from the password to the code
RECOVERY_CODE_COUNT = 10
_TOTP_RE = re.compile(r"^\d{6}$")
_WRONG_CODE = "That code is not right. Check your authenticator app, or use a recovery code."


class MfaStatus(BaseModel):
    """What the account security page shows: whether two-step verification is on, whether the user's role
    requires it, and how many recovery codes are left."""

    enabled: bool
    required: bool
    recovery_codes_left: int


class MfaEnrolment(BaseModel):
    """A new authenticator to add: the secret as text, as a provisioning URI and as an SVG QR code of it."""

    secret: str
    provisioning_uri: str
    qr_svg: str


class MfaPolicy(BaseModel):
    required_roles: list[Role]


# ---- reading ------------------------------------------------------------------------------------------


# ---- the authenticator secret, sealed at rest ----------------------------------------------------------------
# AES-GCM rather than the Fernet of `core.sealing.sealer`: a 20-byte secret sealed this way is 64 characters,
# which the column holds, and the user's id is bound in, so a sealed secret copied to another row opens nowhere.

_SEAL_PURPOSE = "totp-secret"  # noqa: S105 (a key-derivation label, not a secret)
_PLAIN_SECRET = re.compile(r"^[A-Z2-7]{32}$")  # what rows from before sealing hold


def _associated(user_id: int) -> bytes:
    return f"autocrm:totp:{user_id}".encode()


def _sealed_secret(secret: str, user_id: int) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(derived_key(_SEAL_PURPOSE)).encrypt(nonce, base64.b32decode(secret), _associated(user_id))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _secret_of(credential: MfaCredential) -> str:
    """The base32 secret; "" when it cannot be opened (the secret key changed): then no code matches."""
    stored = credential.secret
    if _PLAIN_SECRET.match(stored):
        return stored
    try:
        blob = base64.urlsafe_b64decode(stored.encode())
        raw = AESGCM(derived_key(_SEAL_PURPOSE)).decrypt(blob[:12], blob[12:], _associated(credential.user_id))
    except (InvalidTag, ValueError, binascii.Error):
        return ""
    return base64.b32encode(raw).decode()


def _credential(session: Session, user_id: int | None) -> MfaCredential | None:
    return session.get(MfaCredential, user_id) if user_id is not None else None


def _enabled_credential(session: Session, user_id: int | None) -> MfaCredential | None:
    credential = _credential(session, user_id)
    return credential if credential is not None and credential.confirmed_at is not None else None


def is_required(session: Session, role: Role | str) -> bool:
    return session.get(MfaRoleRequirement, str(Role(role).value)) is not None


def policy(session: Session) -> MfaPolicy:
    roles = {row.role for row in session.exec(select(MfaRoleRequirement))}
    return MfaPolicy(required_roles=[role for role in STAFF_ROLES if role.value in roles])


def status(session: Session, *, actor: Actor) -> MfaStatus:
    user = _signed_in_user(session, actor)
    left = len(_unused_recovery_codes(session, user.id)) if _enabled_credential(session, user.id) else 0
    return MfaStatus(
        enabled=_enabled_credential(session, user.id) is not None,
        required=is_required(session, user.role),
        recovery_codes_left=left,
    )


def enrolment_required(session: Session, *, user: User | UserPublic) -> bool:
    """True while `user`'s role requires two-step verification and they have not set it up: they may reach
    nothing but the account security page."""
    return is_required(session, user.role) and _enabled_credential(session, user.id) is None


def _signed_in_user(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise PermissionDenied(t("Sign in to change your two-step verification."))
    return user


# ---- codes --------------------------------------------------------------------------------------------


def _code_limits(user_id: int | None) -> list[auth.FailureLimit]:
    return [auth.FailureLimit(f"mfa:{user_id}", get_settings().login_free_failures)]


def _normalized_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _format_recovery_code(raw: str) -> str:
    return f"{raw[:5]}-{raw[5:]}"


def _unused_recovery_codes(session: Session, user_id: int | None) -> list[MfaRecoveryCode]:
    statement = select(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user_id, col(MfaRecoveryCode.used_at).is_(None)
    )
    return list(session.exec(statement))


def _totp_matches(credential: MfaCredential, code: str) -> bool:
    """A code of the previous, current or next 30-second step (clocks drift), newer than the last one used."""
    secret = _secret_of(credential)
    if not secret:
        return False
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > credential.last_used_step and hmac.compare_digest(totp.generate_otp(step), code):
            credential.last_used_step = step
            if _PLAIN_SECRET.match(credential.secret):  # a row from before sealing: sealed from now on
                credential.secret = _sealed_secret(secret, credential.user_id)
            return True
    return False


def _check_code(session: Session, credential: MfaCredential, code: str, *, allow_recovery: bool) -> str:
    """Which kind of code `code` is ('totp' or 'recovery') if it is valid now; throttled per user: failures
    past the free count wait, doubling. A recovery code is spent. Else AuthenticationFailed."""
    limits = _code_limits(credential.user_id)
    auth.refuse_while_delayed(limits, N_("codes"))
    code = (code or "").strip().replace(" ", "")
    if _TOTP_RE.match(code) and _totp_matches(credential, code):
        session.add(credential)
        auth.forget_failures(limits[0])
        return "totp"
    if allow_recovery and code and len(code) <= 32:
        wanted = auth.sha256(_normalized_recovery_code(code))
        for row in _unused_recovery_codes(session, credential.user_id):
            if hmac.compare_digest(row.code_hash, wanted):
                row.used_at = utcnow()
                session.add(row)
                auth.forget_failures(limits[0])
                return "recovery"
    auth.count_failure(limits)
    message = _WRONG_CODE if allow_recovery else "That code is not right. Try the newest one."
    raise AuthenticationFailed(message, {"code": message})


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    for row in session.exec(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id)):
        session.delete(row)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(MfaRecoveryCode(user_id=user_id, code_hash=auth.sha256(code)) for code in codes)
    return [_format_recovery_code(code) for code in codes]


# ---- the user's own changes ------------------------------------------------------------------------------


def start_enrolment(session: Session, *, actor: Actor) -> MfaEnrolment:
    """A fresh secret for the user's authenticator app, to confirm with a code (`confirm_enrolment`). Replaces
    an enrolment not yet confirmed; refused while two-step verification is on (turn it off first)."""
    user = _signed_in_user(session, actor)
    if _enabled_credential(session, user.id) is not None:
        raise Conflict(t("Two-step verification is already on. Turn it off first to set up another app."))
    credential = _credential(session, user.id) or MfaCredential(user_id=stored_id(user.id), secret="")
    credential.secret = _sealed_secret(pyotp.random_base32(), credential.user_id)
    credential.created_at = utcnow()
    credential.last_used_step = 0
    session.add(credential)
    audit.record(session, actor=actor, action="mfa.enrolment_started", object_type="user", object_id=user.id)
    return enrolment_of(credential, user)


def enrolment_of(credential: MfaCredential, user: User) -> MfaEnrolment:
    secret = _secret_of(credential)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=get_settings().company_name)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, border=3, dark="#000", light="#fff", omitsize=False)
    return MfaEnrolment(secret=secret, provisioning_uri=uri, qr_svg=qr_svg)


def confirm_enrolment(session: Session, *, actor: Actor, code: str) -> list[str]:
    """Turns two-step verification on once the app shows the right code; returns the ten recovery codes,
    shown this once (only their hashes are kept)."""
    user = _signed_in_user(session, actor)
    credential = _credential(session, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict(t("Start the set-up again: there is no authenticator waiting to be confirmed."))
    if not _TOTP_RE.match((code or "").strip().replace(" ", "")):
        raise field_error("code", t("Enter the 6-digit code your app shows."))
    try:
        _check_code(session, credential, code, allow_recovery=False)
    except AuthenticationFailed as refused:
        raise field_error("code", refused.message) from None
    credential.confirmed_at = utcnow()
    session.add(credential)
    codes = _new_recovery_codes(session, stored_id(user.id))
    audit.record(
        session,
        actor=actor,
        action="mfa.enabled",
        object_type="user",
        object_id=user.id,
        changes={"mfa": (False, True)},
    )
    return codes


def renew_recovery_codes(session: Session, *, actor: Actor, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a current code from the app."""
    user = _signed_in_user(session, actor)
    credential = _enabled_credential(session, user.id)
    if credential is None:
        raise Conflict(t("Turn on two-step verification first."))
    try:
        _check_code(session, credential, code, allow_recovery=False)
    except AuthenticationFailed as refused:
        raise field_error("code", refused.message) from None
    codes = _new_recovery_codes(session, stored_id(user.id))
    audit.record(session, actor=actor, action="mfa.recovery_codes_renewed", object_type="user", object_id=user.id)
    return codes


def disable(session: Session, *, actor: Actor, code: str) -> None:
    """Turns two-step verification off, after a current code or a recovery code. Remembered devices and
    recovery codes go with it. A role that requires it sends the user straight back to set it up again."""
    user = _signed_in_user(session, actor)
    credential = _enabled_credential(session, user.id)
    if credential is None:
        raise Conflict(t("Two-step verification is already off."))
    try:
        _check_code(session, credential, code, allow_recovery=True)
    except AuthenticationFailed as refused:
        raise field_error("code", refused.message) from None
    _remove(session, stored_id(user.id))
    audit.record(
        session,
        actor=actor,
        action="mfa.disabled",
        object_type="user",
        object_id=user.id,
        changes={"mfa": (True, False)},
    )


def forget_devices(session: Session, *, actor: Actor) -> None:
    """Every remembered device asks for a code again at its next sign-in."""
    user = _signed_in_user(session, actor)
    credential = _enabled_credential(session, user.id)
    if credential is None:
        raise Conflict(t("Two-step verification is off: no device is remembered."))
    credential.device_epoch += 1
    session.add(credential)
    audit.record(session, actor=actor, action="mfa.devices_forgotten", object_type="user", object_id=user.id)


def _remove(session: Session, user_id: int) -> None:
    for row in session.exec(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id)):
        session.delete(row)
    credential = _credential(session, user_id)
    if credential is not None:
        session.delete(credential)


# ---- admins ---------------------------------------------------------------------------------------------


def set_required(session: Session, *, actor: Actor, role: Role, required: bool) -> MfaPolicy:
    """Requires (or stops requiring) two-step verification of every user of a staff role. Users of that role
    without it are sent to set it up at their next click, before they reach anything else."""
    actor.require_admin()
    if role not in STAFF_ROLES:
        raise field_error("role", t("Two-step verification can be required of agents and admins."))
    row = session.get(MfaRoleRequirement, role.value)
    if required and row is None:
        session.add(MfaRoleRequirement(role=role.value, set_by_id=actor.user_id))
    elif not required and row is not None:
        session.delete(row)
    else:
        return policy(session)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="mfa.requirement_changed",
        object_type="role",
        object_id=None,
        changes={f"mfa_required:{role.value}": (not required, required)},
    )
    return policy(session)


def reset_for_user(session: Session, *, actor: Actor, user_id: int) -> None:
    """An admin turns a user's two-step verification off (a lost phone and no recovery codes left); the user
    sets it up again, at once if their role requires it. Their browser sessions end."""
    actor.require_admin()
    user = session.get(User, user_id)
    if user is None:
        raise field_error("user_id", t("No such user."))
    if _credential(session, user_id) is None:
        return
    _remove(session, user_id)
    for login in session.exec(
        select(LoginSession).where(LoginSession.user_id == user_id, col(LoginSession.revoked_at).is_(None))
    ):
        login.revoked_at = utcnow()
        session.add(login)
    audit.record(
        session,
        actor=actor,
        action="mfa.reset",
        object_type="user",
        object_id=user_id,
        changes={"mfa": (True, False)},
    )


# ---- sign-in ---------------------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key, salt=f"autocrm.mfa.{purpose}")


def _binding(user: User, credential: MfaCredential | None) -> str:
    """What a pending sign-in or a remembered device is bound to: the password and the authenticator in use
    (a new password or a new authenticator unbinds every device), and the device epoch."""
    parts = [
        user.password_hash or "",
        _secret_of(credential) if credential else "",  # the secret, not its sealing: resealing unbinds nothing
        str(credential.device_epoch if credential else 0),
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _loads(purpose: str, token: str | None, max_age: int) -> dict[str, Any] | None:
    if not token or len(token) > 500:
        return None
    try:
        value = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:
        return None
    return value if isinstance(value, dict) else None


def device_remembered(session: Session, *, user: User | UserPublic, device_token: str | None) -> bool:
    """Whether `device_token` (the device cookie) was given to `user` on this device and is still good."""
    stored = session.get(User, user.id)
    credential = _enabled_credential(session, user.id)
    value = _loads("device", device_token, DEVICE_TTL_SECONDS)
    if stored is None or credential is None or value is None:
        return False
    return value.get("u") == user.id and hmac.compare_digest(str(value.get("b", "")), _binding(stored, credential))


def after_password(session: Session, *, user: UserPublic, device_token: str | None = None) -> str | None:
    """After `auth.authenticate` accepted the password: None when the sign-in may go ahead (no two-step
    verification, or a remembered device), else a pending sign-in token for `complete_sign_in`. The token is
    no sign-in code: keep it on the server (it is signed, lives PENDING_TTL_SECONDS and is bound to the
    password and the authenticator)."""
    stored = session.get(User, user.id)
    credential = _enabled_credential(session, user.id)
    if stored is None or credential is None or device_remembered(session, user=user, device_token=device_token):
        return None
    return _serializer("pending").dumps({"u": user.id, "b": _binding(stored, credential)})


def complete_sign_in(session: Session, *, pending: str, code: str) -> UserPublic:
    """The user of a pending sign-in whose code (from the app, or a recovery code) is right now."""
    value = _loads("pending", pending, PENDING_TTL_SECONDS)
    user = session.get(User, value.get("u")) if value else None
    credential = _enabled_credential(session, user.id if user else None)
    if (
        value is None
        or user is None
        or credential is None
        or not user.is_active
        or not hmac.compare_digest(str(value.get("b", "")), _binding(user, credential))
    ):
        raise AuthenticationFailed(t("This sign-in has expired. Enter your password again."))
    kind = _check_code(session, credential, code, allow_recovery=True)
    audit.record(
        session,
        actor=Actor.for_user(user),
        action="mfa.recovery_code_used" if kind == "recovery" else "auth.mfa_passed",
        object_type="user",
        object_id=user.id,
    )
    return UserPublic.model_validate(user)


def remember_device(session: Session, *, session_token: str) -> str | None:
    """A device cookie for the user of a just-claimed browser session, if they use two-step verification:
    the next sign-ins on this device skip the code for DEVICE_TTL_SECONDS."""
    user = auth.user_for_session_token(session, session_token)
    credential = _enabled_credential(session, user.id if user else None)
    if user is None or credential is None:
        return None
    audit.record(
        session, actor=Actor.for_user(user), action="mfa.device_remembered", object_type="user", object_id=user.id
    )
    return _serializer("device").dumps({"u": user.id, "b": _binding(user, credential)})
