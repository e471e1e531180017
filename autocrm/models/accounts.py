"""Account life-cycle rows: e-mail verification links, tickets held for an unverified requester, desk settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import timestamp_field


class EmailVerification(SQLModel, table=True):
    """One mailed verification link. The link is signed with the desk's secret key and names this row;
    `used_at` makes it single-use, `email` ties it to the address it was sent to."""

    __tablename__ = "email_verification"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    nonce_hash: str = Field(max_length=64)
    created_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)


class TicketVerificationHold(SQLModel, table=True):
    """A ticket that staff or the API opened for an address whose only account is not verified yet. The
    ticket is the account's, but the account sees it only once it verifies (the hold is then dropped)."""

    __tablename__ = "ticket_verification_hold"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field(default_now=True)


class DeskSetting(SQLModel, table=True):
    """A setting the desk keeps as data (its name, first-run state), edited in the app, not in the env."""

    __tablename__ = "desk_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = timestamp_field(default_now=True)
