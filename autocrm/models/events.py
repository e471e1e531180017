"""The outbox of domain events and the jobs that follow them (see `services/events.py`, `events/runner.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class EventRecord(SQLModel, table=True):
    """One domain event, written in the same transaction as the change it describes."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field(default_now=True, index=True)
    type: str = Field(max_length=80)
    actor_label: str = Field(max_length=200)
    actor_user_id: int | None = Field(default=None)
    actor_role: str = Field(max_length=20)
    via: str = Field(max_length=80)
    ticket_id: int | None = Field(default=None, index=True)
    # The listener whose job wrote this event (None for a person's, a key's or the system's own write), and how
    # many listeners deep the chain is: the loop guard reads both.
    caused_by: str | None = Field(default=None, max_length=120)
    depth: int = Field(default=0)
    data: dict[str, Any] = json_field(dict)


class JobStatus:
    pending = "pending"  # due at `due_at`
    running = "running"  # claimed; its lease runs out at `due_at`, then anyone may claim it again
    done = "done"
    failed = "failed"  # gave up after the last attempt


class Job(SQLModel, table=True):
    """One unit of work: an after-commit listener for one event, or a scheduled job. The row is the record:
    the job is done only when this row says so."""

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # "event:<event id>:<listener name>" or "schedule:<job name>": one row per unit of work, never two.
    key: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=120)
    event_id: int | None = Field(default=None, index=True)
    status: str = Field(default=JobStatus.pending, max_length=16)
    due_at: datetime = timestamp_field(default_now=True)
    attempts: int = Field(default=0)
    # Changes at every claim, so a worker whose lease ran out cannot mark done a job someone else re-claimed.
    claim: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = timestamp_field(default_now=True)
    finished_at: datetime | None = timestamp_field(nullable=True)
