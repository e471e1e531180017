"""The desk's configurable vocabularies: statuses, priorities and custom field definitions.

Every ticket write validates against them, so each process keeps a read-only copy of all three,
checked against the `vocabulary` counter row once per session (one indexed read instead of three or
four queries, inside the write's transaction on SQLite's one write lock). Whatever changes a vocabulary
bumps that counter in its own transaction (`_vocabulary_changed`), so every process, on any worker,
reloads on its next session. The counter starts at a random value, so a rebuilt database never
matches a copy of the one before it.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id, table_of
from autocrm.core.i18n import N_, t
from autocrm.models import Counter, CustomFieldDefinition, CustomFieldType, StatusCategory, TicketPriority, TicketStatus
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, ValidationFailed, field_error

DEFAULT_STATUSES = [
    ("new", N_("New"), StatusCategory.new),
    ("open", N_("Open"), StatusCategory.open),
    ("pending", N_("Waiting on customer"), StatusCategory.pending),
    ("on_hold", N_("On hold"), StatusCategory.on_hold),
    ("solved", N_("Solved"), StatusCategory.solved),
    ("closed", N_("Closed"), StatusCategory.closed),
]
# The names are the desk's data (admins rename them); these defaults are msgids too, so screens show them translated.
DEFAULT_PRIORITIES = [
    ("low", N_("Low"), 0),
    ("normal", N_("Normal"), 1),
    ("high", N_("High"), 2),
    ("urgent", N_("Urgent"), 3),
]
TICKET_NUMBER_COUNTER = "ticket_number"
VOCABULARY_COUNTER = "vocabulary"


@dataclass(frozen=True, slots=True)
class StatusInfo:
    key: str
    name: str
    category: StatusCategory
    position: int
    is_active: bool


@dataclass(frozen=True, slots=True)
class PriorityInfo:
    key: str
    name: str
    rank: int
    is_default: bool
    is_active: bool


@dataclass(frozen=True, slots=True)
class CustomFieldInfo:
    id: int
    key: str
    label: str
    field_type: CustomFieldType
    options: tuple[str, ...]
    required: bool
    position: int


@dataclass(frozen=True, slots=True)
class Vocabulary:
    version: int | None
    statuses: dict[str, StatusInfo]  # every status, active or not (tickets may sit in a retired one), by position
    priorities: dict[str, PriorityInfo]  # every priority, by rank
    custom_fields: dict[str, CustomFieldInfo]  # the active definitions


# Counters are read and bumped with Core statements: the ORM's bulk-update machinery cost more than the statement.
_COUNTERS: Table = table_of(Counter)
_SESSION_KEY = "autocrm.vocabulary"
_cached: dict[str, Vocabulary] = {}  # database URL -> the last vocabulary read from it
_cache_lock = threading.Lock()


def ensure_defaults(session: Session) -> None:
    """Creates the default vocabularies, counters and built-in views on an empty desk; leaves an existing desk
    alone."""
    ensure_vocabulary(session)
    # The queue's built-in views are desk defaults too (imported here: views read tickets, which read desk).
    from autocrm.services import views

    views.ensure_builtin_views(session)


def ensure_vocabulary(session: Session) -> None:
    """The default statuses, priorities and counters alone: what every schema since the first one holds."""
    created = False
    if session.exec(select(TicketStatus.key).limit(1)).first() is None:
        for position, (key, name, category) in enumerate(DEFAULT_STATUSES):
            session.add(TicketStatus(key=key, name=name, category=category, position=position))
        created = True
    if session.exec(select(TicketPriority.key).limit(1)).first() is None:
        for key, name, rank in DEFAULT_PRIORITIES:
            session.add(TicketPriority(key=key, name=name, rank=rank, is_default=key == "normal"))
        created = True
    if session.get(Counter, TICKET_NUMBER_COUNTER) is None:
        session.add(Counter(name=TICKET_NUMBER_COUNTER, value=1000))
    if session.get(Counter, VOCABULARY_COUNTER) is None:
        session.add(
            Counter(name=VOCABULARY_COUNTER, value=secrets.randbelow(2**30))
        )  # room below the 32-bit column limit for every later change
    session.flush()
    if created:
        _vocabulary_changed(session)


def vocabulary(session: Session) -> Vocabulary:
    """The desk's vocabularies as of this session's transaction: from the process's copy when it is current."""
    known = session.info.get(_SESSION_KEY)
    if known is not None:
        return known
    version = session.execute(
        core_select(_COUNTERS.c.value).where(_COUNTERS.c.name == VOCABULARY_COUNTER)
    ).scalar_one_or_none()
    url = str(session.get_bind().engine.url)
    current = _cached.get(url)
    if current is None or version is None or current.version != version:
        current = _load_vocabulary(session, version)
        if version is not None:
            with _cache_lock:
                _cached[url] = current
    session.info[_SESSION_KEY] = current
    return current


