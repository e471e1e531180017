"""Issue 14: 1,000 events with real `autocrm worker` processes killed with SIGKILL at random moments and
restarted: every event's job is done and delivered at least once, none lost. On PostgreSQL two workers run at
once (SKIP LOCKED claims); on SQLite one (its single writer)."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import col, func, select

from autocrm.core.db import read_session, write_session
from autocrm.events import listeners
from autocrm.events.listeners import Listener
from autocrm.models import Job, JobStatus
from autocrm.services import events
from autocrm.services.actor import Actor
from tests.events.recording import LISTENER, deliveries, record_delivery

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 1000
BATCH = 100


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "tests.events.recording", "test.kill"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _count(*, done: bool) -> int:
    status = col(Job.status) == JobStatus.done if done else col(Job.status) != JobStatus.done
    with read_session() as s:
        return s.exec(select(func.count()).select_from(Job).where(Job.name == LISTENER, status)).one()


def _wait_for(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_sigkilled_workers_lose_no_job(db_url, tmp_path, monkeypatch):
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.kill", [Listener(LISTENER, record_delivery)])
    env = {
        **os.environ,
        "AUTOCRM_DATABASE_URL": db_url,
        "AUTOCRM_DATA_DIR": str(tmp_path / "data"),
        "AUTOCRM_SECRET_KEY": "test-secret-key",
        "AUTOCRM_JOB_LEASE_SECONDS": "2",
        "AUTOCRM_JOB_POLL_SECONDS": "0.05",
        "AUTOCRM_JOB_MAX_ATTEMPTS": "1000",
        "AUTOCRM_REDIS_URL": "",
    }
    env.pop("AUTOCRM_REDIS_URL")
    rng = random.Random(14)  # noqa: S311 (test randomness, seeded for a reproducible run)
    workers = [_start(env) for _ in range(2 if db_url.startswith("postgresql") else 1)]
    kills = 0
    try:
        for batch in range(EVENTS // BATCH):
            with write_session() as s:
                for n in range(BATCH):
                    events.emit(s, "test.kill", actor=Actor.system("kill-test"), data={"n": batch * BATCH + n})
            # Kill in the middle of the work: once a random share of this batch is done, with jobs leased.
            target = batch * BATCH + rng.randrange(1, BATCH)
            _wait_for(lambda target=target: _count(done=True) >= target, 20)
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = _start(env)
        _wait_for(lambda: _count(done=False) == 0, 60)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()

    with read_session() as s:
        jobs = list(s.exec(select(Job).where(Job.name == LISTENER)))
        delivered = deliveries(s)
    assert kills == EVENTS // BATCH
    assert len(jobs) == EVENTS
    assert {job.status for job in jobs} == {JobStatus.done}
    assert any(job.attempts > 1 for job in jobs)  # the kills did catch jobs in flight
    assert set(delivered) == {job.event_id for job in jobs}  # every event delivered, none lost
    assert all(count >= 1 for count in delivered.values())


def test_worker_once_runs_the_due_jobs_and_exits(db_url, tmp_path, monkeypatch):
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.once", [Listener(LISTENER, record_delivery)])
    with write_session() as s:
        for _ in range(3):
            events.emit(s, "test.once", actor=Actor.system())
    env = {**os.environ, "AUTOCRM_DATABASE_URL": db_url, "AUTOCRM_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "tests.events.recording", "test.once", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "ran 3 jobs" in done.stdout
    with read_session() as s:
        assert sorted(deliveries(s).values()) == [1, 1, 1]
