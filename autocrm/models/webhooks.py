"""Webhook subscriptions and their deliveries (see `services/webhooks.py`, `events/webhook_delivery.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class WebhookSubscription(SQLModel, table=True):
    """An admin's request to be told of some event types at one URL, signed with the subscription's secret."""

    __tablename__ = "webhook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    events: list[str] = json_field(list)
    description: str = Field(default="", max_length=500)
    active: bool = Field(default=True)
    # The `whsec_...` secret sealed with `core.sealing.sealer("webhook-secret")`: it must be read back to sign.
    secret_sealed: str = Field(sa_column=Column(Text, nullable=False))
    # Why the desk stopped delivering on its own (a 410 from the receiver); None when an admin set `active`.
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class DeliveryStatus:
    pending = "pending"  # due at `due_at` (the first try, or the next retry)
    running = "running"  # claimed; its lease runs out at `due_at`, then any worker may claim it again
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # gave up: retried for the whole window, a 410, or the subscription went away


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: the record of that work, from the first try to delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_delivery_subscription_event"),
        Index("ix_webhook_delivery_due", "status", "due_at"),
        Index("ix_webhook_delivery_order", "subscription_id", "ticket_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", index=True, ondelete="CASCADE")
    event_id: int
    event_type: str = Field(max_length=80)
    ticket_id: int | None = Field(default=None)
    # The signed body, fixed when the event fans out, so every retry sends the same bytes.
    payload: dict[str, Any] = json_field(dict)
    status: str = Field(default=DeliveryStatus.pending, max_length=16)
    due_at: datetime = timestamp_field(default_now=True)
    attempts: int = Field(default=0)
    claim: str | None = Field(default=None, max_length=64)
    response_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    duration_ms: int | None = Field(default=None)
    created_at: datetime = timestamp_field(default_now=True)
    last_attempt_at: datetime | None = timestamp_field(nullable=True)
    delivered_at: datetime | None = timestamp_field(nullable=True)
