"""The live feed: the ticket changes that committed since a reader last looked, for pushing to open screens.

The outbox is the feed, so writers do nothing for it beyond emitting their events: a reader (one per backend
process, `autocrm.state.live`) keeps the id of the last event it read and asks for the ones after it. A commit
that emitted events rings the reader at once: in this process through `on_commit` callbacks, in other
processes through Redis pub/sub (`CHANNEL`) when `AUTOCRM_REDIS_URL` is set, else through the data folder's
doorbell (`core.doorbell`: the embedded default's worker child, an API served alone). A short poll covers a
ring that got lost, so a missed ring costs at most one poll.

On PostgreSQL ids are handed out at insert but become visible at commit, so a transaction that took id 10 may
commit after one that took id 11 was read. The reader remembers such gaps and asks for them again until they
fill or are old enough to be a rolled-back write's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from autocrm.core import doorbell
from autocrm.core.db import read_session, stored_id, table_of
from autocrm.core.settings import get_settings
from autocrm.models import EventRecord, Message, Ticket

log = logging.getLogger(__name__)

CHANNEL = "autocrm:live"
DOORBELL = "live"
# Event types that change what a ticket's screens show. Others (accounts, mails queued) push nothing.
# A teammate @mentioned in a note (`services/inbox.py`): their bell, on staff screens only.
NOTIFICATION_CREATED = "notification.created"
TICKET_EVENTS = frozenset(
    {
        "ticket.created",
        "ticket.updated",
        "ticket.imported",
        "message.created",
        "rating.submitted",
        "attachment.added",
        NOTIFICATION_CREATED,
    }
)
# Events about a queue rather than a ticket (an alert firing or clearing, a notification that names no ticket):
# staff screens only, as a change of ticket 0, so the lists and dashboards refresh and no ticket page does.
DESK_EVENTS = frozenset({"alert.triggered", "alert.cleared", NOTIFICATION_CREATED})
# A gap older than this is a rolled-back write's id, not a slow commit's.
GAP_PATIENCE_SECONDS = 10.0
BATCH_LIMIT = 2000
Row = tuple[int, str, int | None, int | None, dict[str, Any]]


@dataclass(frozen=True)
class Change:
    """One committed ticket change, with what deciding who may see it needs."""

    event_id: int
    type: str
    ticket_id: int
    actor_user_id: int | None
    requester_id: int | None
    # An internal note, or a file on one: staff screens only.
    internal: bool


class OutboxTail:
    """Reads the ticket changes committed after the last one it returned, in id order, gaps included."""

    def __init__(self, *, after: int | None = None) -> None:
        self.cursor = latest_event_id() if after is None else after
        self._gaps: dict[int, float] = {}  # missing id -> when it was first missed

    def read(self) -> list[Change]:
        now = time.monotonic()
        self._gaps = {gap: seen for gap, seen in self._gaps.items() if now - seen < GAP_PATIENCE_SECONDS}
        id_column = table_of(EventRecord).c.id
        wanted = id_column > self.cursor
        if self._gaps:
            wanted = wanted | id_column.in_(list(self._gaps))
        events = table_of(EventRecord)
        with read_session() as session:
            rows: list[Row] = [
                (row.id, row.type, row.ticket_id, row.actor_user_id, row.data)
                for row in session.execute(
                    sa.select(events.c.id, events.c.type, events.c.ticket_id, events.c.actor_user_id, events.c.data)
                    .where(wanted)
                    .order_by(events.c.id)
                    .limit(BATCH_LIMIT)
                )
            ]
            ticket_ids = {ticket_id for _, kind, ticket_id, _, _ in rows if ticket_id and kind in TICKET_EVENTS}
            requesters: dict[int, int | None] = (
                {
                    stored_id(ticket_id): requester_id
                    for ticket_id, requester_id in session.exec(
                        select(Ticket.id, Ticket.requester_id).where(col(Ticket.id).in_(ticket_ids))
                    )
                }
                if ticket_ids
                else {}
            )
            noted_files = _messages_that_are_notes(session, rows)
        for event_id, *_ in rows:
            self._gaps.pop(event_id, None)
            if event_id > self.cursor:
                for missing in range(self.cursor + 1, event_id):
                    self._gaps.setdefault(missing, now)
                self.cursor = event_id
        return [
            Change(
                event_id=event_id,
                type=kind,
                ticket_id=ticket_id or 0,
                actor_user_id=actor_user_id,
                requester_id=requesters.get(ticket_id) if ticket_id else None,
                internal=bool(data.get("internal")) or kind in DESK_EVENTS or data.get("message_id") in noted_files,
            )
            for event_id, kind, ticket_id, actor_user_id, data in rows
            if (ticket_id and kind in TICKET_EVENTS) or kind in DESK_EVENTS
        ]


def _messages_that_are_notes(session: Session, rows: list[Row]) -> set[int]:
    """Of the messages files were added to, those that are internal notes (a file on a note is a note)."""
    ids = {
        int(data["message_id"]) for _, kind, _, _, data in rows if kind == "attachment.added" and data.get("message_id")
    }
    if not ids:
        return set()
    notes = session.exec(select(Message.id).where(col(Message.id).in_(ids), col(Message.internal)))
    return {int(message_id) for message_id in notes if message_id is not None}


def latest_event_id() -> int:
    with read_session() as session:
        return int(session.exec(select(func.max(EventRecord.id))).one() or 0)


# ---- ringing the readers -------------------------------------------------------------------------------------

_local_readers: list[Callable[[], None]] = []
_local_lock = threading.Lock()
_redis_clients: dict[str, object] = {}


def on_commit(ring: Callable[[], None]) -> Callable[[], None]:
    """Calls `ring` (from whatever thread committed) after each commit in this process that emitted events.
    Returns the function that stops it."""
    with _local_lock:
        _local_readers.append(ring)

    def stop() -> None:
        with _local_lock:
            if ring in _local_readers:
                _local_readers.remove(ring)

    return stop


def committed() -> None:
    """A transaction that emitted events committed: ring this process's readers and, through Redis, the
    others'. Never raises: the poll finds the events anyway."""
    with _local_lock:
        rings = list(_local_readers)
    for ring in rings:
        try:
            ring()
        except Exception:  # a reader whose loop has closed; it unregisters when its task ends
            log.debug("A live-feed reader could not be rung", exc_info=True)
    url = get_settings().redis_url
    if not url:
        doorbell.ring(DOORBELL)
        return
    try:
        client = _redis_clients.get(url)
        if client is None:
            import redis

            client = _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        client.publish(CHANNEL, b"1")  # type: ignore[attr-defined]
    except Exception as exc:
        log.warning("Could not publish a live-feed ring to Redis: %s", exc)
