"""Wake-ups for idle workers. The job table is the record; a wake-up only shortens the wait for the next poll.

In-process (the embedded default's `autocrm serve` consumer and tests) a threading.Event; other processes find
the work at their next poll (`AUTOCRM_JOB_POLL_SECONDS`).
"""

from __future__ import annotations

import threading

_wake = threading.Event()


def notify() -> None:
    _wake.set()


def wait(timeout: float) -> bool:
    """Sleeps until woken or `timeout` seconds pass; True if woken."""
    woken = _wake.wait(timeout)
    _wake.clear()
    return woken
