"""People and who they work with: users, organizations, teams, skills, sessions and keys."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Enum as SAEnum
from sqlmodel import Column, Field, SQLModel, UniqueConstraint

from autocrm.models.base import json_field, timestamp_field
from autocrm.models.enums import Balancing, Role


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    domain: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp_field(default_now=True)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    role: Role = Field(
        sa_column=Column(SAEnum(Role, name="user_role", native_enum=False, length=16), nullable=False, index=True)
    )
    password_hash: str | None = Field(default=None, max_length=255)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    is_active: bool = Field(default=True)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
    last_login_at: datetime | None = timestamp_field(nullable=True)
    # Set once the person proved they read mail at `email` (a verification link, an admin or an SSO provider
    # vouching for it); tickets others open for that address attach only to a verified owner.
    email_verified_at: datetime | None = timestamp_field(nullable=True)
    # Off: no notification mails about tickets (the mailed unsubscribe link or the person's own switch).
    # Account mails (resets, verification) still go.
    email_notifications: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # An agent who may write and publish knowledge-base articles (admins always may).
    kb_editor: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The person's own language and time zone (IANA name); None: the browser's language, the desk's zone.
    locale: str | None = Field(default=None, max_length=8)
    time_zone: str | None = Field(default=None, max_length=64)


class Team(SQLModel, table=True):
    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    description: str = Field(default="", max_length=1000)  # the team's focus, as people read it
    # Shifts are wall-clock times in this zone; public holidays of this country (and region) and the team's own
    # days off (ISO dates) are days nobody is on shift.
    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})
    holiday_country: str | None = Field(default=None, max_length=2)
    holiday_subdivision: str | None = Field(default=None, max_length=10)
    holidays: list[str] = json_field(list)
    balancing: Balancing = Field(
        default=Balancing.manual,
        sa_column=Column(
            SAEnum(Balancing, name="team_balancing", native_enum=False, length=16),
            nullable=False,
            server_default=Balancing.manual.value,
        ),
    )
    # Round robin's place: the member who got the team's last ticket.
    last_assigned_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime | None = timestamp_field(nullable=True)


class TeamMembership(SQLModel, table=True):
    __tablename__ = "team_membership"

    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE", index=True)
    # A team lead reviews the team's work: today, approving shared macros.
    lead: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Skill(SQLModel, table=True):
    __tablename__ = "skill"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)


class AgentSkill(SQLModel, table=True):
    __tablename__ = "agent_skill"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    skill_id: int = Field(foreign_key="skill.id", primary_key=True, ondelete="CASCADE", index=True)
    level: int = Field(default=3, ge=1, le=5)


class LoginSession(SQLModel, table=True):
    """A browser login. The cookie holds the token; the table holds only its SHA-256."""

    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    # Unset while the sign-in waits for its browser to redeem the one-time code (`auth.begin_login_session`).
    claimed_at: datetime | None = timestamp_field(nullable=True)
    # The browser that redeemed the code, as it named itself, so its owner can tell their sessions apart.
    user_agent: str = Field(default="", max_length=512, sa_column_kwargs={"server_default": ""})
    # When the session last made a request, to the minute (`sessions.SEEN_EVERY`): not written per request.
    last_seen_at: datetime | None = timestamp_field(nullable=True)


class PasswordResetToken(SQLModel, table=True):
    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    created_at: datetime = timestamp_field(default_now=True)
    expires_at: datetime = timestamp_field()
    used_at: datetime | None = timestamp_field(nullable=True)


class ApiKey(SQLModel, table=True):
    """A scoped API key. Only a short prefix (to find the row) and a SHA-256 are kept."""

    __tablename__ = "api_key"
    __table_args__ = (UniqueConstraint("prefix", name="uq_api_key_prefix"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64)
    scopes: list[str] = json_field(list)
    role: Role = Field(
        sa_column=Column(SAEnum(Role, name="api_key_role", native_enum=False, length=16), nullable=False)
    )
    # The admin who made the key: it works only while they are an active admin. None for keys made on the
    # command line (by whoever runs the server), which answer to no account.
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = timestamp_field(default_now=True)
    # Written at most once a minute per key (`api_keys.LAST_USE_EVERY`), not on every request.
    last_used_at: datetime | None = timestamp_field(nullable=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)
    # None: the key never expires.
    expires_at: datetime | None = timestamp_field(nullable=True)
