"""Presence on tickets ("Ana Lopez is viewing", "… is replying") and the handling time it adds up to.

A staff member's ticket page beats every third of `AUTOCRM_PRESENCE_TTL_SECONDS` with what its tab is doing:
`viewing`, `replying` (the composer has focus or was typed in recently) or `away` (the tab is hidden, or nobody
touched it for five minutes: still viewing for the others, but not working). The entries live in `core/presence.py` (this process's memory, or
Redis in scale-out) and lapse by themselves; `beat` says whether the ticket's presence changed, and only then
do screens get a push. Only staff mark or read presence, and only their id and name are kept: never an e-mail,
and customers' screens never ask.

**Handling time.** The time between two beats of one tab counts as work on the ticket when the first said
`viewing` or `replying` (at most one time-to-live, so a tab that stopped beating adds nothing). Each process
adds it up in memory per person and ticket and `flush_work` writes the stretches as `ticket_work` rows, one
transaction and one audit entry per batch (the live task calls it every `AUTOCRM_PRESENCE_FLUSH_SECONDS` and as
it stops): a heartbeat never writes, and a killed process loses at most one batch's unwritten seconds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import col, select

from autocrm.core import presence as presence_store
from autocrm.core.db import write_session
from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.models import Ticket, TicketWork, User
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied, field_error
from autocrm.services.inputs import is_valid_id

VIEWING, REPLYING, AWAY = "viewing", "replying", "away"
BEATS = (VIEWING, REPLYING, AWAY)
MAX_TICKETS_PER_READ = 500


class PresencePerson(BaseModel):
    """Someone on a ticket as other staff see them: id, name and what they are doing, nothing more."""

    user_id: int
    name: str
    activity: str  # "viewing" or "replying"


def ttl_seconds() -> float:
    return get_settings().presence_ttl_seconds


def beat_seconds() -> float:
    """How often a tab beats: three beats per time-to-live, so one lost beat never makes anyone vanish."""
    return max(0.5, ttl_seconds() / 3)


def _tab_id(tab: str) -> str:
    """The tab's key in the store: a digest, so the store never holds a tab's own token."""
    return hashlib.sha256(tab.encode()).hexdigest()[:16]


def _require_person(actor: Actor) -> int:
    actor.require_staff()
    if actor.user_id is None:
        raise PermissionDenied(t("Only a signed-in agent or admin is present on a ticket."))
    return actor.user_id


def _check_ticket(ticket_id: int) -> None:
    if not is_valid_id(ticket_id):
        raise field_error("ticket_id", t("Give a ticket id."))


def beat(
    *, actor: Actor, ticket_id: int, activity: str, tab: str, name: str | None = None, now: float | None = None
) -> bool:
    """This person's tab is on the ticket, doing `activity`; True when what others see of the ticket changed."""
    user_id = _require_person(actor)
    _check_ticket(ticket_id)
    if activity not in BEATS:
        raise field_error("activity", t("Presence is viewing, replying or away."))
    if not tab:
        raise field_error("tab", t("A heartbeat names its tab."))
    now = time.time() if now is None else now
    shown = REPLYING if activity == REPLYING else VIEWING
    entry = presence_store.Entry(
        ticket_id=ticket_id, user_id=user_id, name=(name or actor.name or "")[:200], activity=shown, tab=_tab_id(tab)
    )
    _WORK.beat(user_id, ticket_id, entry.tab, working=activity != AWAY, now=now)
    return presence_store.store().beat(entry, ttl=ttl_seconds(), now=now)


def leave(*, actor: Actor, ticket_id: int, tab: str, now: float | None = None) -> bool:
    """The tab left the ticket (another page, the ticket closed in it); True when it had been shown there."""
    user_id = _require_person(actor)
    _check_ticket(ticket_id)
    _WORK.stop(user_id, ticket_id, _tab_id(tab), now=time.time() if now is None else now)
    return presence_store.store().leave(ticket_id, user_id, _tab_id(tab))


def on_tickets(*, actor: Actor, ticket_ids: list[int], now: float | None = None) -> dict[int, list[PresencePerson]]:
    """Who is on each of these tickets (tickets nobody is on left out): one person once, replying if any of
    their tabs is, by name. Staff only; the reader's own tabs included (pages leave themselves out)."""
    actor.require_staff()
    wanted = [tid for tid in dict.fromkeys(ticket_ids) if is_valid_id(tid)][:MAX_TICKETS_PER_READ]
    return people_on(wanted, now=now)


