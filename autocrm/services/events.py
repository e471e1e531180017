"""Domain events: every service write emits them into the outbox (`event` table) in its own transaction.

`emit` adds the event row in the caller's transaction, so a rolled-back write emits nothing and a committed
one is never lost. In the same transaction it runs the in-transaction listeners (they may still change what
is being written) and writes one `job` row per after-commit listener of the event type; the job runner
(`autocrm.events.runner`) runs those after the commit, each in its own transaction. Listeners are declared
in one place: `autocrm.events.listeners`.

Loop guard: while the runner (or emit itself) runs a listener, events emitted from inside it carry
`caused_by` = that listener's name and `depth` one more than the event it is handling. A listener never
gets an event it caused itself, and no listener gets events more than `MAX_DEPTH` listeners deep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlmodel import Session

from autocrm.core.db import table_of
from autocrm.models import EventRecord, Job
from autocrm.models.base import utcnow
from autocrm.services.actor import Actor, ActorKind

log = logging.getLogger(__name__)

# Beyond this many listeners deep an event is recorded but handed to no listener: a cycle between two
# listeners (A's write wakes B, B's wakes A) ends here instead of running forever.
MAX_DEPTH = 3


@dataclass(frozen=True)
class Event:
    id: int  # outbox row id; also the idempotency key of every delivery of this event
    type: str
    actor_label: str
    actor_user_id: int | None
    actor_role: str
    via: str  # "web" | "api" | "rule" | "macro" | "bot" | "channel:<name>" | "import" | "system"
    ticket_id: int | None
    data: dict[str, Any]
    created_at: datetime
    caused_by: str | None = None  # the listener whose work emitted this event, if any
    depth: int = 0

    @classmethod
    def from_record(cls, row: EventRecord) -> Event:
        if row.id is None:
            raise RuntimeError("An event row has no id until it is flushed.")
        return cls(
            id=row.id,
            type=row.type,
            actor_label=row.actor_label,
            actor_user_id=row.actor_user_id,
            actor_role=row.actor_role,
            via=row.via,
            ticket_id=row.ticket_id,
            data=dict(row.data),
            created_at=row.created_at,
            caused_by=row.caused_by,
            depth=row.depth,
        )


@dataclass(frozen=True)
class _Running:
    listener: str
    depth: int


_running: ContextVar[_Running | None] = ContextVar("autocrm_running_listener", default=None)


@contextmanager
def running_listener(name: str, event: Event | None) -> Iterator[None]:
    """Marks the code inside as the work of listener `name` handling `event` (None: a scheduled job)."""
    token = _running.set(_Running(listener=name, depth=(event.depth if event is not None else 0) + 1))
    try:
        yield
    finally:
        _running.reset(token)


_COLUMNS = [field.name for field in fields(Event) if field.name != "id"]
_INSERT_EVENT = insert(table_of(EventRecord)).returning(table_of(EventRecord).c.id)
_INSERT_JOBS = insert(table_of(Job))


def via_of(actor: Actor) -> str:
    if actor.via is not None:
        return actor.via
    if _running.get() is not None or actor.kind == ActorKind.system:
        return "system"
    if actor.api_key_id is not None or actor.kind == ActorKind.api_key:
        return "api"
    return "web"


def job_key(event_id: int, listener: str) -> str:
    return f"event:{event_id}:{listener}"


def emit(
    session: Session,
    type: str,  # noqa: A002 (the contract's name for it)
    *,
    actor: Actor,
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
    via: str | None = None,
) -> bool:
    """Adds the event to the outbox in the caller's transaction and runs the in-transaction listeners; True
    when one of them says it changed something (a routing rule), so the writer reads its rows again."""
    from autocrm.events import listeners

    running = _running.get()
    event = Event(
        id=0,
        type=type,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        actor_role=actor.role.value,
        via=via or via_of(actor),
        ticket_id=ticket_id,
        data=data or {},
        created_at=utcnow(),
        caused_by=running.listener if running is not None else None,
        depth=running.depth if running is not None else 0,
    )
    # A Core insert, not an ORM add and flush: the write's own pending rows flush at its commit as before, so
    # the event costs one statement on the write's connection.
    with session.no_autoflush:
        event_id = session.execute(_INSERT_EVENT, {field: getattr(event, field) for field in _COLUMNS}).scalar_one()
    event = replace(event, id=event_id)
    session.info[_EVENTS_ADDED] = True
    if event.depth > MAX_DEPTH:
        log.warning("Event %s (%s) is %s listeners deep: no listener gets it", event.id, type, event.depth)
        return False
    changed = False
    for listener in listeners.IN_TRANSACTION.get(type, []):
        if listener.name != event.caused_by and (listener.wants is None or listener.wants(event)):
            with running_listener(listener.name, event):
                changed = bool(listener.handler(session, event)) or changed
    jobs = [
        {"key": job_key(event.id, listener.name), "name": listener.name, "event_id": event.id}
        for listener in listeners.AFTER_COMMIT.get(type, [])
        if listener.name != event.caused_by and (listener.wants is None or listener.wants(event))
    ]
    if jobs:
        with session.no_autoflush:
            session.execute(
                _INSERT_JOBS,
                [
                    {
                        **job,
                        "status": "pending",
                        "attempts": 0,
                        "due_at": event.created_at,
                        "created_at": event.created_at,
                    }
                    for job in jobs
                ],
            )
        _wake_after_commit(session)
    return changed


def run_again(session: Session, event: Event, listener: str, *, step: str) -> None:
    """Another run of after-commit `listener` for `event` once this transaction commits: a long job (a bulk
    change of thousands of tickets) does one step per run, each committed with its progress. `step` keys the
    job row, so a run repeated after a lost lease cannot add the next step twice."""
    now = utcnow()
    with session.no_autoflush:
        session.execute(
            _INSERT_JOBS,
            [
                {
                    "key": f"{job_key(event.id, listener)}#{step}",
                    "name": listener,
                    "event_id": event.id,
                    "status": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "created_at": now,
                }
            ],
        )
    _wake_after_commit(session)


def _wake_after_commit(session: Session) -> None:
    """Once the transaction commits, wake the workers (in this process, and through Redis in others)."""
    session.info[_JOBS_ADDED] = True


_JOBS_ADDED = "autocrm_jobs_added"
_EVENTS_ADDED = "autocrm_events_added"


@sa_event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    # SQLAlchemy calls this for a released savepoint too: only the outermost commit makes the rows visible.
    if session.in_nested_transaction():
        return
    if session.info.pop(_JOBS_ADDED, False):
        from autocrm.events import wakeup

        wakeup.notify()
    if session.info.pop(_EVENTS_ADDED, False):
        from autocrm.events import feed

        feed.committed()


@sa_event.listens_for(Session, "after_rollback")
def _on_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: what the outer transaction added still commits
    session.info.pop(_JOBS_ADDED, None)
    session.info.pop(_EVENTS_ADDED, None)
