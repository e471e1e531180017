"""Issue 14: with AUTOCRM_REDIS_URL set, a commit that adds jobs wakes workers in other processes through
Redis pub/sub; without it, workers in the same process are woken and the rest poll."""

import threading

import redis

from autocrm.core.db import write_session
from autocrm.core.settings import reset_settings
from autocrm.events import listeners, wakeup
from autocrm.services import events
from autocrm.services.actor import Actor
from tests.events.recording import LISTENER, record_delivery

REDIS = "redis://127.0.0.1:6379/15"


def test_a_wake_up_published_on_redis_wakes_a_listening_worker(monkeypatch):
    monkeypatch.setenv("AUTOCRM_REDIS_URL", REDIS)
    reset_settings()
    stop = threading.Event()
    try:
        wakeup.listen_for_remote_wakeups(stop)
        client = redis.Redis.from_url(REDIS)
        # Published by another process's commit; repeated until the subscription is in place.
        woken = False
        for _ in range(50):
            client.publish(wakeup.CHANNEL, b"1")
            if wakeup.wait(0.1):
                woken = True
                break
        assert woken
    finally:
        stop.set()
        reset_settings()


def test_a_commit_that_adds_jobs_wakes_this_process_and_a_rollback_does_not(db_url, monkeypatch):
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.wake", [(LISTENER, record_delivery)])
    wakeup.wait(0)  # forget earlier wake-ups
    try:
        with write_session() as s:
            events.emit(s, "test.wake", actor=Actor.system())
            raise LookupError
    except LookupError:
        pass
    assert not wakeup.wait(0)
    with write_session() as s:
        events.emit(s, "test.wake", actor=Actor.system())
    assert wakeup.wait(0)