def _load_vocabulary(session: Session, version: int | None) -> Vocabulary:
    statuses = {
        s.key: StatusInfo(key=s.key, name=s.name, category=s.category, position=s.position, is_active=s.is_active)
        for s in session.exec(select(TicketStatus).order_by(col(TicketStatus.position), col(TicketStatus.key)))
    }
    priorities = {
        p.key: PriorityInfo(key=p.key, name=p.name, rank=p.rank, is_default=p.is_default, is_active=p.is_active)
        for p in session.exec(select(TicketPriority).order_by(col(TicketPriority.rank), col(TicketPriority.key)))
    }
    fields = {
        d.key: _field_info(d)
        for d in session.exec(
            select(CustomFieldDefinition)
            .where(CustomFieldDefinition.is_active == True)  # noqa: E712
            .order_by(col(CustomFieldDefinition.position), col(CustomFieldDefinition.id))
        )
    }
    return Vocabulary(version=version, statuses=statuses, priorities=priorities, custom_fields=fields)


def _field_info(definition: CustomFieldDefinition) -> CustomFieldInfo:
    return CustomFieldInfo(
        id=stored_id(definition.id),
        key=definition.key,
        label=definition.label,
        field_type=CustomFieldType(definition.field_type),
        options=tuple(definition.options),
        required=definition.required,
        position=definition.position,
    )


def _vocabulary_changed(session: Session) -> None:
    """Call in the transaction that changes a status, priority or custom field definition."""
    session.execute(update(_COUNTERS).where(_COUNTERS.c.name == VOCABULARY_COUNTER).values(value=_COUNTERS.c.value + 1))
    session.info.pop(_SESSION_KEY, None)


def statuses(session: Session) -> list[StatusInfo]:
    return [s for s in vocabulary(session).statuses.values() if s.is_active]


def priorities(session: Session) -> list[PriorityInfo]:
    return [p for p in vocabulary(session).priorities.values() if p.is_active]


def status_of(session: Session, key: str) -> StatusInfo:
    """A ticket's current status, active or retired."""
    return vocabulary(session).statuses[key]


def status_named(session: Session, key: str) -> StatusInfo:
    status = vocabulary(session).statuses.get(key) if isinstance(key, str) else None
    if status is None or not status.is_active:
        known = ", ".join(s.key for s in statuses(session))
        raise field_error("status", t("Unknown status {key}. Use one of: {known}.", key=repr(key), known=known))
    return status


def first_status_in(session: Session, category: StatusCategory) -> StatusInfo:
    for status in statuses(session):
        if status.category == category:
            return status
    raise ValidationFailed(t("The desk has no active status in category {value}.", value=repr(category.value)))


def priority_named(session: Session, key: str | None) -> PriorityInfo:
    active = priorities(session)
    if key is None:
        default = next((p for p in active if p.is_default), None)
        if default is not None:
            return default
        if not active:
            raise ValidationFailed(t("The desk has no active priority."))
        return active[0]
    priority = vocabulary(session).priorities.get(key) if isinstance(key, str) else None
    if priority is None or not priority.is_active:
        known = ", ".join(p.key for p in active)
        raise field_error("priority", t("Unknown priority {key}. Use one of: {known}.", key=repr(key), known=known))
    return priority


