"""What a requester is shown of their tickets is decided once, by the service, in shapes of their own."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import CustomFieldType, Role, TicketStatus
from autocrm.services import desk, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tickets import MessageCreate, TicketFilter, TicketUpdate
from tests.factories import make_message, make_team, make_ticket

STAFF_ONLY = {"tags", "custom_fields", "assignee", "team", "priority", "priority_name", "due_at", "requester", "status"}


@pytest.fixture
def desk_ticket(people):
    """A customer's ticket with every staff-only field set, a staff reply and an internal note."""
    admin, agent, customer = people.make(Role.admin), people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        desk.create_custom_field(
            s, actor=Actor.for_user(admin), key="risk", label="Risk", field_type=CustomFieldType.text
        )
    team = make_team(name="Fraud desk")
    ticket = make_ticket(by=customer, subject="Card charged twice", body="Two charges of 40 EUR")
    with write_session() as s:
        tickets.update_ticket(
            s,
            actor=Actor.for_user(agent),
            ticket_id=ticket.id,
            data=TicketUpdate(
                assignee_id=agent.id,
                team_id=team.id,
                priority="urgent",
                tags=["chargeback"],
                custom_fields={"risk": "suspected fraud"},
                due_at="2030-01-01T00:00:00Z",
            ),
        )
    make_message(ticket_id=ticket.id, by=agent, body="We are looking into it.")
    make_message(ticket_id=ticket.id, by=agent, body="Merchant flagged twice before", internal=True)
    return {"agent": agent, "customer": customer, "ticket": ticket}


def test_a_requester_gets_their_ticket_without_any_staff_field(desk_ticket):
    customer, ticket = desk_ticket["customer"], desk_ticket["ticket"]
    with read_session() as s:
        shown = tickets.customer_ticket(s, actor=Actor.for_user(customer), ticket_id=ticket.id)
    dumped = shown.model_dump(mode="json")
    assert not STAFF_ONLY & set(dumped)
    assert "chargeback" not in str(dumped) and "suspected fraud" not in str(dumped) and "Fraud desk" not in str(dumped)
    assert (shown.subject, shown.status_name, shown.status_category) == ("Card charged twice", "Open", "open")


def test_a_desk_status_name_stays_with_staff(desk_ticket):
    """Customers are told what kind of status it is, never the desk's own name for it."""
    agent, customer, ticket = desk_ticket["agent"], desk_ticket["customer"], desk_ticket["ticket"]
    with write_session() as s:
        s.exec(select(TicketStatus).where(TicketStatus.key == "on_hold")).one().name = "Escalated to fraud team"
        desk._vocabulary_changed(s)
    with write_session() as s:
        tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=ticket.id, data=TicketUpdate(status="on_hold"))
    with read_session() as s:
        staff_view = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=ticket.id)
        mine = tickets.customer_tickets(s, actor=Actor.for_user(customer)).items
    assert staff_view.status_name == "Escalated to fraud team"
    assert [(t.status_name, t.status_category) for t in mine] == [("Open", "on_hold")]


def test_the_conversation_a_requester_gets_has_no_notes_and_no_staff_ids(desk_ticket):
    agent, customer, ticket = desk_ticket["agent"], desk_ticket["customer"], desk_ticket["ticket"]
    with read_session() as s:
        shown = tickets.customer_messages(s, actor=Actor.for_user(customer), ticket_id=ticket.id)
    assert [(m.body_text, m.by_you, m.by_staff, m.author_name) for m in shown] == [
        ("Two charges of 40 EUR", True, False, customer.name),
        ("We are looking into it.", False, True, agent.name),
    ]
    assert set(shown[0].model_dump()) == {
        "id", "author_name", "by_staff", "by_you", "body_html", "body_text", "created_at", "attachments"
    }  # fmt: skip


