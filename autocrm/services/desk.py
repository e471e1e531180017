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
import re
import secrets
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import Table, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id, table_of
from autocrm.core.i18n import N_, format_number, ngettext, t
from autocrm.models import (
    Counter,
    CustomFieldDefinition,
    CustomFieldType,
    StatusCategory,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from autocrm.services import audit
from autocrm.services.actor import DESK_MANAGE, DESK_READ, TICKETS_READ, Actor
from autocrm.services.errors import Conflict, NotFound, ValidationFailed, field_error
from autocrm.services.inputs import ServiceInput, one_printable_line

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
    visible_to_customers: bool = False


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
        visible_to_customers=definition.visible_to_customers,
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
    visible_to_customers: bool = False,
) -> CustomFieldInfo:
    actor.require_admin()
    actor.require_scope(DESK_MANAGE)
    if not key or not key.replace("_", "").isalnum() or len(key) > 60:
        raise field_error("key", t("Use letters, digits and underscores, at most 60 characters."))
    if session.exec(select(CustomFieldDefinition.id).where(CustomFieldDefinition.key == key)).first() is not None:
        raise Conflict(t("A custom field {key} already exists.", key=repr(key)), {"key": "taken"})
    field_type = CustomFieldType(field_type)
    if field_type == CustomFieldType.select and not options:
        raise field_error("options", t("A select field needs at least one option."))
    last = session.exec(select(func.max(CustomFieldDefinition.position))).one()
    definition = CustomFieldDefinition(
        key=key,
        label=label[:120] or key,
        field_type=field_type,
        options=list(options),
        required=required,
        visible_to_customers=visible_to_customers,
        position=(last or 0) + 1,
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
        changes={
            "key": (None, key),
            "label": (None, definition.label),
            "field_type": (None, field_type),
            "options": (None, list(options)),
            "required": (None, required),
            "visible_to_customers": (None, visible_to_customers),
        },
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


# ---- managing the vocabulary (admins; keys with desk:manage) -----------------------------------------------
# Each change is audited and bumps the vocabulary counter in its transaction, so every process reloads. A status
# or priority is never deleted: tickets, the audit trail and saved views name it, so it is retired
# (`is_active` false), and only once no ticket uses it.

MAX_OPTIONS = 100
Label = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(one_printable_line)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_]*$")]
FieldKey = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_]*$")]
Option = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(one_printable_line)]


class StatusPublic(BaseModel):
    key: str
    name: str
    category: StatusCategory
    position: int
    is_active: bool
    tickets: int  # how many tickets are in it now


class PriorityPublic(BaseModel):
    key: str
    name: str
    rank: int  # higher is more urgent
    is_default: bool
    is_active: bool
    tickets: int


class CustomFieldPublic(BaseModel):
    id: int
    key: str
    label: str
    field_type: CustomFieldType
    options: list[str]
    required: bool
    visible_to_customers: bool
    is_active: bool
    position: int


class StatusCreate(ServiceInput):
    name: Label
    category: StatusCategory
    key: Key | None = None  # made from the name when not given


class StatusUpdate(ServiceInput):
    name: Label | None = None
    is_active: bool | None = None


class PriorityCreate(ServiceInput):
    name: Label
    key: Key | None = None


class PriorityUpdate(ServiceInput):
    name: Label | None = None
    is_active: bool | None = None
    is_default: Literal[True] | None = None  # making one the default takes it from the others


class KeyOrder(ServiceInput):
    keys: list[Key] = Field(max_length=200)


class CustomFieldCreate(ServiceInput):
    label: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(one_printable_line)]
    field_type: CustomFieldType
    key: FieldKey | None = None
    options: list[Option] = Field(default_factory=list, max_length=MAX_OPTIONS)
    required: bool = False
    visible_to_customers: bool = False


