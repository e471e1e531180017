"""Macros: canned replies with actions, kept with every version (see `services/macros.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class MacroScope:
    personal = "personal"  # its owner's alone; every saved version is usable at once
    shared = "shared"  # every agent's; a version is usable only once a lead or an admin approved it


class VersionState:
    draft = "draft"  # being written: listed in the repository, never applied until a version is approved
    pending = "pending"  # submitted for approval: the approval queue
    approved = "approved"  # the version agents apply (the newest approved one)
    rejected = "rejected"  # sent back with the reviewer's comment; a new version starts a new draft


class Macro(SQLModel, table=True):
    __tablename__ = "macro"

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="CASCADE", index=True)
    # The newest version, whatever its state, and the newest approved one (what applying uses).
    latest_version_id: int | None = Field(default=None)
    approved_version_id: int | None = Field(default=None)
    archived: bool = Field(default=False)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class MacroVersion(SQLModel, table=True):
    """One saved text of a macro. Versions are never changed after they leave draft, so history is honest."""

    __tablename__ = "macro_version"
    __table_args__ = (UniqueConstraint("macro_id", "number", name="uq_macro_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    macro_id: int = Field(foreign_key="macro.id", ondelete="CASCADE", index=True)
    number: int
    name: str = Field(max_length=120)
    body: str = Field(sa_column=Column(Text, nullable=False))
    # {"status", "priority", "assignee_id", "team_id", "add_tags", "remove_tags"}: only the keys set act.
    actions: dict[str, Any] = json_field(dict)
    state: str = Field(max_length=16)
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    reviewer_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    review_comment: str = Field(default="", max_length=1000)
    reviewed_at: datetime | None = timestamp_field(nullable=True)
