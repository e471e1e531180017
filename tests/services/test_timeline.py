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
