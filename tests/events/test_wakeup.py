"""Issue 14: with AUTOCRM_REDIS_URL set, a commit that adds jobs wakes workers in other processes through
Redis pub/sub; without it, workers in the same process are woken and the rest poll."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.events import listeners, wakeup
from autocrm.events.listeners import Listener
from autocrm.services import events
from autocrm.services.actor import Actor
from tests.events.recording import LISTENER, deliveries, record_delivery

REDIS = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]


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
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.wake", [Listener(LISTENER, record_delivery)])
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


@pytest.mark.parametrize(
    ("db_url", "redis_url"),
    [("postgresql", REDIS), ("sqlite", "")],  # scale-out through Redis; the embedded default's doorbell
    indirect=["db_url"],
    ids=["postgresql-redis", "sqlite-doorbell"],
)
def test_a_commit_in_one_process_wakes_an_idle_worker_in_another(db_url, redis_url, monkeypatch):
    """The worker polls only every 60 s: the job runs in well under that only if the commit's wake-up reaches
    the worker process (through Redis, or without it through the data folder's doorbell)."""
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.remote_wake", [Listener(LISTENER, record_delivery)])
    monkeypatch.setenv("AUTOCRM_REDIS_URL", redis_url)
    reset_settings()
    env = {
        **os.environ,
        "AUTOCRM_DATABASE_URL": db_url,
        "AUTOCRM_REDIS_URL": redis_url,
        "AUTOCRM_JOB_POLL_SECONDS": "60",
    }
    worker = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "tests.events.recording", "test.remote_wake"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stderr is not None
        assert "started" in worker.stderr.readline()  # its first poll is behind it once it says so
        time.sleep(1)  # and its subscription (or doorbell) is in place
        started = time.monotonic()
        with write_session() as s:
            events.emit(s, "test.remote_wake", actor=Actor.system())
        while time.monotonic() - started < 20:
            with read_session() as s:
                if deliveries(s):
                    break
            time.sleep(0.05)
        assert time.monotonic() - started < 20, "the worker was not woken"
    finally:
        worker.kill()
        worker.wait()
        reset_settings()
