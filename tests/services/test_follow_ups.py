"""Follow-up tickets: a new ticket that continues an earlier one (a closed ticket takes no more replies)."""

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, Role
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter, TicketRef, TicketUpdate
from tests.factories import make_ticket


def _closed_ticket(customer, agent):
    with write_session() as s:
        original = make_ticket(s, by=customer, subject="Card lost", body="Where is it?")
        tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=original.id, data=TicketUpdate(status="closed"))
    with write_session() as s, pytest.raises(Conflict):
        tickets.add_message(s, actor=Actor.for_user(customer), ticket_id=original.id, data=MessageCreate(body="Hi"))
    return original


def test_customer_follows_up_a_closed_ticket_and_every_read_shows_the_link(people):
    customer, agent = people.make(), people.make(Role.agent)
    original = _closed_ticket(customer, agent)
    with write_session() as s:
        follow_up = tickets.create_ticket(
            s,
            actor=Actor.for_user(customer),
            data=TicketCreate(subject="Card lost again", body="Still nothing", follow_up_of_id=original.id),
        )
    link = TicketRef(id=original.id, number=original.number)
    assert follow_up.follow_up_of == link and follow_up.requester.id == customer.id
    assert follow_up.status == "new"
    with read_session() as s:
        staff = Actor.for_user(agent)
        assert tickets.get_ticket(s, actor=staff, ticket_id=follow_up.id) == follow_up
        queue = {t.id: t.follow_up_of for t in tickets.list_tickets(s, actor=staff, filters=TicketFilter()).items}
        assert queue == {follow_up.id: link, original.id: None}
        assert tickets.get_ticket(s, actor=staff, ticket_id=original.id).follow_up_of is None
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.object_id == follow_up.id, AuditEntry.action == "ticket.create")
        ).one()
        assert entry.changes["follow_up_of_id"] == [None, original.id]
        plain = s.exec(
            select(AuditEntry).where(AuditEntry.object_id == original.id, AuditEntry.action == "ticket.create")
        ).one()
        assert "follow_up_of_id" not in plain.changes


def test_staff_follow_up_defaults_to_the_original_requester(people):
    customer, other, agent = people.make(), people.make(), people.make(Role.agent)
    original = _closed_ticket(customer, agent)
    staff = Actor.for_user(agent)
    with write_session() as s:
        default = tickets.create_ticket(
            s, actor=staff, data=TicketCreate(subject="Follow-up", body="Calling back", follow_up_of_id=original.id)
        )
        named = tickets.create_ticket(
            s,
            actor=staff,
            data=TicketCreate(subject="For a colleague", body="x", follow_up_of_id=original.id, requester_id=other.id),
        )
    assert default.requester.id == customer.id and default.follow_up_of.id == original.id
    assert named.requester.id == other.id and named.follow_up_of.number == original.number


def test_nobody_follows_up_a_ticket_they_cannot_see(people):
    owner, stranger, agent = people.make(), people.make(), people.make(Role.agent)
    original = _closed_ticket(owner, agent)
    for actor, ticket_id in ((Actor.for_user(stranger), original.id), (Actor.for_user(agent), 999_999)):
        with write_session() as s, pytest.raises(NotFound):
            tickets.create_ticket(
                s, actor=actor, data=TicketCreate(subject="Me too", body="x", follow_up_of_id=ticket_id)
            )
    with write_session() as s, pytest.raises(PermissionDenied):  # customers still set nothing staff set
        tickets.create_ticket(
            s,
            actor=Actor.for_user(owner),
            data=TicketCreate(subject="Again", body="x", follow_up_of_id=original.id, priority="urgent"),
        )
    with read_session() as s:
        assert tickets.list_tickets(s, actor=Actor.for_user(agent)).total == 1
