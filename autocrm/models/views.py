"""Saved views of the agent's queue and the bulk changes run in the background (see `services/views.py`,
`services/bulk.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class ViewVisibility:
    personal = "personal"  # its owner only
    team = "team"  # the members of `team_id` (and admins, who manage shared views)
    everyone = "everyone"  # every agent and admin


class SavedView(SQLModel, table=True):
    """A queue an agent can open: filters in the ticket list's own shape (`TicketFilter`), a sort, columns."""

    __tablename__ = "saved_view"
    __table_args__ = (
        Index("ix_saved_view_owner", "owner_id", "position"),
        Index("ix_saved_view_team", "team_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # `TicketFilter` fields without sort and paging, as JSON.
    filters: dict[str, Any] = json_field(dict)
    sort: str = Field(default="-updated_at", max_length=20)
    columns: list[str] = json_field(list)
    visibility: str = Field(default=ViewVisibility.personal, max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="CASCADE")
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="CASCADE")
    # The sidebar's order: shared views first by position, then the agent's own.
    position: int = Field(default=0)
    # The views every desk starts with ("unsolved", "mine", ...); None for views people made.
    builtin_key: str | None = Field(default=None, max_length=40, unique=True)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class BulkStatus:
    pending = "pending"
    running = "running"
    done = "done"


class BulkJob(SQLModel, table=True):
    """A change of many tickets run by the job runner in chunks: `processed` is how far it got (progress, and
    where a run that was killed goes on from), `updated`/`failed` what happened to each ticket so far."""

    __tablename__ = "bulk_job"

    id: int | None = Field(default=None, primary_key=True)
    # Who asked: the changes are theirs (audited under their name), checked again when each chunk runs.
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id", ondelete="SET NULL")
    status: str = Field(default=BulkStatus.pending, max_length=16)
    ticket_ids: list[int] = json_field(list)
    changes: dict[str, Any] = json_field(dict)
    total: int = Field(default=0)
    processed: int = Field(default=0)
    updated: list[int] = json_field(list)
    failed: list[dict[str, Any]] = json_field(list)
    created_at: datetime = timestamp_field(default_now=True, index=True)
    updated_at: datetime = timestamp_field(default_now=True)
    finished_at: datetime | None = timestamp_field(nullable=True)
