"""Notification mails sent: one row per (event, kind), so a handler run twice for one event mails once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from autocrm.models.base import timestamp_field


class OutboundMailRecord(SQLModel, table=True):
    __tablename__ = "outbound_mail"
    __table_args__ = (UniqueConstraint("event_id", "kind", name="uq_outbound_mail_event_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True, ondelete="CASCADE")
    event_id: int
    kind: str = Field(max_length=40)  # created | reply | solved | assigned | mention
    message_id: str = Field(max_length=255, unique=True)  # "<ticket-12-345.reply@host>", threads the ticket's mails
    # The conversation entry the mail carries (a reply's text), so an answer to the mail can name what it answers.
    conversation_message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    recipient_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    recipient: str = Field(max_length=254)
    sent_at: datetime = timestamp_field(default_now=True)
