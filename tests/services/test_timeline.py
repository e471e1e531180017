"""The ticket timeline (conversation and the ticket's own changes, from the audit trail) and the requester's
context. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Organization, Role
from autocrm.services import tickets
from autocrm.services.errors import NotFound, PermissionDenied
from tests.factories import make_message, make_team, make_ticket


def test_the_timeline_shows_replies_notes_and_who_changed_what_in_order(people):
    maya, ben = people.make(Role.agent, name="Maya Agent"), people.make(Role.agent, name="Ben Agent")
    customer = people.make(Role.customer, name="Olivia")
    team = make_team(name="Billing", member_ids=[ben.id])
    ticket = make_ticket(requester=customer, subject="Card declined")
    make_message(ticket_id=ticket.id, by=maya, body="<p>Looking.</p>")
    make_message(ticket_id=ticket.id, by=maya, body="<p>Ask Ben.</p>", internal=True)
    with write_session() as s:
        tickets.update_ticket(
            s,
            actor=people.actor(ben),
            ticket_id=ticket.id,
            data=tickets.TicketUpdate(
                status="pending", priority="high", assignee_id=ben.id, team_id=team.id, tags=["card"]
            ),
        )
    with write_session() as s:
        tickets.update_ticket(
            s, actor=people.actor(ben), ticket_id=ticket.id, data=tickets.TicketUpdate(status="solved")
        )
    with write_session() as s:
        tickets.rate_ticket(s, actor=people.actor(customer), ticket_id=ticket.id, score=4)
    with read_session() as s:
        everything = tickets.timeline(s, actor=people.actor(maya), ticket_id=ticket.id)
        changes_only = tickets.timeline(s, actor=people.actor(maya), ticket_id=ticket.id, kinds=frozenset({"change"}))
    # Maya's reply opened the new ticket: a change of its own, right after the reply
    assert [e.kind for e in everything] == ["reply", "reply", "change", "note", "change", "change", "rating"]
    assert [(c.field, c.after_label) for c in everything[2].changes] == [("status", "Open")]
    assert everything[0].actor is not None and everything[0].actor.name == "Olivia"  # the opening message
    first_change = everything[4]
    assert first_change.actor is not None and first_change.actor.name == "Ben Agent"
    labels = {c.field: (c.before_label, c.after_label) for c in first_change.changes}
    assert labels["assignee"] == ("none", "Ben Agent") and labels["team"] == ("none", "Billing")
    assert labels["priority"][1] == "High" and labels["tags"] == ("none", "card")
    assert labels["status"] == ("Open", "Waiting on customer")
    assert everything[6].score == 4
    assert [e.kind for e in changes_only] == ["change", "change", "change"]


def test_the_timeline_and_the_context_are_for_staff_only(people):
    customer = people.make(Role.customer)
    ticket = make_ticket(requester=customer)
    with read_session() as s:
        with pytest.raises(PermissionDenied):
            tickets.timeline(s, actor=people.actor(customer), ticket_id=ticket.id)
        with pytest.raises(PermissionDenied):
            tickets.requester_context(s, actor=people.actor(customer), ticket_id=ticket.id)
        with pytest.raises(NotFound):
            tickets.timeline(s, actor=people.actor(people.make(Role.customer)), ticket_id=ticket.id)


def test_the_requester_context_lists_their_organization_ratings_and_other_tickets(people):
    with write_session() as s:
        org = Organization(name="Acme Ltd")
        s.add(org)
        s.flush()
        org_id = org.id
    customer = people.make(Role.customer, name="Olivia", organization_id=org_id)
    agent = people.make(Role.agent)
    older = make_ticket(requester=customer, subject="Old question")
    with write_session() as s:
        tickets.update_ticket(
            s, actor=people.actor(agent), ticket_id=older.id, data=tickets.TicketUpdate(status="solved")
        )
    with write_session() as s:
        tickets.rate_ticket(s, actor=people.actor(customer), ticket_id=older.id, score=2, comment="Slow")
    current = make_ticket(requester=customer, subject="New question")
    make_ticket(requester=people.make(Role.customer), subject="Someone else's")
    with read_session() as s:
        context = tickets.requester_context(s, actor=people.actor(agent), ticket_id=current.id)
    assert (context.name, context.organization, context.open_tickets) == ("Olivia", "Acme Ltd", 1)
    assert [t.subject for t in context.previous_tickets] == ["Old question"]
    assert context.previous_tickets[0].status_name == "Solved"
    assert [(r.ticket_number, r.score, r.comment) for r in context.ratings] == [(older.number, 2, "Slow")]
    assert context.satisfaction_average == 2.0


def test_a_logged_call_is_staff_only_audited_and_a_call_in_the_timeline(people):
    from pydantic import ValidationError
    from sqlmodel import select

    from autocrm.models import AuditEntry, CallDirection

    agent, customer = people.make(Role.agent, name="Maya Agent"), people.make(Role.customer, name="Olivia")
    ticket = make_ticket(requester=customer, subject="Card declined")
    call = tickets.CallCreate(direction=CallDirection.inbound, duration_seconds=240, summary="She asked about fees.")
    with write_session() as s:
        logged = tickets.log_call(s, actor=people.actor(agent), ticket_id=ticket.id, data=call)
    assert logged.message.internal and logged.message.channel == "phone"
    with pytest.raises(PermissionDenied), write_session() as s:
        tickets.log_call(s, actor=people.actor(customer), ticket_id=ticket.id, data=call)
    with pytest.raises(ValidationError):
        tickets.CallCreate(direction="inbound", duration_seconds=25 * 3600, summary="Too long a call")
    with read_session() as s:
        entries = tickets.timeline(s, actor=people.actor(agent), ticket_id=ticket.id)
        seen_by_customer = tickets.customer_messages(s, actor=people.actor(customer), ticket_id=ticket.id)
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "ticket.call")).all()
    assert [e.kind for e in entries] == ["reply", "call"]
    assert entries[1].call is not None and entries[1].call.duration_seconds == 240
    assert entries[1].message is not None and entries[1].message.body_text == "She asked about fees."
    assert "She asked about fees." not in [m.body_text for m in seen_by_customer]
    assert [a.changes["direction"] for a in audited] == [[None, "inbound"]]
