"""Where presence lives ("Ana is viewing ticket 12"): short-lived entries, one per staff tab on a ticket, each
gone `ttl` seconds after its last heartbeat, so a closed tab or a killed process disappears by itself.

Two stores behind one interface, chosen like the other scale-out parts by `AUTOCRM_REDIS_URL`:
- `MemoryStore`: a dict in this process (the embedded default: one backend process serves every tab);
- `RedisStore`: a hash per ticket (`autocrm:presence:<ticket>`, a field per tab holding its name, activity and
  the instant it lapses), the key itself expiring a while after its last heartbeat, so every process of a
  scale-out desk reads the same presence.

A heartbeat that changes what a ticket shows (a new tab, another activity) rings the screens: callbacks in this
process (`on_change`) and, with Redis, a `PUBLISH` on `CHANNEL` for the other processes. Expiry rings nobody:
the live screens look for it every `AUTOCRM_PRESENCE_POLL_SECONDS`. Business rules (who may mark presence,
what it counts for) are `services/presence.py`'s; this module only keeps entries.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "autocrm:presence"
KEY_PREFIX = "autocrm:presence:"


@dataclass(frozen=True)
class Entry:
    """One tab's presence on a ticket."""

    ticket_id: int
    user_id: int
    name: str
    activity: str  # "viewing" or "replying"
    tab: str  # an opaque id of the tab (never shown)


class Store(Protocol):
    def beat(self, entry: Entry, *, ttl: float, now: float | None = None) -> bool:
        """Keeps `entry` for `ttl` seconds more; True when the ticket's presence changed (a new tab or a
        lapsed one back, another activity)."""
        ...

    def leave(self, ticket_id: int, user_id: int, tab: str) -> bool:
        """Drops the tab's entry; True when there was one."""
        ...

    def on_tickets(self, ticket_ids: Iterable[int], *, now: float | None = None) -> dict[int, list[Entry]]:
        """The live entries of these tickets (tickets with none left out)."""
        ...


# ---- rings ----------------------------------------------------------------------------------------------

_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def on_change(ring: Callable[[], None]) -> Callable[[], None]:
    """Calls `ring` (from whatever thread beat) when presence changed in this process; returns the stop."""
    with _listeners_lock:
        _listeners.append(ring)

    def stop() -> None:
        with _listeners_lock:
            if ring in _listeners:
                _listeners.remove(ring)

    return stop


def _ring_here() -> None:
    with _listeners_lock:
        rings = list(_listeners)
    for ring in rings:
        try:
            ring()
        except Exception:  # a listener whose loop has closed; it unregisters when its task ends
            log.debug("A presence listener could not be rung", exc_info=True)


# ---- the stores -----------------------------------------------------------------------------------------


class MemoryStore:
    def __init__(self) -> None:
        self._entries: dict[int, dict[tuple[int, str], tuple[Entry, float]]] = {}
        self._lock = threading.Lock()

    def beat(self, entry: Entry, *, ttl: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            tabs = self._entries.setdefault(entry.ticket_id, {})
            before = tabs.get((entry.user_id, entry.tab))
            tabs[(entry.user_id, entry.tab)] = (entry, now + ttl)
        changed = before is None or before[1] <= now or before[0].activity != entry.activity
        if changed:
            _ring_here()
        return changed

    def leave(self, ticket_id: int, user_id: int, tab: str) -> bool:
        with self._lock:
            tabs = self._entries.get(ticket_id, {})
            gone = tabs.pop((user_id, tab), None)
            if not tabs:
                self._entries.pop(ticket_id, None)
        if gone is not None:
            _ring_here()
        return gone is not None

    def on_tickets(self, ticket_ids: Iterable[int], *, now: float | None = None) -> dict[int, list[Entry]]:
        now = time.time() if now is None else now
        found: dict[int, list[Entry]] = {}
        with self._lock:
            for ticket_id in set(ticket_ids):
                tabs = self._entries.get(ticket_id)
                if not tabs:
                    continue
                for key in [key for key, (_, until) in tabs.items() if until <= now]:
                    del tabs[key]
                if tabs:
                    found[ticket_id] = [entry for entry, _ in tabs.values()]
                else:
                    del self._entries[ticket_id]
        return found


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    @staticmethod
    def _key(ticket_id: int) -> str:
        return f"{KEY_PREFIX}{int(ticket_id)}"

    @staticmethod
    def _field(user_id: int, tab: str) -> str:
        return f"{int(user_id)}:{tab}"

    def beat(self, entry: Entry, *, ttl: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        key, field = self._key(entry.ticket_id), self._field(entry.user_id, entry.tab)
        value = json.dumps({"name": entry.name, "activity": entry.activity, "until": now + ttl})
        pipe = self._redis.pipeline()
        pipe.hget(key, field)
        pipe.hset(key, field, value)
        pipe.pexpire(key, int(ttl * 2000))  # the whole hash goes once no tab beats on the ticket
        before_raw = pipe.execute()[0]
        before = _parse(before_raw)
        changed = before is None or before["until"] <= now or before["activity"] != entry.activity
        if changed:
            self._ring()
        return changed

    def leave(self, ticket_id: int, user_id: int, tab: str) -> bool:
        gone = bool(self._redis.hdel(self._key(ticket_id), self._field(user_id, tab)))
        if gone:
            self._ring()
        return gone

    def on_tickets(self, ticket_ids: Iterable[int], *, now: float | None = None) -> dict[int, list[Entry]]:
        now = time.time() if now is None else now
        ids = sorted(set(ticket_ids))
        if not ids:
            return {}
        pipe = self._redis.pipeline()
        for ticket_id in ids:
            pipe.hgetall(self._key(ticket_id))
        found: dict[int, list[Entry]] = {}
        stale: list[tuple[str, str]] = []
        for ticket_id, fields in zip(ids, pipe.execute(), strict=True):
            for raw_field, raw_value in (fields or {}).items():
                field = raw_field.decode() if isinstance(raw_field, bytes) else str(raw_field)
                value = _parse(raw_value)
                user, _, tab = field.partition(":")
                if value is None or not user.isdigit() or value["until"] <= now:
                    stale.append((self._key(ticket_id), field))
                    continue
                found.setdefault(ticket_id, []).append(
                    Entry(
                        ticket_id=ticket_id, user_id=int(user), name=value["name"], activity=value["activity"], tab=tab
                    )
                )
        if stale:
            cleanup = self._redis.pipeline()
            for key, field in stale:
                cleanup.hdel(key, field)
            cleanup.execute()
        return found

    def _ring(self) -> None:
        _ring_here()
        try:
            self._redis.publish(CHANNEL, b"1")
        except Exception as exc:  # the other processes' poll finds the change anyway
            log.warning("Could not publish a presence ring to Redis: %s", exc)


def _parse(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        return {"name": str(value["name"]), "activity": str(value["activity"]), "until": float(value["until"])}
    except (ValueError, KeyError, TypeError):
        return None


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store() -> Store:
    """This process's store: Redis with `AUTOCRM_REDIS_URL`, else memory (one per URL, made on first use)."""
    url = get_settings().redis_url or ""
    with _stores_lock:
        found = _stores.get(url)
        if found is None:
            found = _stores[url] = RedisStore(url) if url else MemoryStore()
        return found
