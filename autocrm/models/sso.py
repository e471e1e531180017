"""Single sign-on: the OpenID Connect providers an admin set up, and which account each provider's subject is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum as SAEnum
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from autocrm.models.base import json_field, timestamp_field
from autocrm.models.enums import Role


class SsoProvider(SQLModel, table=True):
    """An OpenID Connect provider people may sign in with. Data, not settings: admins add them in the UI.

    The client secret is stored encrypted (`services.sso` seals it with a key derived from the app's secret
    key); it never leaves the service layer."""

    __tablename__ = "sso_provider"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=255)
    client_secret_sealed: str = Field(default="", max_length=2000)
    # Lower-case e-mail domains whose people may sign in; empty: any domain.
    allowed_domains: list[str] = json_field(list)
    new_user_role: Role = Field(
        sa_column=Column(SAEnum(Role, name="sso_new_user_role", native_enum=False, length=16), nullable=False)
    )
    enabled: bool = Field(default=True)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class UserIdentity(SQLModel, table=True):
    """One account at a provider (its `sub`) linked to one AutoCRM user."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("provider_id", "subject", name="uq_user_identity_provider_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="sso_provider.id", ondelete="CASCADE")
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    # The address the provider vouched for when the link was made (for the admin's and the audit's eyes).
    email: str = Field(max_length=254)
    created_at: datetime = timestamp_field(default_now=True)
    last_login_at: datetime | None = timestamp_field(nullable=True)
