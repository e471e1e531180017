"""Live screens: a ticket change from any source (an agent, the customer, the API, a job, another process)
reaches the pages that show it, without a reload.

One task per backend process (`follow_the_feed`, a Reflex lifespan task) reads the committed ticket changes
from the outbox (`autocrm.events.feed`) and, for each tab on this process whose page shows something a change
touched, refreshes that page's state through `app.modify_state`; Reflex sends the tab the difference. So there
is one feed reader and at most one Redis subscription per process, however many tabs are open, and a tab's page
state is what it would load itself: the same services, the same role checks, the same customer shapes.

Pages take part by calling `watch(...)` in their on_load and by implementing `_live_refresh(batch)`. A tab
watches one page at a time (its latest on_load); a tab that closed or moved to a page that does not watch
drops out at the next push.

Who is told about what (`Watch.wants`): staff pages hear every ticket change (the sidebar's counts may move);
a customer's pages hear only changes to their own tickets, never an internal note or a file on one (the
refresh itself reads the customer shapes, which hold no notes, so nothing leaks even if a change slipped by).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import reflex as rx

from autocrm.core import doorbell, i18n
from autocrm.core import presence as presence_store
from autocrm.core.db import read_session
from autocrm.core.settings import get_settings
from autocrm.events import feed
from autocrm.events.feed import Change
from autocrm.models import User
from autocrm.services import auth, presence

log = logging.getLogger(__name__)

# Tabs refreshed at once: enough to overlap Redis round trips, few enough not to starve the tabs' own events.
PUSH_CONCURRENCY = 32
T = TypeVar("T")


@dataclass(frozen=True)
class Watch:
    """What one tab's page shows, as far as deciding which changes concern it."""

    state: type[rx.State]
    path: str
    user_id: int
    staff: bool
    ticket_id: int | None = None  # a ticket page's ticket; None for a list

    def wants(self, change: Change) -> bool:
        if self.staff:
            return True
        return (
            change.requester_id == self.user_id
            and not change.internal
            and (self.ticket_id is None or change.ticket_id == self.ticket_id)
        )


@dataclass
class Batch:
    """The changes of one push, and what tabs refreshing for them share: a refresh asks `shared` for a
    result by a key (who is asking and what they show), so two hundred tabs of one view read it once."""

    changes: list[Change]
    _memo: dict[Hashable, Any] = field(default_factory=dict)

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        # What a refresh computes holds words and times: tabs share it only within one language and zone.
        key = (key, i18n.get_locale(), i18n.get_time_zone())
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def user(self, session_token: str) -> User | None:
        """The session's user, checked again for this push (a revoked session gets nothing more)."""

        def look_up() -> User | None:
            with read_session() as session:
                return auth.user_for_session_token(session, session_token or None)

        return self.shared(("user", session_token), look_up)

    def ticket_ids(self, *, not_by: int | None = None) -> set[int]:
        return {c.ticket_id for c in self.changes if not_by is None or c.actor_user_id != not_by}


class LivePage(Protocol):
    def _live_refresh(self, batch: Batch) -> None: ...


class PresencePage(Protocol):
    def _presence_refresh(self, found: dict[int, list[presence.PresencePerson]]) -> None: ...


WATCHES: dict[str, Watch] = {}  # client token -> its tab's page
# Client token -> the tickets a staff list page shows (the queue's rows), whose presence it badges.
SHOWN: dict[str, frozenset[int]] = {}


def watch(state: rx.State, *, user_id: int, staff: bool, ticket_id: int | None = None) -> None:
    """Called by a page's on_load: this tab shows `state`'s page for the user from now on (a tab that was on
    another ticket's page has left it: its presence there goes at once)."""
    token = state.router.session.client_token
    if token:
        before = WATCHES.get(token)
        WATCHES[token] = Watch(
            state=type(state), path=_route_of(state), user_id=user_id, staff=staff, ticket_id=ticket_id
        )
        if before is None or before.state is not type(state):
            SHOWN.pop(token, None)
        if before is not None and before.ticket_id is not None and before.ticket_id != ticket_id:
            _left(token, before)


def shows(state: rx.State, ticket_ids: list[int]) -> None:
    """A staff list page (after `watch`) shows these tickets: their presence reaches it live."""
    token = state.router.session.client_token
    if token:
        SHOWN[token] = frozenset(ticket_ids)


