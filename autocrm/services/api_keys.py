"""API keys: made by an admin (or on the command line), scoped, optionally expiring, revocable, and never
stronger than the admin who made them is now.

A key is checked against the database on every request (no cache), so a revoked or expired key, or one
whose creator was deactivated or stopped being an admin, is refused at once by every worker. The secret is
`acrm_<prefix>_<random>`: the prefix finds the row, its SHA-256 checks the rest (a random 32-byte secret
needs no slow hash). Its last use is noted at most once a minute (`services.usage`).
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import ApiKey, Role, User
from autocrm.models.base import utcnow
from autocrm.models.enums import STAFF_ROLES
from autocrm.services import audit, usage
from autocrm.services.actor import ALL_SCOPES, KEYS_MANAGE, Actor
from autocrm.services.auth import sha256
from autocrm.services.errors import AuthenticationFailed, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import contains_nul

API_KEY_PREFIX = "acrm"
API_KEY_PREFIX_RE = re.compile(r"^[0-9a-f]{8}$")
MAX_NAME_LENGTH = 120
# The lifetimes the admin page offers; the service (and the CLI) take any whole number of days up to the max.
EXPIRY_CHOICES_DAYS = (30, 90, 365)
MAX_EXPIRY_DAYS = 3650
_INVALID = "Send a valid API key as 'Authorization: Bearer <key>'."


class ApiKeyState(StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"
    # The creator is deactivated or no longer an admin: the key is refused while that lasts.
    suspended = "suspended"


class ApiKeyPublic(BaseModel):
    """A key as admins see it. Never the secret or its hash."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    role: Role
    created_by_id: int | None
    # None for a key made on the command line.
    created_by_name: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: ApiKeyState


def _state(key: ApiKey, creator: User | None, now: datetime) -> ApiKeyState:
    if key.revoked_at is not None:
        return ApiKeyState.revoked
    if key.expires_at is not None and key.expires_at <= now:
        return ApiKeyState.expired
    if key.created_by_id is not None and not _creator_may_use(creator):
        return ApiKeyState.suspended
    return ApiKeyState.active


def _creator_may_use(creator: User | None) -> bool:
    return creator is not None and creator.is_active and creator.role == Role.admin


def _public(key: ApiKey, creator: User | None, now: datetime) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=stored_id(key.id),
        name=key.name,
        prefix=key.prefix,
        scopes=list(key.scopes),
        role=key.role,
        created_by_id=key.created_by_id,
        created_by_name=creator.name if creator else None,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        state=_state(key, creator, now),
    )


def _require_manager(actor: Actor) -> None:
    actor.require_admin()
    actor.require_scope(KEYS_MANAGE)


def _with_creator(session: Session, *where: object) -> list[tuple[ApiKey, User | None]]:
    statement = (
        select(ApiKey, User)
        .outerjoin(User, col(User.id) == col(ApiKey.created_by_id))
        .where(*where)  # type: ignore[arg-type]  # SQLAlchemy column expressions, typed loosely by sqlmodel
        .order_by(col(ApiKey.id).desc())
    )
    return [(key, creator) for key, creator in session.exec(statement)]


