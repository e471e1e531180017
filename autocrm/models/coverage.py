"""Who can take work when: agents' capacity and availability, teams' shifts, and what a ticket needs
(see `services/agents.py`, `services/teams.py` and `services/balancing.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field
from autocrm.models.enums import Availability


class AgentProfile(SQLModel, table=True):
    """An agent's own working state; an agent without a row is online with no limit."""

    __tablename__ = "agent_profile"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    # The most unsolved tickets load balancing gives them at once; None: no limit.
    max_open_tickets: int | None = Field(default=None, ge=0, le=10_000)
    availability: Availability = Field(
        default=Availability.online,
        sa_column=Column(
            SAEnum(Availability, name="agent_availability", native_enum=False, length=16),
            nullable=False,
            server_default=Availability.online.value,
        ),
    )
    availability_changed_at: datetime | None = timestamp_field(nullable=True)


class TeamShift(SQLModel, table=True):
    """A weekly pattern of working windows in the team's time zone, and the members who work it."""

    __tablename__ = "team_shift"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    # {"0": [["09:00", "17:00"]], ...} as `business_calendar.weekly`: weekday (0 = Monday) -> wall-clock windows.
    weekly: dict[str, Any] = json_field(dict)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class TeamShiftMember(SQLModel, table=True):
    __tablename__ = "team_shift_member"

    shift_id: int = Field(foreign_key="team_shift.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE", index=True)


class TicketRouting(SQLModel, table=True):
    """What routing decided a ticket needs beyond its own fields: the skills its assignee must have and the SLA
    policy that applies whatever the policies' conditions say. No row: nothing required, the usual policy."""

    __tablename__ = "ticket_routing"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    # [{"skill_id": 3, "level": 2}, ...]: each skill at that level (1-5) or above.
    required_skills: list[Any] = json_field(list)
    sla_policy_id: int | None = Field(default=None, foreign_key="sla_policy.id", ondelete="SET NULL")
    updated_at: datetime = timestamp_field(default_now=True)
