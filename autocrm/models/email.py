"""E-mail as a channel: the IMAP mailboxes an admin set up, and every message that came in (`services/email/`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import timestamp_field


class MailboxSecurity:
    ssl = "ssl"  # TLS from the first byte (IMAPS, port 993)
    starttls = "starttls"  # plain connection upgraded with STARTTLS (port 143)
    none = "none"  # no TLS: loopback test servers and trusted internal relays only


class EmailMailbox(SQLModel, table=True):
    """An IMAP mailbox polled by the `email.poll` scheduled job."""

    __tablename__ = "email_mailbox"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    host: str = Field(max_length=253)
    port: int
    security: str = Field(default=MailboxSecurity.ssl, max_length=16)
    username: str = Field(max_length=254)
    # Sealed with `core.sealing.sealer("mailbox-password")`: logging in needs it back.
    password_sealed: str = Field(sa_column=Column(Text, nullable=False))
    folder: str = Field(default="INBOX", max_length=200)
    # Where a processed message goes; None: it stays in `folder`, flagged \Seen.
    processed_folder: str | None = Field(default=None, max_length=200)
    enabled: bool = Field(default=True)
    last_polled_at: datetime | None = timestamp_field(nullable=True)
    last_status: str = Field(default="", max_length=500)  # "ok: 3 new" or the error of the last poll
    last_ok: bool | None = Field(default=None)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class InboundStatus:
    created = "created"  # opened a ticket (or a follow-up of a closed one)
    threaded = "threaded"  # joined an existing ticket
    ignored = "ignored"  # an auto-reply, a bounce, our own mail, a mail storm: kept, never a ticket
    failed = "failed"  # could not become a ticket: in the admins' failed list, with the reason and a retry


class InboundMail(SQLModel, table=True):
    """One message received, whatever became of it: the raw bytes are a private file (`raw_key`)."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_status_received", "status", "received_at"),
        Index("ix_inbound_mail_sender_received", "sender", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The Message-ID header, or `<sha256-...@autocrm.invalid>` of the raw bytes when it has none.
    message_id: str = Field(max_length=255, index=True)
    # One row per message (`parse.dedupe_key_of`): its Message-ID with its From, Date, Subject and body, so the
    # same message fetched or delivered twice is written once, while two different messages that share a
    # Message-ID (broken clients reuse them) are both kept.
    dedupe_key: str = Field(max_length=64, unique=True)
    source: str = Field(max_length=16)  # imap | smtp | api
    mailbox_id: int | None = Field(default=None, foreign_key="email_mailbox.id", ondelete="SET NULL")
    sender: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=250)
    raw_key: str = Field(max_length=255)  # the file store's key of the message as received
    raw_size: int = Field(default=0)
    raw_sha256: str = Field(default="", max_length=64)
    status: str = Field(max_length=16)
    reason: str = Field(default="", max_length=500)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True, ondelete="SET NULL")
    conversation_message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    attempts: int = Field(default=1)
    received_at: datetime = timestamp_field(default_now=True)
    processed_at: datetime = timestamp_field(default_now=True)