class CustomFieldUpdate(ServiceInput):
    label: Annotated[str, Field(min_length=1, max_length=120), AfterValidator(one_printable_line)] | None = None
    options: list[Option] | None = Field(default=None, max_length=MAX_OPTIONS)
    required: bool | None = None
    visible_to_customers: bool | None = None
    is_active: bool | None = None


def _require_reader(actor: Actor) -> None:
    """Staff read the vocabulary; a key needs desk:read, desk:manage or tickets:read (whose tickets name it)."""
    actor.require_staff()
    if actor.scopes is not None and not actor.scopes & {DESK_READ, DESK_MANAGE, TICKETS_READ}:
        actor.require_scope(DESK_READ)


def _require_manager(actor: Actor) -> None:
    actor.require_admin()
    actor.require_scope(DESK_MANAGE)


def key_from(label: str, taken: set[str], *, limit: int = 40, fallback: str = "item") -> str:
    """A key made from a label: 'Waiting on Ops' -> 'waiting_on_ops', accents dropped, a number added when
    the key is taken ('billing_2')."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:limit].strip("_") or fallback
    key, n = base, 1
    while key in taken:
        n += 1
        suffix = f"_{n}"
        key = base[: limit - len(suffix)] + suffix
    return key


def _ticket_counts(session: Session, column: Any) -> dict[str, int]:
    return {key: count for key, count in session.execute(core_select(column, func.count()).group_by(column))}


def _status_public(row: TicketStatus, counts: dict[str, int]) -> StatusPublic:
    return StatusPublic(
        key=row.key,
        name=row.name,
        category=row.category,
        position=row.position,
        is_active=row.is_active,
        tickets=counts.get(row.key, 0),
    )


def _priority_public(row: TicketPriority, counts: dict[str, int]) -> PriorityPublic:
    return PriorityPublic(
        key=row.key,
        name=row.name,
        rank=row.rank,
        is_default=row.is_default,
        is_active=row.is_active,
        tickets=counts.get(row.key, 0),
    )


def list_statuses(session: Session, *, actor: Actor) -> list[StatusPublic]:
    """Every status, retired ones too, in the desk's order, with how many tickets each holds."""
    _require_reader(actor)
    counts = _ticket_counts(session, Ticket.status)
    rows = session.exec(select(TicketStatus).order_by(col(TicketStatus.position), col(TicketStatus.key)))
    return [_status_public(row, counts) for row in rows]


def _status_row(session: Session, key: str) -> TicketStatus:
    row = session.get(TicketStatus, key) if isinstance(key, str) and len(key) <= 40 else None
    if row is None:
        raise NotFound(t("There is no status {key}.", key=repr(key)))
    return row


def _in_use(session: Session, column: Any, key: str) -> int:
    return int(session.execute(core_select(func.count()).where(column == key)).scalar_one())


def create_status(session: Session, *, actor: Actor, data: StatusCreate) -> StatusPublic:
    """A new status, last in order, in its category; its key is made from the name unless given."""
    _require_manager(actor)
    data = StatusCreate.model_validate(data.model_dump())
    taken = set(session.exec(select(TicketStatus.key)))
    if data.key is not None and data.key in taken:
        raise field_error("key", t("A status {key} already exists.", key=repr(data.key)))
    if any(name.casefold() == data.name.casefold() for name in session.exec(select(TicketStatus.name))):
        raise field_error("name", t("A status is already called {name}.", name=repr(data.name)))
    key = data.key or key_from(data.name, taken, fallback="status")
    last = session.exec(select(func.max(TicketStatus.position))).one()
    row = TicketStatus(key=key, name=data.name, category=data.category, position=(last or 0) + 1)
    session.add(row)
    session.flush()
    _vocabulary_changed(session)
    audit.record(
        session,
        actor=actor,
        action="status.create",
        object_type="status",
        object_id=None,
        changes={"key": (None, key), "name": (None, data.name), "category": (None, data.category)},
    )
    return _status_public(row, {})