def _left(token: str, w: Watch) -> None:
    if w.staff and w.ticket_id is not None:
        try:
            presence.left(user_id=w.user_id, ticket_id=w.ticket_id, tab=token)
        except Exception:  # Redis away: the entry lapses by itself
            log.warning("Could not drop a tab's presence", exc_info=True)


def _route_of(state: rx.State) -> str:
    return (state.router.url.path or "").rstrip("/")


async def follow_the_feed(app: rx.App) -> None:
    """The lifespan task: read the feed when rung (or every `AUTOCRM_LIVE_POLL_SECONDS`) and push to the tabs here."""
    poll_seconds = get_settings().live_poll_seconds
    loop = asyncio.get_running_loop()
    rung = asyncio.Event()

    def ring() -> None:
        loop.call_soon_threadsafe(rung.set)

    stop_ringing = feed.on_commit(ring)
    redis_url = get_settings().redis_url
    listener = asyncio.create_task(_rings_from_redis(rung)) if redis_url else None
    stop_doorbell = None if redis_url else doorbell.listen(feed.DOORBELL, ring)
    try:
        tail = await asyncio.to_thread(feed.OutboxTail)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rung.wait(), timeout=poll_seconds)
            rung.clear()
            try:
                changes = await asyncio.to_thread(tail.read)
                if changes:
                    await push(app, changes)
            except Exception:  # the database away for a moment must not end live updates for good
                log.exception("Live updates could not read or push the latest changes; trying again")
                await asyncio.sleep(poll_seconds)
    finally:
        stop_ringing()
        if listener is not None:
            listener.cancel()
        if stop_doorbell is not None:
            stop_doorbell()


async def _rings_from_redis(rung: asyncio.Event, channel: str = feed.CHANNEL) -> None:
    """This process's one subscription to the rings of commits (or presence) in other processes."""
    import redis.asyncio as aioredis

    url = get_settings().redis_url or ""
    while True:
        try:
            client = aioredis.Redis.from_url(url)
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                async for _message in pubsub.listen():
                    rung.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis away: the poll carries on, and we subscribe again
            log.warning("Live-update rings from Redis paused: %s", exc)
            await asyncio.sleep(2)


def tabs_here(app: rx.App) -> dict[str, Watch]:
    """The watching tabs whose socket is on this process; the others (closed, or on another worker, which
    pushes to them itself) are forgotten."""
    namespace = app.event_namespace
    if namespace is None:
        return {}
    # A private attribute of Reflex 0.10 (checked on upgrade): which process holds each tab's socket.
    tokens = namespace._token_manager
    here = {
        token: w
        for token, w in list(WATCHES.items())
        if (record := tokens.token_to_socket.get(token)) is not None and record.instance_id == tokens.instance_id
    }
    for token in WATCHES.keys() - here.keys():
        gone = WATCHES.pop(token, None)
        SHOWN.pop(token, None)
        if gone is not None and token not in tokens.token_to_socket:  # the tab closed (not moved to a worker)
            _left(token, gone)
    return here


