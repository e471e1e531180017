"""The ONE place scheduled jobs are declared: outbox clean-up, SLA checks, mail polling, balancing, file clean-up.

Each scheduled job is one `job` row (key "schedule:<name>") that the runner re-arms `every_seconds` after each
run, so it runs on one worker at a time however many there are, and a run lost with its worker runs again once
its lease ends. A scheduled job must be idempotent, like every job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from autocrm.core.settings import get_settings
from autocrm.models import EventRecord, Job, JobStatus
from autocrm.models.base import utcnow
from autocrm.services import alerts, balancing, sla, tickets
from autocrm.services.email import mailboxes


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    every_seconds: float
    run: Callable[[Session], object]


def clean_up_outbox(session: Session) -> None:
    """Drops events older than the retention whose jobs are all done, with those jobs. Failed jobs and their
    events stay, for someone to look at."""
    before = utcnow() - timedelta(days=get_settings().event_retention_days)
    unfinished = select(Job.event_id).where(col(Job.event_id).is_not(None), col(Job.status) != JobStatus.done)
    old = select(EventRecord.id).where(col(EventRecord.created_at) < before, col(EventRecord.id).not_in(unfinished))
    session.exec(delete(Job).where(col(Job.event_id).in_(old)))
    session.exec(
        delete(EventRecord).where(col(EventRecord.created_at) < before, col(EventRecord.id).not_in(unfinished))
    )


SCHEDULE: list[ScheduledJob] = [
    ScheduledJob("outbox.clean_up", every_seconds=3600, run=clean_up_outbox),
    # `sla.breached` once per ticket and target whose due time passed (`services/sla.py`).
    ScheduledJob("sla.check", every_seconds=60, run=sla.run_breach_check),
    # New mail of every enabled IMAP mailbox; commits per batch, before the server is told (`email/mailboxes.py`).
    ScheduledJob("email.poll", every_seconds=60, run=mailboxes.poll_all),
    # Waiting tickets of balancing teams offered again: a shift that began is announced by nothing else
    # (`services/balancing.py`).
    ScheduledJob("balancing.offer", every_seconds=60, run=balancing.run_offer),
    # Alert rules against their queues: `alert.triggered` when one starts firing, `alert.cleared` when it stops.
    ScheduledJob(alerts.SCHEDULE_NAME, every_seconds=60, run=alerts.check_all),
    # Pasted images whose message was never sent, a day on (`tickets/writes.py`).
    ScheduledJob(
        "attachments.drop_unsent", every_seconds=3600, run=lambda session: tickets.drop_unsent_images(session)
    ),
]


def scheduled_job(name: str) -> ScheduledJob | None:
    return next((job for job in SCHEDULE if job.name == name), None)
