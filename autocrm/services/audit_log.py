"""The audit log as admins read it: every entry of the trail, newest first, filtered by who acted, the object,
the action and a period, paged by keyset (`id < cursor`), so the thousandth page costs what the first does.

What an entry's `changes` may hold is whatever its writer recorded; this module is the one place that decides
what of it leaves the service layer: values of fields whose names speak of a secret (passwords, secrets, tokens,
hashes, sealed values, codes) and values that look like a key or a webhook secret are never shown.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import N_, t
from autocrm.models import AuditEntry, User
from autocrm.services.actor import AUDIT_READ, Actor
from autocrm.services.errors import field_error
from autocrm.services.inputs import DbId, ServiceInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
HIDDEN = "(hidden)"
# A field whose name says it holds a secret: its values never leave the service, whatever the writer put there.
_SECRET_FIELD = re.compile(r"password|secret|token|hash|sealed|totp|otp|recovery|private|credential|cipher", re.I)
# Values that are secrets by their look (an API key, a webhook signing secret, a bcrypt or argon2 hash).
_SECRET_VALUE = re.compile(r"^(acrm_|whsec_|\$2[aby]\$|\$argon2|pbkdf2[:_$])")
# A period is also turned into a range of ids, so its page is one walk down the primary key that stops after the
# page instead of every entry of the period sorted (85 ms for a week of a million-entry year on SQLite, against
# a few ms). An entry's time is set as it is made and its id as its transaction writes it: the range is widened by
# ID_MARGIN on each side, and the times themselves still decide, so only a write that took longer than that
# could be missed.
ID_MARGIN = timedelta(minutes=10)
_MAX_SHOWN = 300  # characters of one value; an entry's long text (a body) is cut, not spilled into the table
# The objects the trail names, for the filter's choices (an entry of another type still lists and filters).
OBJECT_TYPES: dict[str, str] = {
    "ticket": N_("Ticket"),
    "user": N_("Person"),
    "team": N_("Team"),
    "routing_rule": N_("Routing rule"),
    "sla_policy": N_("SLA policy"),
    "calendar": N_("Business calendar"),
    "macro": N_("Macro"),
    "saved_view": N_("Saved view"),
    "kb_article": N_("Article"),
    "kb_category": N_("Article category"),
    "webhook": N_("Webhook"),
    "api_key": N_("API key"),
    "email_mailbox": N_("Mailbox"),
    "inbound_mail": N_("Received mail"),
    "sso_provider": N_("Sign-in provider"),
    "status": N_("Status"),
    "priority": N_("Priority"),
    "custom_field": N_("Custom field"),
    "tag": N_("Tag"),
    "desk": N_("Desk"),
    "desk_setting": N_("Desk setting"),
    "role": N_("Role"),
    "skill": N_("Skill"),
}


class AuditQuery(ServiceInput):
    actor_id: DbId | None = None  # the person who acted
    object_type: str | None = Field(default=None, max_length=40)
    object_id: DbId | None = None
    action: str | None = Field(default=None, max_length=60)
    start: datetime | None = None  # included
    end: datetime | None = None  # not included
    cursor: str | None = Field(default=None, max_length=20)  # the `next_cursor` of the page before
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)

    @field_validator("object_type", "action", "cursor", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("object_type")
    @classmethod
    def _object_type(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z_]*", value):
            raise ValueError(t("Use an object type such as ticket or user."))
        return value

    @field_validator("action")
    @classmethod
    def _action(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z][a-z0-9_.:]*", value):
            raise ValueError(t("Use an action such as ticket.update."))
        return value


class AuditActor(BaseModel):
    kind: Literal["person", "api_key", "system"]
    user_id: int | None
    api_key_id: int | None
    name: str  # the person's name, the key's name, or what the system said it was ("seed", "rule:4:VIP")


class AuditChange(BaseModel):
    field: str
    before: Any
    after: Any
    hidden: bool = False  # a secret's field: before and after are HIDDEN


class AuditEntryPublic(BaseModel):
    id: int
    created_at: datetime
    actor: AuditActor
    action: str
    object_type: str
    object_id: int | None
    changes: list[AuditChange]


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None  # pass as `cursor` for the older entries; None: this is the oldest page


def _shown_value(value: Any) -> Any:
    if isinstance(value, str):
        if _SECRET_VALUE.match(value):
            return HIDDEN
        return value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"
    if isinstance(value, dict):
        return {k: HIDDEN if _SECRET_FIELD.search(str(k)) else _shown_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown_value(v) for v in value[:50]]
    return value


def shown_changes(changes: dict[str, Any]) -> list[AuditChange]:
    """An entry's `changes` as they may be shown: secrets' fields hidden, secret-looking values hidden, long
    values cut. A change not recorded as [before, after] is shown as its after value."""
    shown: list[AuditChange] = []
    for name, pair in (changes or {}).items():
        before, after = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        if _SECRET_FIELD.search(str(name)):
            shown.append(AuditChange(field=str(name), before=HIDDEN, after=HIDDEN, hidden=True))
        else:
            shown.append(AuditChange(field=str(name), before=_shown_value(before), after=_shown_value(after)))
    return shown


def _actor_of(entry: AuditEntry, names: dict[int, str]) -> AuditActor:
    if entry.actor_user_id is not None:
        name = names.get(entry.actor_user_id, entry.actor_label)
        return AuditActor(kind="person", user_id=entry.actor_user_id, api_key_id=None, name=name)
    if entry.actor_api_key_id is not None:
        parts = entry.actor_label.split(":", 2)  # "api_key:<id>:<name>"
        name = parts[2] if len(parts) == 3 else entry.actor_label
        return AuditActor(kind="api_key", user_id=None, api_key_id=entry.actor_api_key_id, name=name)
    return AuditActor(kind="system", user_id=None, api_key_id=None, name=entry.actor_label)


def _cursor_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or not 0 < int(cursor) < 2**63:
        raise field_error("cursor", t("That page marker is not valid: start again from the newest entries."))
    return int(cursor)


def _id_before(session: Session, moment: datetime) -> int | None:
    """The id of the last entry made before `moment` (one step down the `created_at` index)."""
    return session.exec(
        select(AuditEntry.id)
        .where(col(AuditEntry.created_at) < moment)
        .order_by(col(AuditEntry.created_at).desc())
        .limit(1)
    ).first()


def _id_from(session: Session, moment: datetime) -> int | None:
    """The id of the first entry made at or after `moment`."""
    return session.exec(
        select(AuditEntry.id).where(col(AuditEntry.created_at) >= moment).order_by(col(AuditEntry.created_at)).limit(1)
    ).first()


def list_entries(session: Session, *, actor: Actor, query: AuditQuery | None = None) -> AuditPage:
    """The trail's entries matching `query`, newest first, `limit` at a time (admins; keys with `audit:read`).

    Each filter is an equality (or a range on the time) that an index ending in the id serves (`ix_audit_actor`,
    `ix_audit_action`, `ix_audit_type`, `ix_audit_object`), so a page is one ordered index range that stops
    after `limit + 1` rows; `bench/audit_log.py` measures it."""
    actor.require_admin()
    actor.require_scope(AUDIT_READ)
    query = query or AuditQuery()
    if query.start is not None and query.end is not None and query.end <= query.start:
        raise field_error("end", t("The end must come after the start."))
    before = _cursor_id(query.cursor)
    statement = select(AuditEntry)
    if query.actor_id is not None:
        statement = statement.where(AuditEntry.actor_user_id == query.actor_id)
    if query.object_type is not None:
        statement = statement.where(AuditEntry.object_type == query.object_type)
    if query.object_id is not None:
        statement = statement.where(AuditEntry.object_id == query.object_id)
    if query.action is not None:
        statement = statement.where(AuditEntry.action == query.action)
    if query.start is not None:
        statement = statement.where(col(AuditEntry.created_at) >= query.start)
        floor = _id_before(session, query.start - ID_MARGIN)
        if floor is not None:
            statement = statement.where(col(AuditEntry.id) > floor)
    if query.end is not None:
        statement = statement.where(col(AuditEntry.created_at) < query.end)
        ceiling = _id_from(session, query.end + ID_MARGIN)
        if ceiling is not None:
            statement = statement.where(col(AuditEntry.id) < ceiling)
    if before is not None:
        statement = statement.where(col(AuditEntry.id) < before)
    rows = list(session.exec(statement.order_by(col(AuditEntry.id).desc()).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    user_ids = {row.actor_user_id for row in rows if row.actor_user_id is not None}
    names = (
        {
            stored_id(uid): name
            for uid, name in session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids)))
        }
        if user_ids
        else {}
    )
    items = [
        AuditEntryPublic(
            id=row.id or 0,
            created_at=row.created_at,
            actor=_actor_of(row, names),
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            changes=shown_changes(row.changes),
        )
        for row in rows
    ]
    return AuditPage(items=items, next_cursor=str(rows[-1].id) if more and rows else None)
