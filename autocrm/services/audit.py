"""The audit trail: every write adds an entry in the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from autocrm.models import AuditEntry
from autocrm.services.actor import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | None,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=plain_changes(changes or {}),
    )
    session.add(entry)
    return entry


def plain_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    """`changes` as JSON: each field's [before, after] with enums, dates and sets made plain."""
    return {field: [_plain(before), _plain(after)] for field, (before, after) in changes.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {key: (before.get(key), after[key]) for key in after if before.get(key) != after[key]}


def entries_for(session: Session, *, object_type: str, object_id: int, limit: int = 500) -> list[AuditEntry]:
    statement = (
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(col(AuditEntry.id))
        .limit(limit)
    )
    return list(session.exec(statement))
