"""What the AI features keep: every call to the LLM (for the admins' accounting), outputs cached by their inputs,
and the resolved tickets' vectors triage learns from (`services/ai/triage.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class AiCall(SQLModel, table=True):
    """One request to the LLM: which feature asked, how long it took, what it cost in tokens, and how it ended.
    No prompt or answer text: those may hold customers' words, and the accounting needs none of it."""

    __tablename__ = "ai_call"

    id: int | None = Field(default=None, primary_key=True)
    feature: str = Field(max_length=40, index=True)
    model: str = Field(max_length=200)
    prompt_version: str = Field(max_length=60)
    ok: bool
    error_code: str | None = Field(default=None, max_length=40)  # timeout, provider_error, rate_limited, ...
    streamed: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    first_token_ms: int | None = None  # streamed calls: until the first piece of text arrived
    created_at: datetime = timestamp_field(default_now=True, index=True)


class AiCacheEntry(SQLModel, table=True):
    """An AI output kept under the digest of everything it was made from (the prompt's version, the model and
    the inputs), so the same inputs answer from here and changed inputs make a new entry."""

    __tablename__ = "ai_cache"

    key: str = Field(primary_key=True, max_length=64)
    feature: str = Field(max_length=40, index=True)
    subject_id: int | None = Field(default=None, index=True)  # e.g. the ticket summarized, to drop its old entries
    value: dict[str, Any] = json_field(dict)
    created_at: datetime = timestamp_field(default_now=True)


class TicketVector(SQLModel, table=True):
    """The sentence vector of a solved or closed ticket's subject and first customer message.

    A row exists exactly while the ticket is resolved: the `ai.ticket_vector` after-commit job writes it when a
    ticket becomes solved or closed (and touches it when a resolved ticket's team, priority or fields change, so
    the processes' triage history catches up) and deletes it when the ticket is reopened. Triage reads only
    these rows and the tickets they name.
    """

    __tablename__ = "ticket_vector"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    # The embedder's id (`core.embedding.MODEL_ID`): vectors of another model are not comparable and are made again.
    model: str = Field(max_length=60)
    # sha256 of the embedded text: a change that leaves the text alone embeds nothing again.
    text_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Moved by every write, so (count, newest) tells a process its copy of the history is stale.
    updated_at: datetime = timestamp_field(default_now=True, index=True)
