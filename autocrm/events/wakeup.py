"""Wake-ups for idle workers. The job table is the record: a wake-up only cuts the wait for the next poll
(`AUTOCRM_JOB_POLL_SECONDS`), and a lost one costs at most that wait.

In one process a threading.Event. With `AUTOCRM_REDIS_URL` set, a commit that added jobs also publishes on a
Redis channel and every worker process listens on it (one subscription per process); without Redis, it rings
the other processes of the same data folder through `core.doorbell` (the embedded default's worker child).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from autocrm.core import doorbell
from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "autocrm:jobs"
DOORBELL = "jobs"
_wake = threading.Event()
_clients: dict[str, Any] = {}


def _redis(url: str) -> Any:
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return client


def notify() -> None:
    _wake.set()
    url = get_settings().redis_url
    if not url:
        doorbell.ring(DOORBELL)
        return
    try:
        _redis(url).publish(CHANNEL, b"1")
    except Exception as exc:  # a wake-up is an optimisation: the workers' poll finds the job anyway
        log.warning("Could not publish a job wake-up to Redis: %s", exc)


def wake_here() -> None:
    """Wakes this process's idle loop (it is stopping, say) without telling any other process."""
    _wake.set()


def wait(timeout: float) -> bool:
    """Sleeps until woken or `timeout` seconds pass; True if woken."""
    woken = _wake.wait(timeout)
    _wake.clear()
    return woken


def listen_for_remote_wakeups(stop: threading.Event) -> None:
    """A daemon thread that turns other processes' wake-ups (through Redis when configured, else the data
    folder's doorbell) into local ones until `stop`."""
    url = get_settings().redis_url
    if not url:
        stop_listening = doorbell.listen(DOORBELL, _wake.set)
        threading.Thread(target=lambda: (stop.wait(), stop_listening()), daemon=True).start()
        return

    def listen() -> None:
        while not stop.is_set():
            try:
                pubsub = _redis(url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                while not stop.is_set():
                    if pubsub.get_message(timeout=1.0) is not None:
                        _wake.set()
            except Exception as exc:  # Redis away: polling carries on, and we subscribe again
                log.warning("Job wake-ups from Redis paused: %s", exc)
                stop.wait(5)

    threading.Thread(target=listen, name="autocrm-job-wakeups", daemon=True).start()