def update_status(session: Session, *, actor: Actor, key: str, data: StatusUpdate) -> StatusPublic:
    """Renames a status or retires (or brings back) it. A status that tickets are in is not retired, nor the
    last active one of its category (new tickets, solving and closing need one)."""
    _require_manager(actor)
    data = StatusUpdate.model_validate(data.model_dump(exclude_unset=True))
    row = _status_row(session, key)
    before = {"name": row.name, "is_active": row.is_active}
    if data.name is not None and data.name != row.name:
        others = session.exec(select(TicketStatus.name).where(TicketStatus.key != row.key))
        if any(name.casefold() == data.name.casefold() for name in others):
            raise field_error("name", t("A status is already called {name}.", name=repr(data.name)))
        row.name = data.name
    if data.is_active is False and row.is_active:
        used = _in_use(session, Ticket.status, row.key)
        if used:
            message = ngettext(
                "{n} ticket is in this status. Move it to another status first.",
                "{n} tickets are in this status. Move them to another status first.",
                used,
                n=format_number(used),
            )
            raise Conflict(message, {"is_active": message, "tickets": used})
        sibling = session.exec(
            select(TicketStatus.key).where(
                TicketStatus.category == row.category,
                TicketStatus.is_active == True,  # noqa: E712
                TicketStatus.key != row.key,
            )
        ).first()
        if sibling is None:
            message = t("This is the desk's last active status of its kind: add another one first.")
            raise Conflict(message, {"is_active": message})
        row.is_active = False
    elif data.is_active is True:
        row.is_active = True
    changes = audit.diff(before, {"name": row.name, "is_active": row.is_active})
    if changes:
        session.add(row)
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="status.update",
            object_type="status",
            object_id=None,
            changes={"key": (row.key, row.key), **changes},
        )
    return _status_public(row, {row.key: _in_use(session, Ticket.status, row.key)})


def _check_order(keys: list[str], known: list[str]) -> None:
    if len(set(keys)) != len(keys) or set(keys) != set(known):
        raise field_error("keys", t("Name every one of them once: {known}.", known=", ".join(known)))


def reorder_statuses(session: Session, *, actor: Actor, keys: list[str]) -> list[StatusPublic]:
    """Puts the statuses in the order given (every key once): the order pickers and the queue show."""
    _require_manager(actor)
    rows = {row.key: row for row in session.exec(select(TicketStatus))}
    ordered = sorted(rows.values(), key=lambda row: (row.position, row.key))
    _check_order(keys, [row.key for row in ordered])
    before = [row.key for row in ordered]
    if keys != before:
        for position, key in enumerate(keys):
            rows[key].position = position
            session.add(rows[key])
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="status.reorder",
            object_type="status",
            object_id=None,
            changes={"order": (before, keys)},
        )
    return list_statuses(session, actor=actor)


def list_priorities(session: Session, *, actor: Actor) -> list[PriorityPublic]:
    """Every priority, retired ones too, least urgent first, with how many tickets have each."""
    _require_reader(actor)
    counts = _ticket_counts(session, Ticket.priority)
    rows = session.exec(select(TicketPriority).order_by(col(TicketPriority.rank), col(TicketPriority.key)))
    return [_priority_public(row, counts) for row in rows]


def _priority_row(session: Session, key: str) -> TicketPriority:
    row = session.get(TicketPriority, key) if isinstance(key, str) and len(key) <= 40 else None
    if row is None:
        raise NotFound(t("There is no priority {key}.", key=repr(key)))
    return row