def create_api_key(
    session: Session,
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    role: Role = Role.agent,
    expires_in_days: int | None = None,
) -> tuple[ApiKeyPublic, str]:
    """A new key and its secret, which is shown this once and never stored. The key belongs to the acting
    admin (none for the system: the command line); `expires_in_days` None makes a key that never expires."""
    actor.require_admin()
    if actor.api_key_id is not None:
        # A key minting keys would make keys that answer to nobody's account.
        raise PermissionDenied(t("API keys cannot make API keys. An admin makes them on the API keys page."))
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise field_error(
            "name", t("Give the key a name of 1 to {MAX_NAME_LENGTH} characters.", MAX_NAME_LENGTH=MAX_NAME_LENGTH)
        )
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown or not scopes:
        raise field_error(
            "scopes",
            f"Choose scopes from: {', '.join(ALL_SCOPES)}." + (f" Unknown: {', '.join(unknown)}." if unknown else ""),
        )
    if role not in STAFF_ROLES:
        raise field_error("role", t("API keys act as an agent or an admin."))
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise field_error(
            "expires_in_days",
            t("A key lasts 1 to {MAX_EXPIRY_DAYS} days, or never expires.", MAX_EXPIRY_DAYS=MAX_EXPIRY_DAYS),
        )
    creator = session.get(User, actor.user_id) if actor.user_id is not None else None
    if actor.user_id is not None and not _creator_may_use(creator):
        raise PermissionDenied(t("Only active admins may make API keys."))
    now = utcnow()
    prefix = secrets.token_hex(4)
    raw = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=sha256(raw),
        scopes=sorted(set(scopes)),
        role=role,
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_key.create",
        object_type="api_key",
        object_id=key.id,
        changes={
            "name": (None, name),
            "scopes": (None, key.scopes),
            "role": (None, role),
            "expires_at": (None, key.expires_at),
        },
    )
    return _public(key, creator, now), raw


def list_api_keys(session: Session, *, actor: Actor) -> list[ApiKeyPublic]:
    """Every key, newest first, revoked and expired ones included (their state says so)."""
    _require_manager(actor)
    now = utcnow()
    return [_public(key, creator, now) for key, creator in _with_creator(session)]


def revoke_api_key(session: Session, *, actor: Actor, key_id: int) -> ApiKeyPublic:
    """Revokes the key for good: refused from the next request on. Revoking a revoked key changes nothing."""
    _require_manager(actor)
    found = _with_creator(session, col(ApiKey.id) == key_id)
    if not found:
        raise NotFound(t("There is no API key #{key_id}.", key_id=key_id))
    key, creator = found[0]
    now = utcnow()
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        audit.record(
            session,
            actor=actor,
            action="api_key.revoke",
            object_type="api_key",
            object_id=key.id,
            changes={"revoked_at": (None, now)},
        )
    return _public(key, creator, now)


def api_key_actor(session: Session, raw_key: str | None) -> Actor:
    """Who a request with this key acts as; AuthenticationFailed for a key that is not live right now."""
    parts = (raw_key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not API_KEY_PREFIX_RE.match(parts[1]) or contains_nul(parts[2]):
        raise AuthenticationFailed(_INVALID)
    found = _with_creator(session, col(ApiKey.prefix) == parts[1])
    if not found or not hmac.compare_digest(found[0][0].key_hash, sha256(raw_key or "")):
        raise AuthenticationFailed(_INVALID)
    key, creator = found[0]
    now = utcnow()
    # Said plainly: whoever sends the secret holds the key, so its state is theirs to know.
    state = _state(key, creator, now)
    if state is ApiKeyState.revoked:
        raise AuthenticationFailed(t("This API key has been revoked. Ask an admin for a new one."))
    if state is ApiKeyState.expired:
        raise AuthenticationFailed(t("This API key has expired. Ask an admin for a new one."))
    if state is ApiKeyState.suspended:
        raise AuthenticationFailed(
            t("This API key no longer works: the admin who made it is deactivated or no longer an admin.")
        )
    if usage.use_is_due(key.last_used_at, now):
        usage.note_key_use(session, key_id=stored_id(key.id), now=now)
    return Actor.for_api_key(key)


def actor_for_key_id(session: Session, key_id: int) -> Actor | None:
    """The actor of key `key_id` while the key is live (a background job acting for the key that asked it),
    or None once it is revoked, expired or suspended."""
    found = _with_creator(session, col(ApiKey.id) == key_id)
    if not found or _state(found[0][0], found[0][1], utcnow()) is not ApiKeyState.active:
        return None
    return Actor.for_api_key(found[0][0])