def test_staff_and_customers_each_read_their_own_shapes(desk_ticket, people):
    agent, customer, ticket = desk_ticket["agent"], desk_ticket["customer"], desk_ticket["ticket"]
    stranger = people.make(Role.customer)
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)
    with read_session() as s:
        for staff_read in (
            lambda: tickets.get_ticket(s, actor=requester, ticket_id=ticket.id),
            lambda: tickets.list_messages(s, actor=requester, ticket_id=ticket.id),
            lambda: tickets.list_tickets(s, actor=requester),
            lambda: tickets.queue_totals(s, actor=requester, queues={"all": TicketFilter()}),
        ):
            with pytest.raises(PermissionDenied):
                staff_read()
        for customer_read in (
            lambda: tickets.customer_ticket(s, actor=staff, ticket_id=ticket.id),
            lambda: tickets.customer_messages(s, actor=staff, ticket_id=ticket.id),
            lambda: tickets.customer_tickets(s, actor=staff),
        ):
            with pytest.raises(PermissionDenied):
                customer_read()
        with pytest.raises(NotFound):
            tickets.customer_ticket(s, actor=Actor.for_user(stranger), ticket_id=ticket.id)
        with pytest.raises(NotFound):
            tickets.customer_messages(s, actor=Actor.for_user(stranger), ticket_id=ticket.id)
        assert tickets.customer_tickets(s, actor=Actor.for_user(stranger)).items == []
        with pytest.raises(ValidationFailed) as refused:
            tickets.customer_tickets(s, actor=requester, filters=TicketFilter(tag="chargeback"))
        assert "tag" in refused.value.details


def test_notes_and_staff_fields_leave_the_customers_updated_time_alone(desk_ticket):
    agent, customer, ticket = desk_ticket["agent"], desk_ticket["customer"], desk_ticket["ticket"]
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)

    def times() -> tuple:
        with read_session() as s:
            return (
                tickets.get_ticket(s, actor=staff, ticket_id=ticket.id).updated_at,
                tickets.customer_ticket(s, actor=requester, ticket_id=ticket.id).updated_at,
            )

    staff_before, customer_before = times()
    with write_session() as s:
        tickets.add_message(
            s, actor=staff, ticket_id=ticket.id, data=MessageCreate(body="Chased the bank", internal=True)
        )
    with write_session() as s:
        tickets.update_ticket(s, actor=staff, ticket_id=ticket.id, data=TicketUpdate(priority="low", tags=["x"]))
    staff_after, customer_after = times()
    assert staff_after > staff_before and customer_after == customer_before

    with write_session() as s:
        tickets.update_ticket(s, actor=staff, ticket_id=ticket.id, data=TicketUpdate(status="pending"))
    assert times()[1] > customer_after
    _staff, seen = times()
    with write_session() as s:
        tickets.add_message(s, actor=staff, ticket_id=ticket.id, data=MessageCreate(body="Did the refund arrive?"))
    assert times()[1] > seen


def test_the_portal_list_follows_what_the_requester_saw_change(people):
    customer, agent = people.make(Role.customer), people.make(Role.agent)
    older = make_ticket(by=customer, subject="Older request")
    newer = make_ticket(by=customer, subject="Newer request")
    make_message(ticket_id=older.id, by=agent, body="Internal chatter", internal=True)
    with read_session() as s:
        mine = tickets.customer_tickets(s, actor=Actor.for_user(customer))
        queue = tickets.list_tickets(s, actor=Actor.for_user(agent), filters=TicketFilter(requester_id=customer.id))
    assert [t.subject for t in mine.items] == ["Newer request", "Older request"] and mine.total == 2
    assert [t.subject for t in queue.items] == ["Older request", "Newer request"]  # staff see the note as news
    make_message(ticket_id=older.id, by=agent, body="Answer for you")
    with read_session() as s:
        assert [t.id for t in tickets.customer_tickets(s, actor=Actor.for_user(customer)).items] == [older.id, newer.id]