def people_on(ticket_ids: list[int], *, now: float | None = None) -> dict[int, list[PresencePerson]]:
    """`on_tickets` without the role check, for the live screens' own loop (which pushes only to staff tabs)."""
    found = presence_store.store().on_tickets(ticket_ids, now=now)
    result: dict[int, list[PresencePerson]] = {}
    for ticket_id, entries in found.items():
        people: dict[int, PresencePerson] = {}
        for entry in entries:
            known = people.get(entry.user_id)
            if known is None or (entry.activity == REPLYING and known.activity != REPLYING):
                people[entry.user_id] = PresencePerson(user_id=entry.user_id, name=entry.name, activity=entry.activity)
        result[ticket_id] = sorted(people.values(), key=lambda p: (p.name.lower(), p.user_id))
    return result


# ---- handling time ---------------------------------------------------------------------------------------


@dataclass
class _Stretch:
    started: float
    seconds: float = 0.0


class _WorkTally:
    """The seconds this process's tabs worked, per person and ticket, until `flush_work` writes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[int, int, str], tuple[float, bool]] = {}  # (user, ticket, tab) -> last beat, working
        self._pending: dict[tuple[int, int], _Stretch] = {}

    def _count(self, key: tuple[int, int, str], now: float) -> None:
        last = self._last.get(key)
        if last is None or not last[1]:
            return
        seconds = min(max(0.0, now - last[0]), ttl_seconds())
        if seconds <= 0:
            return
        stretch = self._pending.setdefault((key[0], key[1]), _Stretch(started=last[0]))
        stretch.seconds += seconds

    def beat(self, user_id: int, ticket_id: int, tab: str, *, working: bool, now: float) -> None:
        key = (user_id, ticket_id, tab)
        with self._lock:
            self._count(key, now)
            self._last[key] = (now, working)

    def stop(self, user_id: int, ticket_id: int, tab: str, *, now: float) -> None:
        key = (user_id, ticket_id, tab)
        with self._lock:
            self._count(key, now)
            self._last.pop(key, None)

    def take(self, now: float) -> list[tuple[int, int, float, float]]:
        """The stretches gathered so far (user, ticket, started, seconds), and forget tabs that stopped beating."""
        with self._lock:
            taken = [(user, ticket, s.started, s.seconds) for (user, ticket), s in self._pending.items()]
            self._pending = {}
            lapse = ttl_seconds()
            self._last = {key: last for key, last in self._last.items() if now - last[0] <= lapse}
        return taken

    def give_back(self, stretches: list[tuple[int, int, float, float]]) -> None:
        with self._lock:
            for user, ticket, started, seconds in stretches:
                stretch = self._pending.setdefault((user, ticket), _Stretch(started=started))
                stretch.started = min(stretch.started, started)
                stretch.seconds += seconds


_WORK = _WorkTally()


def flush_work(*, now: float | None = None) -> int:
    """Writes the handling time gathered since the last flush as `ticket_work` rows (whole seconds; what is
    left of a second waits for more) in one transaction with one audit entry for the batch; returns the rows
    written. If the write fails (the database away), the seconds are kept for the next flush."""
    taken = _WORK.take(time.time() if now is None else now)
    whole = [(user, ticket, started, float(int(seconds))) for user, ticket, started, seconds in taken if seconds >= 1]
    _WORK.give_back(
        [(user, ticket, started, seconds % 1) for user, ticket, started, seconds in taken if seconds % 1 > 0]
    )
    if not whole:
        return 0
    try:
        with write_session() as session:
            # A ticket or person deleted meanwhile takes its seconds with it (they would fail the batch).
            tickets = {row[1] for row in whole}
            people = {row[0] for row in whole}
            known_tickets = set(session.exec(select(Ticket.id).where(col(Ticket.id).in_(tickets))))
            known_people = set(session.exec(select(User.id).where(col(User.id).in_(people))))
            whole = [row for row in whole if row[1] in known_tickets and row[0] in known_people]
            if not whole:
                return 0
            for user_id, ticket_id, started, seconds in whole:
                session.add(
                    TicketWork(
                        user_id=user_id,
                        ticket_id=ticket_id,
                        started_at=datetime.fromtimestamp(started, UTC),
                        seconds=int(seconds),
                    )
                )
            audit.record(
                session,
                actor=Actor.system("presence"),
                action="ticket_work.recorded",
                object_type="ticket_work",
                object_id=None,
                changes={"rows": (0, len(whole)), "seconds": (0, sum(int(row[3]) for row in whole))},
            )
    except Exception:
        _WORK.give_back(whole)
        raise
    return len(whole)


def left(*, user_id: int, ticket_id: int, tab: str) -> bool:
    """`leave` for the live screens, which know a staff tab left a ticket's page (another page, the tab
    closed) but hold no actor: the same as its own `leave`."""
    _WORK.stop(user_id, ticket_id, _tab_id(tab), now=time.time())
    return presence_store.store().leave(ticket_id, user_id, _tab_id(tab))
