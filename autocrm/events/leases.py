"""Claiming due rows with a lease: the one way jobs and webhook deliveries are taken by a worker.

A claim marks the due rows `running`, counts the attempt, stamps a fresh claim token and moves `due_at` to the
lease's end, in the caller's short write transaction. On PostgreSQL the rows are picked `FOR UPDATE SKIP
LOCKED`, so two workers never take the same row; on SQLite the single writer serializes claims. A row whose
lease ran out is due again, so a worker that died loses nothing: another claims it with a new token, and the
late worker's outcome, written only under its own token, is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, SQLModel, col, select

from autocrm.core.db import table_of
from autocrm.models.base import utcnow


@dataclass(frozen=True)
class Claim:
    token: str
    ids: list[int]


def claim_due(
    session: Session,
    model: type[SQLModel],
    *,
    due: ColumnElement[bool],
    order_by: list[Any],
    worker: str,
    limit: int,
    lease_seconds: float,
) -> Claim | None:
    """Leases up to `limit` rows of `model` matching `due` to `worker`; None when none is due."""
    table = table_of(model)
    query = select(table.c.id).where(due).order_by(*order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=table)
    ids = [int(row_id) for row_id in session.exec(query)]
    if not ids:
        return None
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    session.execute(
        update(table)
        .where(col(table.c.id).in_(ids))
        .values(
            status="running",  # JobStatus.running and DeliveryStatus.running alike
            attempts=table.c.attempts + 1,
            claim=token,
            due_at=utcnow() + timedelta(seconds=lease_seconds),
        )
    )
    return Claim(token=token, ids=ids)