def create_priority(session: Session, *, actor: Actor, data: PriorityCreate) -> PriorityPublic:
    """A new priority, more urgent than every other (reorder to move it)."""
    _require_manager(actor)
    data = PriorityCreate.model_validate(data.model_dump())
    taken = set(session.exec(select(TicketPriority.key)))
    if data.key is not None and data.key in taken:
        raise field_error("key", t("A priority {key} already exists.", key=repr(data.key)))
    if any(name.casefold() == data.name.casefold() for name in session.exec(select(TicketPriority.name))):
        raise field_error("name", t("A priority is already called {name}.", name=repr(data.name)))
    key = data.key or key_from(data.name, taken, fallback="priority")
    last = session.exec(select(func.max(TicketPriority.rank))).one()
    row = TicketPriority(key=key, name=data.name, rank=(last or 0) + 1, is_default=False)
    session.add(row)
    session.flush()
    _vocabulary_changed(session)
    audit.record(
        session,
        actor=actor,
        action="priority.create",
        object_type="priority",
        object_id=None,
        changes={"key": (None, key), "name": (None, data.name)},
    )
    return _priority_public(row, {})


def update_priority(session: Session, *, actor: Actor, key: str, data: PriorityUpdate) -> PriorityPublic:
    """Renames a priority, makes it the default of new tickets, or retires (or brings back) it. The default
    and a priority tickets have are not retired."""
    _require_manager(actor)
    data = PriorityUpdate.model_validate(data.model_dump(exclude_unset=True))
    row = _priority_row(session, key)
    before = {"name": row.name, "is_active": row.is_active, "is_default": row.is_default}
    if data.name is not None and data.name != row.name:
        others = session.exec(select(TicketPriority.name).where(TicketPriority.key != row.key))
        if any(name.casefold() == data.name.casefold() for name in others):
            raise field_error("name", t("A priority is already called {name}.", name=repr(data.name)))
        row.name = data.name
    if data.is_active is False and row.is_active:
        if row.is_default or data.is_default:
            message = t("New tickets get this priority: make another one the default first.")
            raise Conflict(message, {"is_active": message})
        used = _in_use(session, Ticket.priority, row.key)
        if used:
            message = ngettext(
                "{n} ticket has this priority. Give it another priority first.",
                "{n} tickets have this priority. Give them another priority first.",
                used,
                n=format_number(used),
            )
            raise Conflict(message, {"is_active": message, "tickets": used})
        row.is_active = False
    elif data.is_active is True:
        row.is_active = True
    if data.is_default and not row.is_default:
        if not row.is_active:
            raise field_error("is_default", t("Bring the priority back before making it the default."))
        for other in session.exec(select(TicketPriority).where(TicketPriority.is_default == True)):  # noqa: E712
            other.is_default = False
            session.add(other)
        row.is_default = True
    changes = audit.diff(before, {"name": row.name, "is_active": row.is_active, "is_default": row.is_default})
    if changes:
        session.add(row)
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="priority.update",
            object_type="priority",
            object_id=None,
            changes={"key": (row.key, row.key), **changes},
        )
    return _priority_public(row, {row.key: _in_use(session, Ticket.priority, row.key)})


def reorder_priorities(session: Session, *, actor: Actor, keys: list[str]) -> list[PriorityPublic]:
    """Ranks the priorities in the order given, least urgent first (every key once)."""
    _require_manager(actor)
    rows = {row.key: row for row in session.exec(select(TicketPriority))}
    ordered = sorted(rows.values(), key=lambda row: (row.rank, row.key))
    _check_order(keys, [row.key for row in ordered])
    before = [row.key for row in ordered]
    if keys != before:
        for rank, key in enumerate(keys):
            rows[key].rank = rank
            session.add(rows[key])
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="priority.reorder",
            object_type="priority",
            object_id=None,
            changes={"order": (before, keys)},
        )
    return list_priorities(session, actor=actor)


def _field_public(row: CustomFieldDefinition) -> CustomFieldPublic:
    return CustomFieldPublic(
        id=stored_id(row.id),
        key=row.key,
        label=row.label,
        field_type=CustomFieldType(row.field_type),
        options=list(row.options),
        required=row.required,
        visible_to_customers=row.visible_to_customers,
        is_active=row.is_active,
        position=row.position,
    )


