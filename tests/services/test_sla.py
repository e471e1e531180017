"""SLA clocks by hand: targets per priority in a business calendar, the first response met or missed, the
next response after a customer's unanswered message, resolution paused while waiting on the customer,
breaches announced once. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import schedule
from autocrm.models import AuditEntry, EventRecord, Message, Role, Ticket, TicketSla
from autocrm.services import sla, tickets
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.sla import CalendarInput, PolicyCreate, TargetMinutes, Window
from tests.factories import make_message, make_ticket

MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=UTC)  # Monday 09:00 UTC


def _office(admin) -> sla.CalendarPublic:
    with write_session() as s:
        return sla.create_calendar(
            s,
            actor=admin,
            data=CalendarInput(
                name="Office",
                time_zone="UTC",
                weekly={d: [Window(start=time(9), end=time(17))] for d in range(5)},
            ),
        )


def _policy(admin, calendar_id=None, **targets) -> sla.PolicyPublic:
    with write_session() as s:
        return sla.create_policy(
            s,
            actor=admin,
            data=PolicyCreate(
                name="Standard",
                calendar_id=calendar_id,
                targets={"normal": TargetMinutes(**targets), "urgent": TargetMinutes(first_response=30)},
            ),
        )


def _backdate(ticket_id: int, created: datetime) -> None:
    """The ticket (and its audit and messages) as if made at `created`, and its clock recomputed then."""
    with write_session() as s:
        row = s.get(Ticket, ticket_id)
        row.created_at = created
        s.add(row)
        for message in s.exec(select(Message).where(Message.ticket_id == ticket_id)):
            message.created_at = created
            s.add(message)
        for entry in s.exec(
            select(AuditEntry).where(AuditEntry.object_id == ticket_id, AuditEntry.object_type == "ticket")
        ):
            entry.created_at = created
            s.add(entry)
        sla.recompute(s, ticket_id, now=created)


def _at(ticket_id: int, when: datetime, change) -> None:
    """Runs `change` (a write) and stamps what it wrote at `when`."""
    with write_session() as s:
        before = max([e.id for e in s.exec(select(AuditEntry))] or [0])
    change()
    with write_session() as s:
        for entry in s.exec(select(AuditEntry).where(AuditEntry.id > before)):
            entry.created_at = when
            s.add(entry)
        row = s.get(Ticket, ticket_id)
        if row.first_response_at and row.first_response_at > when:
            row.first_response_at = when
        s.add(row)
        sla.recompute(s, ticket_id, now=when)


def test_targets_count_working_time_and_the_first_response_is_met_or_missed(people):
    admin = people.actor(people.make(Role.admin))
    office = _office(admin)
    _policy(admin, calendar_id=office.id, first_response=120, resolution=16 * 60)
    ticket = make_ticket(requester=people.make(Role.customer), subject="Friday evening", body="help")
    friday_16 = datetime(2026, 11, 27, 16, tzinfo=UTC)
    _backdate(ticket.id, friday_16)
    with read_session() as s:
        row = s.get(TicketSla, ticket.id)
        state = sla.ticket_sla(s, actor=admin, ticket_id=ticket.id, now=friday_16 + timedelta(minutes=5))
    # 2 working hours after Friday 16:00: Monday 10:00; 16 working hours: Tuesday 16:00
    assert row.first_response_due_at == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert row.resolution_due_at == datetime(2026, 12, 1, 16, tzinfo=UTC)
    assert row.next_due_at == row.first_response_due_at
    assert state.state == "on_track" and [t.state for t in state.targets] == ["running", "running"]
    with read_session() as s:
        late = sla.ticket_sla(s, actor=admin, ticket_id=ticket.id, now=datetime(2026, 11, 30, 9, 45, tzinfo=UTC))
        over = sla.ticket_sla(s, actor=admin, ticket_id=ticket.id, now=datetime(2026, 11, 30, 10, 1, tzinfo=UTC))
    assert late.state == "at_risk"  # 15 of 120 minutes left
    assert over.state == "breached"


def test_resolution_stops_while_waiting_on_the_customer_and_next_response_follows_their_message(people):
    admin = people.actor(people.make(Role.admin))
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    _policy(admin, first_response=60, next_response=60, resolution=8 * 60)  # round the clock
    ticket = make_ticket(requester=customer, subject="Card", body="help")
    _backdate(ticket.id, MONDAY_9)
    _at(ticket.id, MONDAY_9 + timedelta(minutes=30), lambda: make_message(ticket_id=ticket.id, by=agent))
    with write_session() as s:
        s.get(Ticket, ticket.id).first_response_at = MONDAY_9 + timedelta(minutes=30)

    def wait():
        with write_session() as s:
            tickets.update_ticket(
                s, actor=people.actor(agent), ticket_id=ticket.id, data=tickets.TicketUpdate(status="pending")
            )

    _at(ticket.id, MONDAY_9 + timedelta(hours=1), wait)
    with read_session() as s:
        paused = sla.ticket_sla(s, actor=admin, ticket_id=ticket.id, now=MONDAY_9 + timedelta(hours=2))
        row = s.get(TicketSla, ticket.id)
    assert paused.state == "paused" and row.resolution_due_at is None
    assert [t.state for t in paused.targets] == ["met", "paused"]
    # the customer answers three hours later: the ticket reopens, the clock runs again, 3 h later than it would have
    customer_reply = MONDAY_9 + timedelta(hours=4)
    _at(ticket.id, customer_reply, lambda: make_message(ticket_id=ticket.id, by=customer, body="Here you go"))
    with write_session() as s:
        message = s.exec(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc())).first()
        message.created_at = customer_reply
        s.add(message)
        row = sla.recompute(s, ticket.id, now=customer_reply)
    assert row.resolution_due_at == MONDAY_9 + timedelta(hours=8 + 3)
    assert row.next_response_due_at == customer_reply + timedelta(hours=1)
    assert row.next_due_at == row.next_response_due_at


def test_a_breach_is_announced_once(people):
    admin = people.actor(people.make(Role.admin))
    _policy(admin, first_response=60)
    ticket = make_ticket(requester=people.make(Role.customer), subject="x", body="y")
    _backdate(ticket.id, MONDAY_9)
    with write_session() as s:
        assert sla.check_breaches(s, now=MONDAY_9 + timedelta(minutes=30)) == 0
        assert sla.check_breaches(s, now=MONDAY_9 + timedelta(minutes=61)) == 1
    with write_session() as s:
        assert sla.check_breaches(s, now=MONDAY_9 + timedelta(minutes=90)) == 0
    with read_session() as s:
        breached = s.exec(select(EventRecord).where(EventRecord.type == sla.BREACHED)).all()
    assert len(breached) == 1 and breached[0].ticket_id == ticket.id
    assert breached[0].data["target"] == "first_response"
    assert schedule.scheduled_job("sla.check") is not None


def test_no_policy_no_clock_and_only_admins_set_policies(people):
    admin, agent = people.actor(people.make(Role.admin)), people.actor(people.make(Role.agent))
    ticket = make_ticket(requester=people.make(Role.customer), subject="x", body="y")
    with read_session() as s:
        assert s.get(TicketSla, ticket.id) is None
        assert sla.ticket_sla(s, actor=agent, ticket_id=ticket.id).state == "none"
    with pytest.raises(PermissionDenied):
        _policy(agent, first_response=60)
    with pytest.raises(ValidationFailed), write_session() as s:  # no target at all
        sla.create_policy(s, actor=admin, data=PolicyCreate(name="x", targets={"normal": TargetMinutes()}))
    with pytest.raises(ValidationFailed), write_session() as s:
        sla.create_policy(
            s, actor=admin, data=PolicyCreate(name="x", targets={"nope": TargetMinutes(first_response=5)})
        )
    with pytest.raises(ValidationFailed), write_session() as s:
        sla.create_calendar(s, actor=admin, data=CalendarInput(name="Mars", time_zone="Mars/Olympus"))
    # an urgent ticket gets the urgent targets; a policy's conditions choose its tickets
    _policy(admin, first_response=240)
    urgent = make_ticket(
        requester=people.make(Role.customer), subject="x", body="y", priority="urgent", by=people.make(Role.agent)
    )
    with read_session() as s:
        row = s.get(TicketSla, urgent.id)
        made = s.get(Ticket, urgent.id).created_at
    assert row.first_response_due_at == made + timedelta(minutes=30)
