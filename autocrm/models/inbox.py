"""In-app notifications: the bell (see `services/inbox.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from autocrm.models.base import timestamp_field


class InboxNotification(SQLModel, table=True):
    __tablename__ = "inbox_notification"
    # One row per person and event: a listener that runs twice adds nothing.
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_inbox_notification_user_event"),
        Index("ix_inbox_notification_user_unread", "user_id", "read_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)  # "mention" today
    event_id: int
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="CASCADE")
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    actor_name: str = Field(default="", max_length=200)
    excerpt: str = Field(default="", max_length=300)
    created_at: datetime = timestamp_field(default_now=True)
    read_at: datetime | None = timestamp_field(nullable=True)
