"""What the AI helpers learn from: resolved tickets' vectors (see `services/ai/triage.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from autocrm.models.base import timestamp_field


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
