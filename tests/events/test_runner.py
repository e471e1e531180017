"""Issue 14: the job runner. After-commit listeners run after the commit, once per (event, listener), in their
own transaction; failures retry with backoff until the last attempt; an expired lease is claimed again; the
loop guard stops listeners that write; scheduled jobs are declared in one place and re-armed after each run."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from autocrm.core.db import read_session, table_of, write_session
from autocrm.core.settings import reset_settings
from autocrm.events import listeners, runner, schedule
from autocrm.events.listeners import Listener
from autocrm.models import EventRecord, Job, JobStatus, Role
from autocrm.models.base import utcnow
from autocrm.services import events, tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import TicketUpdate
from tests.events.recording import LISTENER, deliveries, record_delivery
from tests.factories import make_ticket


@pytest.fixture
def recorder(db_url, monkeypatch):
    monkeypatch.setitem(listeners.AFTER_COMMIT, "ticket.created", [Listener(LISTENER, record_delivery)])
    return db_url


def _jobs(name: str = LISTENER) -> list[Job]:
    with read_session() as s:
        return list(s.exec(select(Job).where(Job.name == name).order_by(col(Job.id))))


def _delivered() -> dict[int, int]:
    with read_session() as s:
        return deliveries(s)


def _make_due() -> None:
    """Time passing: every waiting job and every lease is due now."""
    with write_session() as s:
        s.execute(update(table_of(Job)).values(due_at=utcnow() - timedelta(seconds=1)))


def test_an_after_commit_listener_runs_once_per_event_after_the_commit(recorder):
    ticket = make_ticket()
    (job,) = _jobs()
    assert job.status == JobStatus.pending and job.key == f"event:{job.event_id}:{LISTENER}"
    with read_session() as s:
        event = s.get(EventRecord, job.event_id)
    assert event.type == "ticket.created" and event.ticket_id == ticket.id
    assert _delivered() == {}  # nothing ran inside the request

    assert runner.run_pending_jobs() == 1
    assert _delivered() == {job.event_id: 1}
    (job,) = _jobs()
    assert job.status == JobStatus.done and job.attempts == 1 and job.finished_at is not None
    assert runner.run_pending_jobs() == 0


def test_a_rolled_back_write_makes_no_job(recorder):
    with pytest.raises(RuntimeError), write_session() as s:
        make_ticket(s)
        raise RuntimeError("rolled back")
    assert _jobs() == []


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(recorder, monkeypatch):
    monkeypatch.setenv("AUTOCRM_JOB_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("AUTOCRM_JOB_RETRY_BASE_SECONDS", "10")
    reset_settings()
    failures = []

    def flaky(session, event):
        record_delivery(session, event)  # rolled back with the failure
        failures.append(event.id)
        raise ConnectionError("mail server away")

    monkeypatch.setitem(listeners.AFTER_COMMIT, "ticket.created", [Listener(LISTENER, flaky)])
    make_ticket()
    before = utcnow()
    assert runner.run_pending_jobs() == 1
    (job,) = _jobs()
    assert job.status == JobStatus.pending and job.attempts == 1
    assert "ConnectionError: mail server away" in job.last_error
    assert before + timedelta(seconds=5) <= job.due_at <= utcnow() + timedelta(seconds=10)  # 10 s, jittered
    assert runner.run_pending_jobs() == 0  # not due yet

    _make_due()
    runner.run_pending_jobs()
    (job,) = _jobs()
    assert job.status == JobStatus.pending and job.attempts == 2
    assert job.due_at >= utcnow() + timedelta(seconds=9)  # 20 s, jittered: doubled
    _make_due()
    runner.run_pending_jobs()
    (job,) = _jobs()
    assert job.status == JobStatus.failed and job.attempts == 3
    _make_due()
    assert runner.run_pending_jobs() == 0
    assert len(failures) == 3 and _delivered() == {}


def test_a_job_that_fails_once_is_done_on_the_retry(recorder, monkeypatch):
    calls = []

    def fails_first(session, event):
        calls.append(event.id)
        if len(calls) == 1:
            raise TimeoutError("slow")
        record_delivery(session, event)

    monkeypatch.setitem(listeners.AFTER_COMMIT, "ticket.created", [Listener(LISTENER, fails_first)])
    make_ticket()
    runner.run_pending_jobs()
    _make_due()
    runner.run_pending_jobs()
    (job,) = _jobs()
    assert job.status == JobStatus.done and job.attempts == 2
    assert _delivered() == {job.event_id: 1}


def test_an_expired_lease_is_claimed_again_and_the_late_worker_commits_nothing(recorder):
    make_ticket()
    (late,) = runner.claim(worker="late")
    assert runner.claim(worker="other") == []  # leased
    (job,) = _jobs()
    assert job.status == JobStatus.running and job.due_at > utcnow()

    _make_due()  # the late worker's lease runs out
    (taken,) = runner.claim(worker="other")
    assert taken.id == late.id and taken.attempts == 2 and taken.claim != late.claim
    assert runner.run_job(taken) == "done"
    assert runner.run_job(late) == "lost"  # its work rolled back: delivered once
    assert _delivered() == {job.event_id: 1}
    assert _jobs()[0].status == JobStatus.done


def test_claims_by_two_workers_never_overlap(recorder):
    for _ in range(6):
        make_ticket()
    first = runner.claim(worker="a", limit=4)
    second = runner.claim(worker="b", limit=4)
    assert len(first) == 4 and len(second) == 2
    assert not {j.id for j in first} & {j.id for j in second}


def test_a_listener_that_writes_does_not_wake_itself(db_url, people, monkeypatch):
    agent = people.make(Role.agent)
    ticket = make_ticket(by=agent, requester=people.make(Role.customer))
    seen = []

    def tag_urgent(session, event):
        seen.append(event.id)
        tickets.update_ticket(
            session,
            actor=Actor.system("rule:tag"),
            ticket_id=event.ticket_id,
            data=TicketUpdate(tags=[f"seen-{len(seen)}"]),
        )

    monkeypatch.setitem(listeners.AFTER_COMMIT, "ticket.updated", [Listener("rules.tag", tag_urgent)])
    with write_session() as s:
        tickets.update_ticket(s, actor=people.actor(agent), ticket_id=ticket.id, data=TicketUpdate(priority="high"))
    for _ in range(5):
        runner.run_pending_jobs()
        _make_due()
    assert len(seen) == 1
    with read_session() as s:
        caused = s.exec(select(EventRecord).where(EventRecord.caused_by == "rules.tag")).one()
    assert caused.type == "ticket.updated" and caused.via == "system" and caused.depth == 1
    assert caused.data["changes"]["tags"] == [[], ["seen-1"]]
    assert len(_jobs("rules.tag")) == 1


def test_two_listeners_waking_each_other_stop_at_the_depth_limit(db_url, monkeypatch):
    runs = []

    def ping(session, event):
        runs.append(("ping", event.depth))
        events.emit(session, "test.pong", actor=Actor.system("rule"), via="rule")

    def pong(session, event):
        runs.append(("pong", event.depth))
        events.emit(session, "test.ping", actor=Actor.system("rule"), via="rule")

    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.ping", [Listener("rules.ping", ping)])
    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.pong", [Listener("rules.pong", pong)])
    with write_session() as s:
        events.emit(s, "test.ping", actor=Actor.system())
    for _ in range(10):
        runner.run_pending_jobs()
    assert runs == [("ping", 0), ("pong", 1), ("ping", 2), ("pong", 3)]
    with read_session() as s:
        last = s.exec(select(EventRecord).order_by(col(EventRecord.id).desc())).first()
    assert last.depth == events.MAX_DEPTH + 1 and last.via == "rule"


def test_an_in_transaction_listener_that_writes_runs_once_in_the_writers_transaction(db_url, people, monkeypatch):
    agent = people.make(Role.agent)
    ticket = make_ticket(by=agent, requester=people.make(Role.customer))
    runs = []

    def route(session, event):
        runs.append(event.id)
        tickets.update_ticket(
            session, actor=Actor.system("rule:route"), ticket_id=event.ticket_id, data=TicketUpdate(priority="urgent")
        )

    monkeypatch.setitem(listeners.IN_TRANSACTION, "ticket.updated", [Listener("rules.route", route)])
    with pytest.raises(RuntimeError), write_session() as s:
        tickets.update_ticket(s, actor=people.actor(agent), ticket_id=ticket.id, data=TicketUpdate(status="pending"))
        raise RuntimeError("rolled back: the listener's change goes with it")
    with write_session() as s:
        updated = tickets.update_ticket(
            s, actor=people.actor(agent), ticket_id=ticket.id, data=TicketUpdate(status="pending")
        )
    assert len(runs) == 2
    with read_session() as s:
        assert tickets.get_ticket(s, actor=people.actor(agent), ticket_id=ticket.id).priority == "urgent"
        routed = s.exec(select(EventRecord).where(EventRecord.caused_by == "rules.route")).all()
    assert updated.status == "pending" and len(routed) == 1 and routed[0].via == "system"


def test_the_scheduled_clean_up_drops_old_finished_events_and_is_re_armed(db_url, monkeypatch):
    old = utcnow() - timedelta(days=40)
    with write_session() as s:
        for kind in ("done", "failed", "recent"):
            events.emit(s, f"test.{kind}", actor=Actor.system())
        rows = {r.type: r for r in s.exec(select(EventRecord))}
        for kind, status in (("done", JobStatus.done), ("failed", JobStatus.failed)):
            rows[f"test.{kind}"].created_at = old
            s.add(rows[f"test.{kind}"])
            s.add(
                Job(key=f"event:{rows[f'test.{kind}'].id}:x", name="x", event_id=rows[f"test.{kind}"].id, status=status)
            )
    assert "outbox.clean_up" in [job.name for job in schedule.SCHEDULE]
    monkeypatch.setattr(schedule, "SCHEDULE", [schedule.scheduled_job("outbox.clean_up")])
    runner.ensure_scheduled()
    runner.ensure_scheduled()  # once per job, however many workers start
    assert runner.run_pending_jobs() == 1
    with read_session() as s:
        assert {r.type for r in s.exec(select(EventRecord))} == {"test.failed", "test.recent"}
        assert [j.status for j in s.exec(select(Job).where(Job.name == "x"))] == [JobStatus.failed]
    (scheduled,) = _jobs("outbox.clean_up")
    assert scheduled.key == "schedule:outbox.clean_up" and scheduled.status == JobStatus.pending
    assert scheduled.due_at >= utcnow() + timedelta(minutes=59)
    assert runner.run_pending_jobs() == 0


def test_rows_only_jobs_share_one_commit_and_a_failing_one_rolls_back_alone(db_url, monkeypatch):
    """A batch of rows-only jobs commits once; one that raises keeps none of its rows and is retried, the
    others are done, and a job whose lease was taken over mid-batch commits nothing."""
    commits = []

    def fails_on_the_second(session, event):
        record_delivery(session, event)
        if event.data["n"] == 2:
            raise ValueError("a bad row")

    monkeypatch.setitem(listeners.AFTER_COMMIT, "test.rows", [Listener(LISTENER, fails_on_the_second, rows_only=True)])
    with write_session() as s:
        for n in range(5):
            events.emit(s, "test.rows", actor=Actor.system(), data={"n": n})
    claimed = runner.claim(worker="a", limit=10)
    assert len(claimed) == 5
    with write_session() as s:  # the fourth job's lease ran out and another worker took it
        s.execute(update(table_of(Job)).where(col(Job.id) == claimed[3].id).values(claim="someone-else"))

    from sqlalchemy import event as sa_event
    from sqlmodel import Session

    def count(session):
        if not session.in_nested_transaction():  # released savepoints are announced too
            commits.append(1)

    sa_event.listen(Session, "after_commit", count)
    try:
        assert runner.run_claimed(claimed) == 5
    finally:
        sa_event.remove(Session, "after_commit", count)
    assert len(commits) == 1
    with read_session() as s:
        ids = {row.id: row.data["n"] for row in s.exec(select(EventRecord).where(EventRecord.type == "test.rows"))}
    delivered = {ids[event_id] for event_id in _delivered()}
    assert delivered == {0, 1, 4}
    status = {job.event_id: job for job in _jobs()}
    by_n = {n: status[event_id] for event_id, n in ids.items()}
    assert [by_n[n].status for n in range(5)] == [
        JobStatus.done,
        JobStatus.done,
        JobStatus.pending,  # retried later, with its error
        JobStatus.running,  # still the other worker's
        JobStatus.done,
    ]
    assert "ValueError: a bad row" in by_n[2].last_error


def test_emit_writes_no_job_for_a_listener_that_does_not_want_the_event(db_url, people):
    """A note is never mailed, so a note makes no `mail.agent_replied` job (a public reply does)."""
    agent = people.make(Role.agent)
    ticket = make_ticket(by=agent, requester=people.make(Role.customer))
    for internal in (True, False):
        with write_session() as s:
            tickets.add_message(
                s,
                actor=people.actor(agent),
                ticket_id=ticket.id,
                data=tickets.MessageCreate(body="Checked the logs", internal=internal),
            )
    mail_jobs = _jobs("mail.agent_replied")
    with read_session() as s:
        events_of = [s.get(EventRecord, job.event_id) for job in mail_jobs]
    assert [event.data["internal"] for event in events_of] == [False]
    assert len(_jobs("webhooks.fan_out")) == 3  # the ticket's creation and both messages
