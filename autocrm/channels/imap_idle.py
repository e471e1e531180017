"""IMAP IDLE: new mail becomes a ticket seconds after it arrives, not at the next minute's poll.

Every `autocrm worker` runs a watcher, but only one process of the desk watches at a time: the one holding the
desk-wide lock (a Redis key when `AUTOCRM_REDIS_URL` is set, else a file lock in the data dir). It keeps an
IDLE connection open to each enabled mailbox whose server offers IDLE, and when the server announces new
mail (`* N EXISTS`) it runs that mailbox's poll at once. The poll is the same one the `email.poll` job runs
every minute, so IDLE only makes mail quicker: mail is written, and the server told, the same way, and a
message announced while a watcher was away is still fetched by the next poll.
"""

from __future__ import annotations

import contextlib
import fcntl
import imaplib
import logging
import os
import select
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from autocrm.core.settings import get_settings
from autocrm.services.email import mailboxes

log = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0  # how often the watcher looks for mailboxes added, changed or turned off
IDLE_SECONDS = 9 * 60.0  # IDLE is renewed well inside the 29 minutes RFC 2177 lets a server wait
RETRY_SECONDS = 60.0  # after a connection failed
NO_IDLE_RECHECK_SECONDS = 3600.0  # a server without IDLE is asked again after this (it may have been upgraded)
_LOCK_KEY = "autocrm:imap-idle"
_LOCK_MS = int(REFRESH_SECONDS * 3 * 1000)


class _DeskLock(Protocol):
    def hold(self) -> bool: ...
    def release(self) -> None: ...


class _RedisLock:
    """A key with a lease, renewed at every refresh: a killed watcher's lease runs out and another takes over."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(url)
        self._token = uuid.uuid4().hex

    def hold(self) -> bool:
        if self._redis.set(_LOCK_KEY, self._token, nx=True, px=_LOCK_MS):
            return True
        if self._redis.get(_LOCK_KEY) == self._token.encode():
            self._redis.pexpire(_LOCK_KEY, _LOCK_MS)
            return True
        return False

    def release(self) -> None:
        if self._redis.get(_LOCK_KEY) == self._token.encode():
            self._redis.delete(_LOCK_KEY)


class _FileLock:
    """The embedded default: workers on this machine share the data dir; the kernel frees a dead one's lock."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def hold(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def desk_lock() -> _DeskLock:
    settings = get_settings()
    if settings.redis_url:
        return _RedisLock(settings.redis_url)
    return _FileLock(settings.resolved_data_dir / "imap-idle.lock")


def offers_idle(client: imaplib.IMAP4) -> bool:
    status, data = client.capability()
    return status == "OK" and bool(data) and b"IDLE" in (data[0] or b"").upper().split()


def _readable(sock: Any, timeout: float) -> bool:
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True  # decrypted bytes already waiting: select() would not see them
    return bool(select.select([sock], [], [], timeout)[0])


def _announces_mail(line: bytes) -> bool:
    words = line.upper().split()
    return len(words) >= 3 and words[0] == b"*" and words[2] in (b"EXISTS", b"RECENT")


def wait_for_mail(client: imaplib.IMAP4, stop: threading.Event, *, seconds: float = IDLE_SECONDS) -> bool:
    """Sends IDLE and waits (up to `seconds`, or until `stop`) for the server to announce new mail; ends the
    IDLE with DONE either way. True when new mail was announced."""
    tag = b"ACIDLE" + uuid.uuid4().hex[:6].upper().encode()
    client.send(tag + b" IDLE\r\n")
    answer = client.readline()
    if not answer.startswith(b"+"):
        raise imaplib.IMAP4.error("the server refused IDLE")
    announced = False
    deadline = time.monotonic() + seconds
    sock = client.socket()
    while not announced and not stop.is_set() and time.monotonic() < deadline:
        if _readable(sock, 1.0):
            line = client.readline()
            if not line:
                raise OSError("the server closed the connection")
            announced = _announces_mail(line)
    client.send(b"DONE\r\n")
    while True:
        line = client.readline()
        if not line:
            raise OSError("the server closed the connection")
        if line.startswith(tag + b" "):
            return announced
        announced = announced or _announces_mail(line)


def watch_mailbox(
    mailbox_id: int, stop: threading.Event, *, poll: Callable[[int], object] = mailboxes.poll_mailbox
) -> bool:
    """Keeps an IDLE connection to the mailbox and polls it whenever the server announces mail, until `stop`.
    Returns False at once for a server without IDLE (the scheduled poll serves it)."""
    while not stop.is_set():
        try:
            with mailboxes.connected_mailbox(mailbox_id) as client:
                if not offers_idle(client):
                    log.info("Mailbox %s: the server offers no IDLE; the minute's poll reads it", mailbox_id)
                    return False
                while not stop.is_set():
                    if wait_for_mail(client, stop):
                        poll(mailbox_id)
        except (mailboxes.MailboxError, imaplib.IMAP4.error, OSError) as exc:
            # Only the error's type: a server's message may carry the account's name.
            log.warning("Mailbox %s: IDLE stopped (%s); trying again later", mailbox_id, type(exc).__name__)
            stop.wait(RETRY_SECONDS)
    return True


class IdleWatcher:
    """The watchers of this process: one thread per enabled mailbox while this process holds the desk lock."""

    def __init__(self, lock: _DeskLock | None = None, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._lock = lock or desk_lock()
        self._refresh = refresh_seconds
        self._threads: dict[int, tuple[threading.Thread, threading.Event]] = {}
        self._without_idle: dict[int, float] = {}  # mailbox id -> when to ask its server again

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="imap-idle", daemon=True)
        thread.start()
        return thread

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    wanted = set(mailboxes.enabled_mailbox_ids()) if self._lock.hold() else set()
                except Exception:  # the database or Redis away for a moment must not end the worker
                    log.exception("The IMAP IDLE watcher could not look up its mailboxes; trying again")
                    wanted = set(self._threads)
                self._follow(wanted)
                stop.wait(self._refresh)
        finally:
            self._follow(set())
            with contextlib.suppress(Exception):
                self._lock.release()

    def _follow(self, wanted: set[int]) -> None:
        for mailbox_id in list(self._threads):
            thread, ended = self._threads[mailbox_id]
            if mailbox_id not in wanted or not thread.is_alive():
                ended.set()
                del self._threads[mailbox_id]
        now = time.monotonic()
        for mailbox_id in wanted - set(self._threads):
            if self._without_idle.get(mailbox_id, 0.0) > now:
                continue
            ended = threading.Event()
            thread = threading.Thread(
                target=self._watch, args=(mailbox_id, ended), name=f"imap-idle-{mailbox_id}", daemon=True
            )
            thread.start()
            self._threads[mailbox_id] = (thread, ended)

    def _watch(self, mailbox_id: int, ended: threading.Event) -> None:
        if not watch_mailbox(mailbox_id, ended):
            self._without_idle[mailbox_id] = time.monotonic() + NO_IDLE_RECHECK_SECONDS

    @property
    def watching(self) -> list[int]:
        return sorted(mailbox_id for mailbox_id, (thread, _) in self._threads.items() if thread.is_alive())
