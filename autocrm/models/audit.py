from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class AuditEntry(SQLModel, table=True):
    """Who changed what on which object: `changes` maps each field to [before, after]."""

    __tablename__ = "audit_entry"
    # The audit log pages newest first by id: each filter's index ends with the id, so a filtered page is one
    # ordered index range (`services/audit_log.py`); the actor's also serves the foreign key.
    __table_args__ = (
        Index("ix_audit_object", "object_type", "object_id", "id"),
        Index("ix_audit_actor", "actor_user_id", "id"),
        Index("ix_audit_action", "action", "id"),
        Index("ix_audit_type", "object_type", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field(default_now=True, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    actor_label: str = Field(max_length=200)
    action: str = Field(max_length=60)
    object_type: str = Field(max_length=40)
    object_id: int | None = Field(default=None)
    changes: dict[str, Any] = json_field(dict)