def create_custom_field(
    session: Session,
    *,
    actor: Actor,
    key: str,
    label: str,
    field_type: CustomFieldType,
    options: Sequence[str] = (),
    required: bool = False,
) -> CustomFieldInfo:
    actor.require_admin()
    if not key or not key.replace("_", "").isalnum() or len(key) > 60:
        raise field_error("key", t("Use letters, digits and underscores, at most 60 characters."))
    if session.exec(select(CustomFieldDefinition.id).where(CustomFieldDefinition.key == key)).first() is not None:
        raise Conflict(t("A custom field {key} already exists.", key=repr(key)), {"key": "taken"})
    field_type = CustomFieldType(field_type)
    if field_type == CustomFieldType.select and not options:
        raise field_error("options", t("A select field needs at least one option."))
    definition = CustomFieldDefinition(
        key=key, label=label[:120] or key, field_type=field_type, options=list(options), required=required
    )
    session.add(definition)
    session.flush()
    _vocabulary_changed(session)
    audit.record(
        session,
        actor=actor,
        action="custom_field.create",
        object_type="custom_field",
        object_id=definition.id,
        changes={"key": (None, key), "field_type": (None, field_type), "options": (None, list(options))},
    )
    return _field_info(definition)


def custom_field_definitions(session: Session) -> dict[str, CustomFieldInfo]:
    return vocabulary(session).custom_fields


def _coerce(definition: CustomFieldInfo, value: Any) -> Any:
    kind = definition.field_type
    if kind == CustomFieldType.text:
        if not isinstance(value, str) or len(value) > 2000:
            raise ValueError(N_("{label} must be text of at most 2000 characters."))
        return value.strip()
    if kind == CustomFieldType.number:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or abs(value) > 1e15
        ):
            raise ValueError(N_("{label} must be a finite number."))
        return value
    if kind == CustomFieldType.date:
        try:
            return date.fromisoformat(value).isoformat()
        except (ValueError, TypeError):
            raise ValueError(N_("{label} must be a date like 2026-11-26.")) from None
    if kind == CustomFieldType.select:
        if value not in definition.options:
            raise ValueError(N_("{label} must be one of: {options}."))
        return value
    if kind == CustomFieldType.checkbox:
        if not isinstance(value, bool):
            raise ValueError(N_("{label} must be true or false."))
        return value
    raise ValueError(N_("{label} has an unknown type."))


def validate_custom_fields(
    session: Session,
    values: dict[str, Any],
    *,
    current: dict[str, Any] | None = None,
    enforce_required: bool = False,
    definitions: dict[str, CustomFieldInfo] | None = None,
) -> dict[str, Any]:
    """Merges `values` into `current`, checked against the definitions; None removes a value.

    Callers validating many records (imports) pass `definitions` loaded once.
    """
    if not isinstance(values, dict):
        raise field_error("custom_fields", t("Custom fields must be an object of field key to value."))
    if definitions is None:
        definitions = custom_field_definitions(session)
    merged = dict(current or {})
    errors: dict[str, str] = {}
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = "unknown custom field"
            continue
        if value is None:
            merged.pop(key, None)
            continue
        try:
            merged[key] = _coerce(definition, value)
        except ValueError as exc:
            # The reason is a msgid with the field's label (and choices) as placeholders: one whole sentence.
            errors[f"custom_fields.{key}"] = t(str(exc), label=definition.label, options=", ".join(definition.options))
    if enforce_required:
        for key, definition in definitions.items():
            if definition.required and merged.get(key) in (None, ""):
                errors[f"custom_fields.{key}"] = t("{label} is required.", label=definition.label)
    if errors:
        raise ValidationFailed(t("Some custom fields are not valid."), errors)
    return merged


def reserve_ticket_numbers(session: Session, count: int) -> tuple[int, int]:
    """The first and last of `count` new ticket numbers: one bump of the counter row inside the caller's
    transaction, so numbers never repeat (imports reserve a whole batch at once)."""
    result = session.execute(
        update(_COUNTERS)
        .where(_COUNTERS.c.name == TICKET_NUMBER_COUNTER)
        .values(value=_COUNTERS.c.value + count)
        .returning(_COUNTERS.c.value)
    )
    last = result.scalar_one_or_none()
    if last is None:
        raise ValidationFailed(t("The desk is not initialised: run 'autocrm db upgrade'."))
    return last - count + 1, last


def next_ticket_number(session: Session) -> int:
    return reserve_ticket_numbers(session, 1)[0]
