"""Alert rules on a team's (or the whole desk's) queue, and whether each is firing now (see `services/alerts.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from autocrm.models.base import timestamp_field


class AlertRule(SQLModel, table=True):
    __tablename__ = "alert_rule"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="CASCADE")  # None: the desk
    kind: str = Field(max_length=32)  # what is measured: `services/alerts.KINDS`
    threshold: int  # fires while the measure is above it
    enabled: bool = Field(default=True)
    # Since when it fires (None: it does not), and the measure when it began: one `alert.triggered` per episode.
    active_since: datetime | None = timestamp_field(nullable=True)
    active_value: int = Field(default=0)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
