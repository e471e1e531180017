"""Wake-ups between the processes that share one data folder, for when no Redis carries them.

The embedded default runs more than one process on one SQLite file: `autocrm serve`'s backend and its worker
child, or the REST API served alone beside an `autocrm worker`. A commit in one should wake the others at
once, not at their next poll. Each process that listens on a channel binds a UDP socket on loopback and
leaves its port as an empty file `<data folder>/run/<channel>/<pid>-<port>`; ringing sends one datagram to
every port listed there. A datagram carries nothing but "look now": a lost one, a stranger's one or a stale
port cost at most one poll or one needless look, so the table rows stay the only record of work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)

_LOOPBACK = "127.0.0.1"
_lock = threading.Lock()
_listing: dict[Path, tuple[int, list[tuple[int, int]]]] = {}  # folder -> (mtime_ns when read, (pid, port)s)
_sender: socket.socket | None = None


def _folder(channel: str) -> Path:
    return get_settings().resolved_data_dir / "run" / channel


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ports(folder: Path) -> list[tuple[int, int]]:
    """The (pid, port)s listening in `folder`, re-read only when the folder changed (a listener came or went)."""
    try:
        changed = folder.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    cached = _listing.get(folder)
    if cached is not None and cached[0] == changed:
        return cached[1]
    ports = []
    for entry in os.listdir(folder):
        pid, _, port = entry.partition("-")
        if pid.isdigit() and port.isdigit():
            ports.append((int(pid), int(port)))
    _listing[folder] = (changed, ports)
    return ports


def ring(channel: str) -> None:
    """Wakes every other process listening on `channel` (this one rings its own listeners directly). Never
    raises."""
    global _sender
    try:
        with _lock:
            ports = _ports(_folder(channel))
            if not ports:
                return
            if _sender is None:
                _sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                _sender.setblocking(False)
            me = os.getpid()
            for pid, port in ports:
                if pid == me:
                    continue
                with contextlib.suppress(OSError):  # a listener that just went away
                    _sender.sendto(b"1", (_LOOPBACK, port))
    except OSError as exc:
        log.debug("Could not ring %s: %s", channel, exc)


def listen(channel: str, on_ring: Callable[[], None]) -> Callable[[], None]:
    """Calls `on_ring` (from a daemon thread) whenever some process rings `channel`, until the returned
    function is called. Leaves no entry behind on a clean stop; a killed process's entry is dropped by the
    next listener that starts."""
    folder = _folder(channel)
    folder.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(folder):
        pid = name.partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((_LOOPBACK, 0))
    sock.settimeout(1.0)
    entry = folder / f"{os.getpid()}-{sock.getsockname()[1]}"
    entry.touch()
    stopped = threading.Event()

    def serve() -> None:
        try:
            while not stopped.is_set():
                try:
                    sock.recv(16)
                except TimeoutError:
                    continue
                except OSError:
                    return
                try:
                    on_ring()
                except Exception:  # the listener's own business; the next ring tries again
                    log.debug("A doorbell listener on %s failed", channel, exc_info=True)
        finally:
            sock.close()

    threading.Thread(target=serve, name=f"autocrm-doorbell-{channel}", daemon=True).start()

    def stop() -> None:
        stopped.set()
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()

    return stop