def list_custom_fields(session: Session, *, actor: Actor) -> list[CustomFieldPublic]:
    """Every custom field definition, retired ones too, in the desk's order."""
    _require_reader(actor)
    rows = session.exec(
        select(CustomFieldDefinition).order_by(col(CustomFieldDefinition.position), col(CustomFieldDefinition.id))
    )
    return [_field_public(row) for row in rows]


def _clean_options(field_type: CustomFieldType, options: list[str]) -> list[str]:
    if field_type != CustomFieldType.select:
        return []
    cleaned = list(dict.fromkeys(option for option in options if option))
    if not cleaned:
        raise field_error("options", t("A select field needs at least one option."))
    return cleaned


def add_custom_field(session: Session, *, actor: Actor, data: CustomFieldCreate) -> CustomFieldPublic:
    """A new custom field, last in order; its key is made from the label unless given. Options are for select
    fields only (others ignore them)."""
    _require_manager(actor)
    data = CustomFieldCreate.model_validate(data.model_dump())
    taken = set(session.exec(select(CustomFieldDefinition.key)))
    if data.key is not None and data.key in taken:
        raise field_error("key", t("A custom field {key} already exists.", key=repr(data.key)))
    options = _clean_options(data.field_type, data.options)
    key = data.key or key_from(data.label, taken, limit=60, fallback="field")
    info = create_custom_field(
        session,
        actor=actor,
        key=key,
        label=data.label,
        field_type=data.field_type,
        options=options,
        required=data.required,
        visible_to_customers=data.visible_to_customers,
    )
    return _field_public(_field_row(session, info.id))


def _field_row(session: Session, field_id: int) -> CustomFieldDefinition:
    row = session.get(CustomFieldDefinition, field_id) if 0 < field_id < 2**31 else None
    if row is None:
        raise NotFound(t("There is no custom field {id}.", id=field_id))
    return row


def update_custom_field(session: Session, *, actor: Actor, field_id: int, data: CustomFieldUpdate) -> CustomFieldPublic:
    """Changes a field's label, options (select fields), whether it is required or shown to customers, or
    retires (or brings back) it. Values tickets already hold stay as they are; a retired field is no longer
    shown, asked for or accepted."""
    _require_manager(actor)
    data = CustomFieldUpdate.model_validate(data.model_dump(exclude_unset=True))
    row = _field_row(session, field_id)
    fields = ("label", "options", "required", "visible_to_customers", "is_active")
    before = {name: getattr(row, name) for name in fields}
    before["options"] = list(row.options)
    if data.label is not None:
        row.label = data.label
    if data.options is not None:
        if row.field_type != CustomFieldType.select:
            raise field_error("options", t("Only select fields have options."))
        row.options = _clean_options(CustomFieldType.select, data.options)
    for name in ("required", "visible_to_customers", "is_active"):
        value = getattr(data, name)
        if value is not None:
            setattr(row, name, value)
    changes = audit.diff(
        before, {name: getattr(row, name) if name != "options" else list(row.options) for name in fields}
    )
    if changes:
        session.add(row)
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="custom_field.update",
            object_type="custom_field",
            object_id=row.id,
            changes=changes,
        )
    return _field_public(row)


def reorder_custom_fields(session: Session, *, actor: Actor, keys: list[str]) -> list[CustomFieldPublic]:
    """Puts the custom fields in the order given (every key once): the order the ticket page shows them in."""
    _require_manager(actor)
    rows = {row.key: row for row in session.exec(select(CustomFieldDefinition))}
    ordered = sorted(rows.values(), key=lambda row: (row.position, row.id or 0))
    _check_order(keys, [row.key for row in ordered])
    before = [row.key for row in ordered]
    if keys != before:
        for position, key in enumerate(keys):
            rows[key].position = position
            session.add(rows[key])
        session.flush()
        _vocabulary_changed(session)
        audit.record(
            session,
            actor=actor,
            action="custom_field.reorder",
            object_type="custom_field",
            object_id=None,
            changes={"order": (before, keys)},
        )
    return list_custom_fields(session, actor=actor)
