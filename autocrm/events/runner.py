"""The job runner: after-commit listeners and scheduled jobs, in both modes, with the same code.

The `job` table is the record of work to do (no queue library holds the only copy of a job). A worker:

1. claims due rows in a short write transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers never
   claim the same row; on SQLite the single writer (BEGIN IMMEDIATE) serializes claims. A claim sets the row
   `running`, counts the attempt, stamps a fresh claim token and moves `due_at` to the end of the lease;
2. runs the handler in its own write transaction and, in that same transaction, marks the row done, but only
   if its claim token is still the one it took (a worker whose lease ran out and was re-claimed by another
   rolls its work back instead of finishing it twice);
3. on an exception rolls the handler back and sets the row `pending` again after an exponential backoff with
   jitter, or `failed` after the last attempt.

A worker killed at any moment (SIGKILL included) leaves its claimed rows `running` with a lease that runs out:
any worker claims them again then. So every job runs at least once, and handlers are idempotent.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from autocrm.core.db import read_session, stored_id, table_of, write_session
from autocrm.core.settings import get_settings
from autocrm.events import leases, listeners, schedule, wakeup, webhook_delivery
from autocrm.models import EventRecord, Job, JobStatus
from autocrm.models.base import utcnow
from autocrm.services.events import Event, running_listener

log = logging.getLogger(__name__)

_SCHEDULE_PREFIX = "schedule:"
_DUE = (JobStatus.pending, JobStatus.running)


@dataclass(frozen=True)
class Claimed:
    id: int
    name: str
    event_id: int | None
    attempts: int
    claim: str


class _LeaseLost(Exception):
    """Another worker re-claimed the job while this one ran it: this run's work must not commit."""


def backoff_seconds(attempts: int) -> float:
    """The wait before the next try after `attempts` failed ones: doubling from the base, capped, with jitter
    (a random half to all of it, so jobs that failed together do not come back together)."""
    settings = get_settings()
    delay = min(settings.job_retry_max_seconds, settings.job_retry_base_seconds * 2 ** max(attempts - 1, 0))
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not a secret)


def _due(now: datetime) -> ColumnElement[bool]:
    return col(Job.status).in_(_DUE) & (col(Job.due_at) <= now)


def ensure_scheduled() -> None:
    """Adds a row for every declared scheduled job that has none yet (due at once); leaves existing rows be."""
    rows = [
        {
            "key": _SCHEDULE_PREFIX + job.name,
            "name": job.name,
            "status": JobStatus.pending,
            "due_at": utcnow(),
            "attempts": 0,
            "created_at": utcnow(),
        }
        for job in schedule.SCHEDULE
    ]
    if not rows:
        return
    with write_session() as session:
        table = table_of(Job)
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(dialect_insert(table).values(rows).on_conflict_do_nothing(index_elements=["key"]))


def any_due() -> bool:
    """A cheap read first, so an idle SQLite worker does not take the write lock at every poll."""
    with read_session() as session:
        return session.exec(select(Job.id).where(_due(utcnow())).limit(1)).first() is not None


def claim(*, worker: str, limit: int = 20) -> list[Claimed]:
    """Takes up to `limit` due jobs (pending and due, or running with an expired lease) for `worker`."""
    with write_session() as session:
        claimed = leases.claim_due(
            session,
            Job,
            due=_due(utcnow()),
            order_by=[col(Job.due_at), col(Job.id)],
            worker=worker,
            limit=limit,
            lease_seconds=get_settings().job_lease_seconds,
        )
        if claimed is None:
            return []
        rows = session.exec(select(Job.id, Job.name, Job.event_id, Job.attempts).where(col(Job.id).in_(claimed.ids)))
        return [
            Claimed(id=stored_id(job_id), name=name, event_id=event_id, attempts=attempts, claim=claimed.token)
            for job_id, name, event_id, attempts in sorted(rows)
        ]


