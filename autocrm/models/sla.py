"""Business calendars, SLA policies and each ticket's SLA clock (see `services/sla.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class BusinessCalendar(SQLModel, table=True):
    __tablename__ = "business_calendar"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    time_zone: str = Field(max_length=64)
    # {"0": [["09:00", "17:00"]], ...}: weekday (0 = Monday) -> wall-clock windows; "24:00" ends at midnight.
    weekly: dict[str, Any] = json_field(dict)
    country: str | None = Field(default=None, max_length=2)  # public holidays of this country (ISO 3166)
    subdivision: str | None = Field(default=None, max_length=10)
    holidays: list[str] = json_field(list)  # the desk's own days off, ISO dates
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class SlaPolicy(SQLModel, table=True):
    __tablename__ = "sla_policy"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    position: int = Field(default=0)  # the first enabled policy whose conditions match a ticket applies
    enabled: bool = Field(default=True)
    # `services/rule_conditions.py` JSON; empty: every ticket.
    conditions: dict[str, Any] = json_field(dict)
    # None: round the clock.
    calendar_id: int | None = Field(default=None, foreign_key="business_calendar.id", ondelete="SET NULL")
    # priority key -> {"first_response": minutes, "next_response": minutes, "resolution": minutes}
    targets: dict[str, Any] = json_field(dict)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class TicketSla(SQLModel, table=True):
    """A ticket's SLA clock: which policy applies and when each target is due, recomputed on every change."""

    __tablename__ = "ticket_sla"
    __table_args__ = (Index("ix_ticket_sla_next_due", "next_due_at"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    policy_id: int | None = Field(default=None, foreign_key="sla_policy.id", ondelete="SET NULL")
    first_response_due_at: datetime | None = timestamp_field(nullable=True)
    next_response_due_at: datetime | None = timestamp_field(nullable=True)
    resolution_due_at: datetime | None = timestamp_field(nullable=True)
    # The earliest of the targets still running (None when none is): what the breach check and "overdue" read.
    next_due_at: datetime | None = timestamp_field(nullable=True)
    # Targets already announced as breached ({"first_response": iso time, ...}): `sla.breached` goes out once.
    breaches: dict[str, Any] = json_field(dict)
    updated_at: datetime = timestamp_field(default_now=True)
