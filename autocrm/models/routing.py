"""Routing rules, kept as data (see `services/routing.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class RoutingRule(SQLModel, table=True):
    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # Rules are tried in this order; the first that matches acts (unless it says to go on).
    position: int = Field(default=0, index=True)
    enabled: bool = Field(default=True)
    # `services/rule_conditions.py`'s JSON: {"all": [...]} / {"any": [...]} / {"field", "op", "value"}.
    conditions: dict[str, Any] = json_field(dict)
    # {"team_id", "assignee_id", "priority", "add_tags", "remove_tags", "required_skills", "sla_policy_id"}: only
    # the keys set act.
    actions: dict[str, Any] = json_field(dict)
    # Which ticket events it runs on: "ticket.created" and/or "ticket.updated".
    triggers: list[str] = json_field(list)
    # Whether later rules are still tried after this one acted.
    continue_after: bool = Field(default=False)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