def _finish(session: Session, job: Claimed, **values: object) -> None:
    result = session.execute(
        update(table_of(Job))
        .where(col(Job.id) == job.id, col(Job.claim) == job.claim, col(Job.status) == JobStatus.running)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise _LeaseLost


def _handler_for(job: Claimed) -> tuple[Callable[[Session], None], bool] | str:
    """What to run for `job` inside its transaction and whether it may share one (see `Listener.rows_only`),
    or why there is nothing to run."""
    if job.event_id is None:
        scheduled = schedule.scheduled_job(job.name)
        if scheduled is None:
            return f"no scheduled job is called {job.name!r} any more"

        def run_scheduled(session: Session) -> None:
            with running_listener(job.name, None):
                scheduled.run(session)

        return run_scheduled, False
    listener = listeners.after_commit_listener(job.name)
    if listener is None:
        return f"no after-commit listener is called {job.name!r} any more"
    handler = listener.handler
    event_id = job.event_id

    def run_listener(session: Session) -> None:
        row = session.get(EventRecord, event_id)
        if row is None:
            return  # cleaned up: nothing left to follow
        event = Event.from_record(row)
        with running_listener(job.name, event):
            handler(session, event)

    return run_listener, listener.rows_only


def _done(session: Session, job: Claimed) -> None:
    """Marks the job done (a scheduled one: due again at its next turn) in the handler's transaction."""
    now = utcnow()
    if job.event_id is None:
        every = schedule.scheduled_job(job.name)
        rearm = timedelta(seconds=every.every_seconds if every is not None else 3600)
        _finish(session, job, status=JobStatus.pending, due_at=now + rearm, attempts=0, claim=None)
    else:
        _finish(session, job, status=JobStatus.done, finished_at=now, claim=None, last_error=None)


def _failed(job: Claimed, exc: Exception) -> tuple[str, dict[str, object]]:
    """The outcome ("retry" or "failed") of a try that raised, and the row's values for it."""
    settings = get_settings()
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    log.warning("Job %s (%s) failed on attempt %s: %s", job.id, job.name, job.attempts, error)
    gave_up = job.attempts >= settings.job_max_attempts
    now = utcnow()
    if gave_up and job.event_id is not None:
        return "failed", {"status": JobStatus.failed, "finished_at": now, "claim": None, "last_error": error}
    if gave_up:  # a scheduled job is never given up on: it waits for its next turn
        every = schedule.scheduled_job(job.name)
        wait = every.every_seconds if every is not None else 3600
        values: dict[str, object] = {"status": JobStatus.pending, "due_at": now + timedelta(seconds=wait)}
        return "retry", values | {"attempts": 0, "claim": None, "last_error": error}
    due = now + timedelta(seconds=backoff_seconds(job.attempts))
    return "retry", {"status": JobStatus.pending, "due_at": due, "claim": None, "last_error": error}


def _lost(job: Claimed) -> str:
    log.warning("Job %s (%s): its lease ran out and another worker took it over", job.id, job.name)
    return "lost"


def run_job(job: Claimed) -> str:
    """Runs one claimed job; returns its outcome: "done", "retry", "failed" or "lost" (lease taken over)."""
    handler = _handler_for(job)
    try:
        if isinstance(handler, str):
            raise LookupError(handler)
        with write_session() as session:
            handler[0](session)
            _done(session, job)
        return "done"
    except _LeaseLost:
        return _lost(job)
    except Exception as exc:  # any failure of a handler is the job's, never the worker's
        outcome, values = _failed(job, exc)
        try:
            with write_session() as session:
                _finish(session, job, **values)
        except _LeaseLost:
            return "lost"
        return outcome


def run_rows_only(jobs: list[Claimed]) -> list[str]:
    """Runs jobs whose listeners only write rows here in one transaction, each in a savepoint of its own: a
    job that fails or lost its lease rolls back alone (and a failure is recorded in the same commit). If the
    commit itself fails, the jobs stay claimed and their leases run out, as when a worker dies."""
    outcomes: list[str] = []
    with write_session() as session:
        for job in jobs:
            handler = _handler_for(job)
            try:
                if isinstance(handler, str):
                    raise LookupError(handler)
                with session.begin_nested():
                    handler[0](session)
                    _done(session, job)
                outcomes.append("done")
            except _LeaseLost:
                outcomes.append(_lost(job))
            except Exception as exc:  # the job's failure, never the batch's
                outcome, values = _failed(job, exc)
                try:
                    with session.begin_nested():
                        _finish(session, job, **values)
                    outcomes.append(outcome)
                except _LeaseLost:
                    outcomes.append("lost")
    return outcomes


def _shares_transaction(job: Claimed) -> bool:
    handler = _handler_for(job)
    return not isinstance(handler, str) and handler[1]


def run_claimed(jobs: list[Claimed], stop: threading.Event | None = None) -> int:
    """Runs a claimed batch in order: runs of rows-only jobs together, every other job alone. With `stop` set
    midway, hands the jobs not yet started back. Returns how many ran."""
    ran = 0
    while ran < len(jobs):
        if stop is not None and stop.is_set():
            release(jobs[ran:])
            break
        together = 0
        while ran + together < len(jobs) and _shares_transaction(jobs[ran + together]):
            together += 1
        if together:
            run_rows_only(jobs[ran : ran + together])
            ran += together
        else:
            run_job(jobs[ran])
            ran += 1
    return ran


def run_pending_jobs(*, worker: str = "inline", limit: int = 10_000) -> int:
    """Runs every job due now, here and synchronously (tests; `autocrm worker --once`); returns how many ran.
    A job that fails is retried later, not in this call."""
    ran = 0
    while ran < limit:
        jobs = claim(worker=worker, limit=min(50, limit - ran))
        if not jobs:
            return ran
        ran += run_claimed(jobs)
    return ran


def release(jobs: list[Claimed]) -> None:
    """Hands claimed jobs that were not started back at once (a worker stopping), without counting the try."""
    if not jobs:
        return
    with write_session() as session:
        for job in jobs:
            session.execute(
                update(table_of(Job))
                .where(col(Job.id) == job.id, col(Job.claim) == job.claim, col(Job.status) == JobStatus.running)
                .values(status=JobStatus.pending, due_at=utcnow(), attempts=Job.attempts - 1, claim=None)
            )


def worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"


def work(stop: threading.Event, *, batch: int = 20, poll_seconds: float | None = None) -> None:
    """Runs jobs until `stop` is set: claim a batch, run it, and when nothing is due wait for a wake-up or the
    next poll. Errors reaching the database are logged and retried at the next poll."""
    worker = worker_name()
    poll = poll_seconds if poll_seconds is not None else get_settings().job_poll_seconds
    ensure_scheduled()
    wakeup.listen_for_remote_wakeups(stop)
    # Webhook deliveries go out from the sender's own claim loop and threads (a slow receiver may take its
    # whole timeout); this loop only nudges it when a job ran (a fan-out adds deliveries) or a wake-up came.
    sender = webhook_delivery.Sender(worker, poll_seconds=poll)
    sender.start(stop)
    try:
        while not stop.is_set():
            try:
                jobs = claim(worker=worker, limit=batch) if any_due() else []
                run_claimed(jobs, stop)
            except Exception:  # the database away for a moment must not end the worker
                log.exception("The job runner could not reach the database; trying again")
                jobs = []
            if jobs or wakeup.wait(poll):
                sender.nudge()
    finally:
        sender.shutdown()
