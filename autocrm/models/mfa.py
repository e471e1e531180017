"""Two-step verification (TOTP): each user's authenticator secret, their recovery codes, and which roles the
desk requires it of."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from autocrm.models.base import timestamp_field


class MfaCredential(SQLModel, table=True):
    """A user's TOTP secret. Unconfirmed (`confirmed_at` unset) while the user is setting up their app."""

    __tablename__ = "mfa_credential"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    # Sealed (AES-GCM under a key derived from the secret key, bound to the user): the server must compute the
    # same codes as the app, so it is kept, but a copy of the database alone does not give it away. Rows from
    # before sealing hold the base32 secret itself until its next use. Never leaves the service layer after
    # enrolment.
    secret: str = Field(max_length=64)
    created_at: datetime = timestamp_field(default_now=True)
    confirmed_at: datetime | None = timestamp_field(nullable=True)
    # The last time step whose code was accepted: a code is good once, even within its 30 seconds.
    last_used_step: int = Field(default=0)
    # Raised to forget every remembered device at once; part of what a device cookie is bound to.
    device_epoch: int = Field(default=0)


class MfaRecoveryCode(SQLModel, table=True):
    """A single-use recovery code. Only its SHA-256 is kept (the codes are random, 40 bits each)."""

    __tablename__ = "mfa_recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=64)
    created_at: datetime = timestamp_field(default_now=True)
    used_at: datetime | None = timestamp_field(nullable=True)


class MfaRoleRequirement(SQLModel, table=True):
    """A role whose users must use two-step verification (a row per role that requires it)."""

    __tablename__ = "mfa_role_requirement"

    role: str = Field(max_length=16, primary_key=True)
    required_since: datetime = timestamp_field(default_now=True)
    set_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
