"""What a write returns is built from what it wrote, without reading the rows back: it must equal a fresh read."""

from __future__ import annotations

from autocrm.core.db import read_session, write_session
from autocrm.models import CustomFieldType, Role, Team
from autocrm.services import api_keys, desk, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter, TicketPage
from tests.factories import make_ticket


def test_a_new_ticket_as_returned_equals_the_ticket_as_read(people):
    admin, agent, customer = people.make(Role.admin), people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        desk.create_custom_field(
            s,
            actor=Actor.for_user(admin),
            key="plan",
            label="Plan",
            field_type=CustomFieldType.select,
            options=["free", "pro"],
        )
        team = Team(name="Cards")
        s.add(team)
        s.flush()
        team_id = team.id
    data = TicketCreate(
        subject="Card blocked",
        body="<p>Blocked <b>again</b></p>",
        requester_id=customer.id,
        assignee_id=agent.id,
        team_id=team_id,
        priority="high",
        status="pending",
        tags=["Cards", "vip"],
        custom_fields={"plan": "pro"},
    )
    with write_session() as s:
        created = tickets.create_ticket(s, actor=Actor.for_user(agent), data=data)
    with read_session() as s:
        read = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=created.id)
    assert created == read
    assert (created.assignee.name, created.team.name, created.tags, created.status_name) == (
        agent.name,
        "Cards",
        ["cards", "vip"],
        "Waiting on customer",
    )

    with write_session() as s:
        plain = tickets.create_ticket(
            s, actor=Actor.for_user(customer), data=TicketCreate(subject="Hello", body="Hi there", body_format="text")
        )
    with read_session() as s:
        assert plain == tickets.get_ticket(s, actor=Actor.system("tests"), ticket_id=plain.id)


def test_a_new_message_as_returned_equals_the_message_as_read(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        ticket = make_ticket(s, by=customer, subject="Refund", body="Where is it?")
        _key, raw_key = api_keys.create_api_key(
            s, actor=Actor.system(), name="bot", scopes=[TICKETS_READ, TICKETS_WRITE], role=Role.agent
        )
    with read_session() as s:
        bot = api_keys.api_key_actor(s, raw_key)
    writers = [
        (Actor.for_user(agent), MessageCreate(body="Looking into it", body_format="text")),
        (Actor.for_user(agent), MessageCreate(body="<p>check the <i>ledger</i></p>", internal=True)),
        (bot, MessageCreate(body="Automated update", body_format="text")),
        # An Actor built without the person's name (as the logout audit does) still names the author.
        (
            Actor(role=Role.customer, label=f"user:{customer.id}", user_id=customer.id),
            MessageCreate(body="Thanks!", body_format="text"),
        ),
    ]
    for actor, data in writers:
        with write_session() as s:
            added = tickets.add_message(s, actor=actor, ticket_id=ticket.id, data=data).message
        with read_session() as s:
            conversation = tickets.list_messages(s, actor=Actor.for_user(agent), ticket_id=ticket.id)
        assert added == next(m for m in conversation if m.id == added.id)


def test_queue_totals_read_as_people_say_them(people, monkeypatch):
    from autocrm.state.staff import count_badge, total_text

    def page(total: int, estimate: bool) -> TicketPage:
        return TicketPage(items=[], total=total, page=1, per_page=25, total_is_estimate=estimate)

    assert (total_text(page(999, False)), count_badge(page(999, False))) == ("999", "999")
    assert (total_text(page(tickets.TOTAL_CAP, True)), count_badge(page(tickets.TOTAL_CAP, True))) == (
        "1,000+",
        "1,000+",
    )
    assert (total_text(page(17_516, True)), count_badge(page(17_516, True))) == ("about 17,500", "17.5k")

    agent = people.make(Role.agent)
    monkeypatch.setattr(tickets.queue, "TOTAL_CAP", 3)
    with write_session() as s:
        for n in range(5):
            tickets.create_ticket(
                s, actor=Actor.for_user(agent), data=TicketCreate(subject=f"T{n}", body="x", requester_id=agent.id)
            )
    with read_session() as s:
        capped = tickets.list_tickets(s, actor=Actor.for_user(agent), filters=TicketFilter(status=["new"]))
    assert (capped.total, capped.total_is_estimate, total_text(capped)) == (3, True, "3+")


def test_a_message_says_what_it_changed_on_its_ticket(people):
    """The portal tells a customer "we reopened your request" from this answer, not from what it saw before."""
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)
    ticket = make_ticket(by=customer, subject="Refund", body="Where is it?")

    def add(actor: Actor, body: str, *, internal: bool = False) -> tickets.MessageAdded:
        with write_session() as s:
            return tickets.add_message(
                s, actor=actor, ticket_id=ticket.id, data=MessageCreate(body=body, internal=internal)
            )

    note = add(staff, "Checking the ledger", internal=True)
    assert (note.status_before, note.status_after, note.first_response, note.reopened) == ("new", "new", False, False)
    answer = add(staff, "It left yesterday")
    assert (answer.status_before, answer.status_after, answer.first_response, answer.reopened) == (
        "new",
        "open",
        True,
        False,
    )
    assert not add(staff, "Anything else?").first_response
    with write_session() as s:
        tickets.update_ticket(s, actor=staff, ticket_id=ticket.id, data=tickets.TicketUpdate(status="pending"))
    waiting = add(requester, "Not yet arrived")
    assert (waiting.category_before, waiting.category_after, waiting.reopened) == ("pending", "open", False)
    with write_session() as s:
        tickets.update_ticket(s, actor=staff, ticket_id=ticket.id, data=tickets.TicketUpdate(status="solved"))
    again = add(requester, "It bounced back")
    assert (again.status_before, again.category_after, again.reopened) == ("solved", "open", True)


def test_a_rating_comes_back_as_the_customer_may_see_it(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        ticket = make_ticket(s, by=customer, subject="Card", body="Lost it")
        tickets.update_ticket(
            s,
            actor=Actor.for_user(agent),
            ticket_id=ticket.id,
            data=tickets.TicketUpdate(status="solved", assignee_id=agent.id),
        )
    with write_session() as s:
        rating = tickets.rate_ticket(s, actor=Actor.for_user(customer), ticket_id=ticket.id, score=5, comment="Fast")
    assert rating == tickets.RatingPublic(ticket_id=ticket.id, score=5, comment="Fast", created_at=rating.created_at)
    assert set(tickets.RatingPublic.model_fields) == {"ticket_id", "score", "comment", "created_at"}