async def push(app: rx.App, changes: list[Change]) -> int:
    """Refreshes every tab here that `changes` concern; returns how many were refreshed."""
    targets = [(token, w) for token, w in tabs_here(app).items() if any(w.wants(c) for c in changes)]
    if not targets:
        return 0
    batch = Batch(changes)
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def refresh(token: str, w: Watch) -> None:
        async with gate, app.modify_state(rx.BaseStateToken(ident=token, cls=w.state)) as root:
            page = await root.get_state(w.state)
            route = _route_of(page)
            if route and route != w.path:  # the tab moved on without a watching page's on_load
                if WATCHES.get(token) is w:
                    WATCHES.pop(token, None)
                return
            page_changes = [c for c in changes if w.wants(c)]
            page_batch = batch if len(page_changes) == len(changes) else Batch(page_changes, batch._memo)
            live_page: LivePage = page  # type: ignore[assignment]  # every watching page implements it
            # This task is no tab's event: the refresh speaks the tab's language, in its reader's zone.
            tab: Any = page
            with i18n.using_locale(tab.locale or None), i18n.using_time_zone(tab.user.get("time_zone") or None):
                live_page._live_refresh(page_batch)

    results = await asyncio.gather(*(refresh(token, w) for token, w in targets), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.warning("A live update could not reach one tab: %r", result)
    return len(targets)


# ---- presence ------------------------------------------------------------------------------------------------


def _presence_tickets(token: str, w: Watch) -> frozenset[int]:
    """The tickets whose presence a staff tab shows: its ticket page's, or its list's rows."""
    if not w.staff:
        return frozenset()
    if w.ticket_id is not None:
        return frozenset({w.ticket_id})
    return SHOWN.get(token, frozenset())


Seen = dict[int, tuple[tuple[int, str, str], ...]]


async def push_presence(app: rx.App, seen: Seen) -> tuple[Seen, int]:
    """Reads the presence of the tickets the staff tabs here show (one read for all of them) and refreshes
    the tabs whose tickets' presence differs from `seen`; returns what it saw and how many tabs it refreshed.
    A heartbeat that changed nothing therefore pushes nothing, and a lapsed entry shows within one poll."""
    interest = {token: (w, tickets) for token, w in tabs_here(app).items() if (tickets := _presence_tickets(token, w))}
    wanted = sorted(set().union(*(tickets for _, tickets in interest.values()))) if interest else []
    found = await asyncio.to_thread(presence.people_on, wanted) if wanted else {}
    now_seen: Seen = {
        tid: tuple((p.user_id, p.name, p.activity) for p in found.get(tid, [])) for tid in wanted if tid in found
    }
    changed = {tid for tid in wanted if now_seen.get(tid, ()) != seen.get(tid, ())}
    targets = [(token, w, tickets) for token, (w, tickets) in interest.items() if tickets & changed]
    if not targets:
        return now_seen, 0
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def refresh(token: str, w: Watch, tickets: frozenset[int]) -> None:
        async with gate, app.modify_state(rx.BaseStateToken(ident=token, cls=w.state)) as root:
            page = await root.get_state(w.state)
            route = _route_of(page)
            if route and route != w.path:
                if WATCHES.get(token) is w:
                    WATCHES.pop(token, None)
                    SHOWN.pop(token, None)
                    _left(token, w)
                return
            presence_page: PresencePage = page  # type: ignore[assignment]  # every watching staff page has it
            tab: Any = page
            with i18n.using_locale(tab.locale or None):
                presence_page._presence_refresh({tid: found.get(tid, []) for tid in tickets})

    results = await asyncio.gather(*(refresh(*target) for target in targets), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            log.warning("A presence update could not reach one tab: %r", result)
    return now_seen, len(targets)


async def follow_presence(app: rx.App) -> None:
    """The lifespan task of presence: look again when a heartbeat changed something (here, or in another
    process through Redis) and every `AUTOCRM_PRESENCE_POLL_SECONDS` (lapsed entries ring nobody), push what
    changed, and write the gathered handling time every `AUTOCRM_PRESENCE_FLUSH_SECONDS` and on the way out."""
    settings = get_settings()
    loop = asyncio.get_running_loop()
    rung = asyncio.Event()

    def ring() -> None:
        loop.call_soon_threadsafe(rung.set)

    stop_ringing = presence_store.on_change(ring)
    listener = asyncio.create_task(_rings_from_redis(rung, presence_store.CHANNEL)) if settings.redis_url else None
    seen: Seen = {}
    flush_at = time.monotonic() + settings.presence_flush_seconds
    try:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rung.wait(), timeout=settings.presence_poll_seconds)
            rung.clear()
            try:
                seen, _ = await push_presence(app, seen)
            except Exception:  # Redis away for a moment must not end presence for good
                log.exception("Presence could not be read or pushed; trying again")
                await asyncio.sleep(settings.presence_poll_seconds)
            if time.monotonic() >= flush_at:
                flush_at = time.monotonic() + settings.presence_flush_seconds
                try:
                    await asyncio.to_thread(presence.flush_work)
                except Exception:  # the seconds stay in the tally for the next flush
                    log.warning("Handling time could not be written; keeping it for the next try", exc_info=True)
    finally:
        stop_ringing()
        if listener is not None:
            listener.cancel()
        with contextlib.suppress(Exception):
            presence.flush_work()
