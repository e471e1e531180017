"""The desk's configurable vocabularies: statuses, priorities and custom field definitions."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from autocrm.models import Counter, CustomFieldDefinition, CustomFieldType, StatusCategory, TicketPriority, TicketStatus
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, ValidationFailed, field_error

DEFAULT_STATUSES = [
    ("new", "New", StatusCategory.new),
    ("open", "Open", StatusCategory.open),
    ("pending", "Waiting on customer", StatusCategory.pending),
    ("on_hold", "On hold", StatusCategory.on_hold),
    ("solved", "Solved", StatusCategory.solved),
    ("closed", "Closed", StatusCategory.closed),
]
DEFAULT_PRIORITIES = [("low", "Low", 0), ("normal", "Normal", 1), ("high", "High", 2), ("urgent", "Urgent", 3)]


def ensure_defaults(session: Session) -> None:
    """Creates the default vocabularies and counters on an empty desk; leaves an existing desk alone."""
    if session.exec(select(TicketStatus.key).limit(1)).first() is None:
        for position, (key, name, category) in enumerate(DEFAULT_STATUSES):
            session.add(TicketStatus(key=key, name=name, category=category, position=position))
    if session.exec(select(TicketPriority.key).limit(1)).first() is None:
        for key, name, rank in DEFAULT_PRIORITIES:
            session.add(TicketPriority(key=key, name=name, rank=rank, is_default=key == "normal"))
    if session.get(Counter, "ticket_number") is None:
        session.add(Counter(name="ticket_number", value=1000))
    session.flush()


def statuses(session: Session) -> list[TicketStatus]:
    return list(session.exec(select(TicketStatus).where(TicketStatus.is_active == True).order_by(col(TicketStatus.position))))  # noqa: E712


def priorities(session: Session) -> list[TicketPriority]:
    return list(session.exec(select(TicketPriority).where(TicketPriority.is_active == True).order_by(col(TicketPriority.rank))))  # noqa: E712


def status_named(session: Session, key: str) -> TicketStatus:
    status = session.get(TicketStatus, key) if isinstance(key, str) else None
    if status is None or not status.is_active:
        known = ", ".join(s.key for s in statuses(session))
        raise field_error("status", f"Unknown status {key!r}. Use one of: {known}.")
    return status


def first_status_in(session: Session, category: StatusCategory) -> TicketStatus:
    for status in statuses(session):
        if status.category == category:
            return status
    raise ValidationFailed(f"The desk has no active status in category {category.value!r}.")


def priority_named(session: Session, key: str | None) -> TicketPriority:
    if key is None:
        default = session.exec(select(TicketPriority).where(TicketPriority.is_default == True)).first()  # noqa: E712
        if default is not None:
            return default
        return priorities(session)[0]
    priority = session.get(TicketPriority, key) if isinstance(key, str) else None
    if priority is None or not priority.is_active:
        known = ", ".join(p.key for p in priorities(session))
        raise field_error("priority", f"Unknown priority {key!r}. Use one of: {known}.")
    return priority


def create_custom_field(
    session: Session, *, actor: Actor, key: str, label: str, field_type: CustomFieldType, options: list[str] = (), required: bool = False
) -> CustomFieldDefinition:
    actor.require_admin()
    if not key or not key.replace("_", "").isalnum() or len(key) > 60:
        raise field_error("key", "Use letters, digits and underscores, at most 60 characters.")
    if session.exec(select(CustomFieldDefinition.id).where(CustomFieldDefinition.key == key)).first() is not None:
        raise Conflict(f"A custom field {key!r} already exists.", {"key": "taken"})
    field_type = CustomFieldType(field_type)
    if field_type == CustomFieldType.select and not options:
        raise field_error("options", "A select field needs at least one option.")
    definition = CustomFieldDefinition(key=key, label=label[:120] or key, field_type=field_type, options=list(options), required=required)
    session.add(definition)
    session.flush()
    audit.record(session, actor=actor, action="custom_field.create", object_type="custom_field", object_id=definition.id,
                 changes={"key": (None, key), "field_type": (None, field_type), "options": (None, list(options))})
    return definition


def custom_field_definitions(session: Session) -> dict[str, CustomFieldDefinition]:
    rows = session.exec(select(CustomFieldDefinition).where(CustomFieldDefinition.is_active == True))  # noqa: E712
    return {d.key: d for d in rows}


def _coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    kind = definition.field_type
    if kind == CustomFieldType.text:
        if not isinstance(value, str) or len(value) > 2000:
            raise ValueError("must be text of at most 2000 characters")
        return value.strip()
    if kind == CustomFieldType.number:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > 1e15:
            raise ValueError("must be a finite number")
        return value
    if kind == CustomFieldType.date:
        try:
            return date.fromisoformat(value).isoformat()
        except (ValueError, TypeError):
            raise ValueError("must be a date like 2026-11-26") from None
    if kind == CustomFieldType.select:
        if value not in definition.options:
            raise ValueError(f"must be one of: {', '.join(definition.options)}")
        return value
    if kind == CustomFieldType.checkbox:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    raise ValueError("has an unknown type")


def validate_custom_fields(
    session: Session,
    values: dict[str, Any],
    *,
    current: dict[str, Any] | None = None,
    enforce_required: bool = False,
    definitions: dict[str, CustomFieldDefinition] | None = None,
) -> dict[str, Any]:
    """Merges `values` into `current`, checked against the definitions; None removes a value.

    Callers validating many records (imports) pass `definitions` loaded once.
    """
    if not isinstance(values, dict):
        raise field_error("custom_fields", "Custom fields must be an object of field key to value.")
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
            errors[f"custom_fields.{key}"] = f"{definition.label} {exc}"
    if enforce_required:
        for key, definition in definitions.items():
            if definition.required and merged.get(key) in (None, ""):
                errors[f"custom_fields.{key}"] = f"{definition.label} is required"
    if errors:
        raise ValidationFailed("Some custom fields are not valid.", errors)
    return merged


def reserve_ticket_numbers(session: Session, count: int) -> tuple[int, int]:
    """The first and last of `count` new ticket numbers: one bump of the counter row inside the caller's
    transaction, so numbers never repeat (imports reserve a whole batch at once)."""
    counter = Counter.__table__  # a Core UPDATE: the ORM's bulk-update machinery cost more than the statement
    result = session.execute(
        update(counter).where(counter.c.name == "ticket_number").values(value=counter.c.value + count).returning(counter.c.value)
    )
    last = result.scalar_one_or_none()
    if last is None:
        raise ValidationFailed("The desk is not initialised: run 'autocrm db upgrade'.")
    return last - count + 1, last


def next_ticket_number(session: Session) -> int:
    return reserve_ticket_numbers(session, 1)[0]
