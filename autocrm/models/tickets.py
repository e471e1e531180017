"""Tickets, their conversation, attachments, ratings and the desk's configurable vocabularies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy import Index, Text, event
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field
from autocrm.models.enums import CallDirection, Channel, CustomFieldType, StatusCategory


def _enum(enum_cls: type, name: str, *, index: bool = False) -> Any:
    return Field(
        sa_column=Column(SAEnum(enum_cls, name=name, native_enum=False, length=16), nullable=False, index=index)
    )


class TicketStatus(SQLModel, table=True):
    """A status an admin may add or rename; `category` is what rules and reports key on."""

    __tablename__ = "ticket_status"

    key: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=80)
    category: StatusCategory = _enum(StatusCategory, "status_category")
    position: int = Field(default=0)
    is_active: bool = Field(default=True)


class TicketPriority(SQLModel, table=True):
    __tablename__ = "ticket_priority"

    key: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=80)
    rank: int = Field(default=0, description="Higher is more urgent.")
    is_default: bool = Field(default=False)
    is_active: bool = Field(default=True)


class CustomFieldDefinition(SQLModel, table=True):
    __tablename__ = "custom_field_definition"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)
    label: str = Field(max_length=120)
    field_type: CustomFieldType = _enum(CustomFieldType, "custom_field_type")
    options: list[str] = json_field(list)
    required: bool = Field(default=False)
    # Shown to the requester on the portal (read-only); staff-only fields never leave the staff's shapes.
    visible_to_customers: bool = Field(default=False)
    is_active: bool = Field(default=True)
    position: int = Field(default=0)


class Counter(SQLModel, table=True):
    """Named counters bumped inside the writing transaction (ticket numbers on SQLite)."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0)


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        # The queue filters on these and sorts by update time. Every one ends with the sort key and id,
        # the queue's tie-breaker (ORDER BY updated_at DESC, id DESC), so an equality filter plus the sort
        # is one ordered index range that stops after the page: no sort step, on SQLite (where every
        # index ends with the rowid anyway) and on PostgreSQL (where it does not). They also cover the
        # inner "ids of this page" query of `tickets.list_tickets`, so deep offsets walk the index only.
        Index("ix_ticket_status_updated", "status", "updated_at", "id"),
        Index("ix_ticket_assignee_status_updated", "assignee_id", "status", "updated_at", "id"),
        Index("ix_ticket_team_status_updated", "team_id", "status", "updated_at", "id"),
        Index("ix_ticket_priority_updated", "priority", "updated_at", "id"),
        Index("ix_ticket_requester_updated", "requester_id", "updated_at", "id"),
        Index("ix_ticket_updated", "updated_at", "id"),
        Index("ix_ticket_created", "created_at", "id"),
        # The dashboards' periods: tickets solved, and first answered, between two instants.
        Index("ix_ticket_solved", "solved_at"),
        Index("ix_ticket_first_response", "first_response_at"),
        # Saved views' channel filter, and the overdue quick filter (due before now).
        Index("ix_ticket_channel_updated", "channel", "updated_at", "id"),
        Index("ix_ticket_due", "due_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    subject: str = Field(max_length=250)
    status: str = Field(foreign_key="ticket_status.key", max_length=40)
    priority: str = Field(foreign_key="ticket_priority.key", max_length=40)
    channel: Channel = _enum(Channel, "ticket_channel")
    requester_id: int = Field(foreign_key="user_account.id")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    custom_fields: dict[str, Any] = json_field(dict)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
    # The last change its requester can see (a public message, the status, the subject): internal notes and
    # staff-only fields move `updated_at`, which orders the agents' queue, but not this. Unset: `created_at`.
    customer_updated_at: datetime | None = timestamp_field(nullable=True)
    first_response_at: datetime | None = timestamp_field(nullable=True)
    solved_at: datetime | None = timestamp_field(nullable=True)
    closed_at: datetime | None = timestamp_field(nullable=True)
    due_at: datetime | None = timestamp_field(nullable=True)
    # The ticket this one continues (a closed ticket takes no more replies, so a new question opens a follow-up).
    follow_up_of_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tag"
    __table_args__ = (Index("ix_ticket_tag_tag", "tag", "ticket_id"),)

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, max_length=50)


class Message(SQLModel, table=True):
    """One entry of a ticket's conversation: a public reply or an internal note."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_ticket_created", "ticket_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    internal: bool = Field(default=False)
    channel: Channel = _enum(Channel, "message_channel")
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = timestamp_field(default_now=True)


class CallLog(SQLModel, table=True):
    """A phone call an agent logged: its summary is the internal message it belongs to (channel phone)."""

    __tablename__ = "call_log"

    message_id: int = Field(primary_key=True, foreign_key="message.id", ondelete="CASCADE")
    direction: CallDirection = _enum(CallDirection, "call_direction")
    duration_seconds: int


class Attachment(SQLModel, table=True):
    """Metadata of a file kept in the file store; the bytes never enter the database."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp_field(default_now=True)


class SatisfactionRating(SQLModel, table=True):
    __tablename__ = "satisfaction_rating"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True, ondelete="CASCADE")
    requester_id: int = Field(foreign_key="user_account.id")
    agent_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = timestamp_field(default_now=True)


# Full-text search objects (FTS5 table or tsvector table, and their triggers) are not declared as
# models: they differ per database. `create_all`/`drop_all` make and remove them with the tables, so
# test databases built from the models search like migrated ones (migration 0002 calls the same code).
@event.listens_for(SQLModel.metadata, "after_create")
def _create_fulltext(_metadata: Any, connection: Any, **_kw: Any) -> None:
    from autocrm.core import fulltext

    fulltext.install(connection)


@event.listens_for(SQLModel.metadata, "before_drop")
def _drop_fulltext(_metadata: Any, connection: Any, **_kw: Any) -> None:
    from autocrm.core import fulltext

    fulltext.uninstall(connection)
