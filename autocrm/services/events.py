"""STAND-IN for the event core's module (issue 14): only the `Event` value the mail handlers read.

The events-core branch owns this module; at merge its version replaces this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    id: int  # outbox row id; also the idempotency key of every delivery of this event
    type: str  # "ticket.created", "ticket.updated", "message.created", ...
    actor_label: str
    actor_user_id: int | None
    actor_role: str  # "customer" | "agent" | "admin"
    via: str  # "web" | "api" | "rule" | "macro" | "bot" | "channel:<name>" | "import" | "system"
    ticket_id: int | None
    data: dict[str, Any]
    created_at: datetime
