"""Handling time: stretches an agent spent working a ticket, from presence (see `services/presence.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from autocrm.models.base import timestamp_field


class TicketWork(SQLModel, table=True):
    """`seconds` of work by `user_id` on `ticket_id` (the tab visible on the ticket, or the reply being written)
    from `started_at`: one row per stretch a process gathered from heartbeats and wrote in a batch."""

    __tablename__ = "ticket_work"
    __table_args__ = (Index("ix_ticket_work_user_ticket", "user_id", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE", index=True)
    started_at: datetime = timestamp_field()
    seconds: int = Field(ge=0)
