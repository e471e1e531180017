"""Bulk changes: each ticket through the update service (audited, its own event), failures listed with code
and reason, a change that can never work refused whole, and more than a hundred tickets as a background job
on the job runner with progress. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import AuditEntry, EventRecord, Role, Ticket
from autocrm.services import bulk, tickets
from autocrm.services.actor import Actor
from autocrm.services.bulk import BulkChanges, BulkJobPublic, BulkRequest, BulkResult
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tickets import TicketCreate, TicketUpdate
from tests.factories import make_team, make_user


def _tickets(opener, count: int, **fields) -> list[int]:
    requester = make_user(Role.customer)
    with write_session() as s:
        return [
            tickets.create_ticket(
                s,
                actor=Actor.for_user(opener),
                data=TicketCreate(subject=f"Ticket {n}", body="Help", requester_id=requester.id, **fields),
            ).id
            for n in range(count)
        ]


def _bulk(actor: Actor, **request) -> BulkResult | BulkJobPublic:
    with write_session() as s:
        return bulk.bulk_update(s, actor=actor, request=BulkRequest(**request))


def test_each_ticket_changes_on_its_own_and_failures_are_listed(people):
    agent = people.make(Role.agent)
    maya = people.actor(agent)
    ids = _tickets(agent, 3, tags=["old"])
    with write_session() as s:
        tickets.update_ticket(s, actor=maya, ticket_id=ids[1], data=TicketUpdate(status="closed"))
    result = _bulk(
        maya,
        ids=ids,
        changes=BulkChanges(priority="urgent", assignee_id=agent.id, add_tags=["vip"], remove_tags=["old"]),
    )
    assert isinstance(result, BulkResult)
    assert result.updated == [ids[0], ids[2]]
    assert [(f.id, f.code) for f in result.failed] == [(ids[1], "conflict")]
    assert "closed" in result.failed[0].message
    with read_session() as s:
        for ticket_id in (ids[0], ids[2]):
            ticket = tickets.get_ticket(s, actor=maya, ticket_id=ticket_id)
            assert (ticket.priority, ticket.assignee and ticket.assignee.id, ticket.tags) == (
                "urgent",
                agent.id,
                ["vip"],
            )
        audits = s.exec(
            select(func.count()).where(col(AuditEntry.object_id).in_(ids), AuditEntry.action == "ticket.update")
        ).one()
        updated_events = s.exec(
            select(EventRecord.ticket_id).where(
                EventRecord.type == "ticket.updated", col(EventRecord.ticket_id).in_(ids)
            )
        ).all()
        closed = tickets.get_ticket(s, actor=maya, ticket_id=ids[1])
    assert audits == 3  # the two bulk changes and the earlier close
    assert sorted(updated_events) == sorted([ids[0], ids[1], ids[2]])  # one event per ticket changed (+ the close)
    assert closed.priority == "normal"  # the failed one changed nothing


def test_by_filter_and_a_status_that_is_gone(people):
    agent = people.make(Role.agent)
    maya = people.actor(agent)
    team = make_team(name="Cards")
    urgent = _tickets(agent, 2, priority="urgent")
    _tickets(agent, 2, priority="low")
    result = _bulk(maya, filter={"priority": ["urgent"]}, changes=BulkChanges(team_id=team.id))
    assert isinstance(result, BulkResult) and sorted(result.updated) == sorted(urgent) and result.failed == []
    result = _bulk(maya, ids=urgent, changes=BulkChanges(status="escalated"))
    assert isinstance(result, BulkResult)
    assert [f.code for f in result.failed] == ["validation_failed", "validation_failed"]


def test_a_change_that_can_never_work_is_refused_whole(people):
    agent = people.make(Role.agent)
    maya = people.actor(agent)
    ids = _tickets(agent, 2)
    for request, refused in (
        ({"ids": ids, "changes": BulkChanges()}, ValidationFailed),
        ({"ids": ids, "changes": BulkChanges(assignee_id=999_999)}, ValidationFailed),
        ({"ids": ids, "changes": BulkChanges(add_tags=["a"], remove_tags=["a"])}, ValidationFailed),
        ({"filter": {"tags_any": ["none-such"]}, "changes": BulkChanges(priority="low")}, ValidationFailed),
    ):
        with pytest.raises(refused):
            _bulk(maya, **request)
    with pytest.raises(ValueError, match="either ids or a filter"):
        BulkRequest(ids=ids, filter={}, changes=BulkChanges(priority="low"))
    with pytest.raises(PermissionDenied):
        _bulk(people.actor(people.make(Role.customer)), ids=ids, changes=BulkChanges(priority="low"))


def test_more_than_a_hundred_run_as_a_job_with_progress(people):
    agent = people.make(Role.agent)
    maya = people.actor(agent)
    ids = _tickets(agent, bulk.SYNC_LIMIT + 20)
    with write_session() as s:
        tickets.update_ticket(s, actor=maya, ticket_id=ids[-1], data=TicketUpdate(status="closed"))
    runner.run_pending_jobs()  # the mails of the new tickets, so the next claim is the bulk job's
    job = _bulk(maya, ids=ids, changes=BulkChanges(priority="high"))
    assert isinstance(job, BulkJobPublic)
    assert (job.status, job.total, job.processed, job.progress) == ("pending", len(ids), 0, 0.0)
    # One run of the job: the first chunk, committed with its progress.
    first = runner.claim(worker="test", limit=1)
    assert [j.name for j in first] == [bulk.LISTENER]
    runner.run_claimed(first)
    with read_session() as s:
        midway = bulk.get_job(s, actor=maya, job_id=job.id)
        assert s.exec(select(func.count()).where(Ticket.priority == "high")).one() == bulk.CHUNK
    assert (midway.status, midway.processed) == ("running", bulk.CHUNK) and 0 < midway.progress < 1
    runner.run_pending_jobs()
    with read_session() as s:
        done = bulk.get_job(s, actor=maya, job_id=job.id)
        with pytest.raises(NotFound):  # another agent's job is not theirs to read
            bulk.get_job(s, actor=people.actor(people.make(Role.agent)), job_id=job.id)
        admin_sees = bulk.get_job(s, actor=people.actor(people.make(Role.admin)), job_id=job.id)
        audited_by = set(
            s.exec(
                select(AuditEntry.actor_label).where(
                    col(AuditEntry.object_id).in_(ids[:-1]), AuditEntry.action == "ticket.update"
                )
            ).all()
        )
    assert (done.status, done.processed, done.progress) == ("done", len(ids), 1.0)
    assert done.updated == ids[:-1] and [(f.id, f.code) for f in done.failed] == [(ids[-1], "conflict")]
    assert done.finished_at is not None and admin_sees.id == job.id
    assert audited_by == {f"user:{agent.id}"}  # the agent who asked, not the system


def test_a_job_stops_changing_once_its_agent_is_deactivated(people):
    from autocrm.services import users

    agent = people.make(Role.agent)
    ids = _tickets(agent, bulk.SYNC_LIMIT + 1)
    job = _bulk(people.actor(agent), ids=ids, changes=BulkChanges(priority="low"))
    assert isinstance(job, BulkJobPublic)
    with write_session() as s:
        users.update_user(s, actor=Actor.system("tests"), user_id=agent.id, is_active=False)
    runner.run_pending_jobs()
    with read_session() as s:
        done = bulk.get_job(s, actor=people.actor(people.make(Role.admin)), job_id=job.id)
    assert done.status == "done" and done.updated == [] and {f.code for f in done.failed} == {"forbidden"}
