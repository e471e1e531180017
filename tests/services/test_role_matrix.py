"""Every service function against every kind of actor: allowed, refused, or hidden as not found.

The UI and the REST API both go through these functions, so this table is what each role can do anywhere.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from autocrm.core.db import get_engine, write_session
from autocrm.models import CustomFieldType, Role
from autocrm.services import agents, api_keys, balancing, desk, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter, TicketUpdate

ACTORS = ["owner", "stranger", "agent", "admin", "key_read", "key_write"]
OK, DENIED, HIDDEN = "ok", "denied", "hidden"


def _row(*outcomes: str) -> dict[str, str]:
    return dict(zip(ACTORS, outcomes, strict=True))


#                                       owner   stranger agent admin key_read key_write
EXPECTED = {
    "get_ticket": _row(DENIED, HIDDEN, OK, OK, OK, DENIED),
    "list_tickets": _row(DENIED, DENIED, OK, OK, OK, DENIED),
    "list_messages": _row(DENIED, HIDDEN, OK, OK, OK, DENIED),
    "customer_ticket": _row(OK, HIDDEN, DENIED, DENIED, DENIED, DENIED),
    "customer_tickets": _row(OK, OK, DENIED, DENIED, DENIED, DENIED),
    "customer_messages": _row(OK, HIDDEN, DENIED, DENIED, DENIED, DENIED),
    "ticket_audit": _row(DENIED, HIDDEN, OK, OK, OK, DENIED),
    "read_attachment": _row(OK, HIDDEN, OK, OK, OK, DENIED),
    "read_note_file": _row(HIDDEN, HIDDEN, OK, OK, OK, DENIED),
    "create_ticket": _row(OK, OK, OK, OK, DENIED, OK),
    "follow_up": _row(OK, HIDDEN, OK, OK, DENIED, OK),
    "update_ticket": _row(DENIED, HIDDEN, OK, OK, DENIED, OK),
    "reply": _row(OK, HIDDEN, OK, OK, DENIED, OK),
    "internal_note": _row(DENIED, HIDDEN, OK, OK, DENIED, OK),
    "rate_ticket": _row(OK, HIDDEN, DENIED, DENIED, DENIED, DENIED),
    "add_attachment": _row(DENIED, HIDDEN, OK, DENIED, DENIED, DENIED),  # on the agent's reply: theirs alone
    "list_staff": _row(DENIED, DENIED, OK, OK, OK, OK),
    "list_users": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "create_user": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "update_user": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "create_team": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "create_custom_field": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "create_api_key": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "list_skills": _row(DENIED, DENIED, OK, OK, DENIED, DENIED),
    "list_organizations": _row(DENIED, DENIED, OK, OK, DENIED, DENIED),
    "create_skill": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),
    "set_capacity": _row(DENIED, DENIED, DENIED, OK, DENIED, DENIED),  # an agent who leads none of their teams
    "set_availability": _row(DENIED, DENIED, OK, OK, DENIED, DENIED),  # one's own
    "set_requirements": _row(DENIED, HIDDEN, OK, OK, DENIED, OK),
}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def desk_with_ticket(people):
    """A solved ticket of `owner`, with a public reply, an internal note and a file on each."""
    world = {
        "owner": people.make(Role.customer),
        "stranger": people.make(Role.customer),
        "agent": people.make(Role.agent),
        "admin": people.make(Role.admin),
    }
    with write_session() as s:
        _, read_key = api_keys.create_api_key(s, actor=Actor.system(), name="reader", scopes=["tickets:read"])
        _, write_key = api_keys.create_api_key(s, actor=Actor.system(), name="writer", scopes=["tickets:write"])
    with write_session() as s:
        actors = {name: Actor.for_user(user) for name, user in world.items()}
        actors["key_read"] = api_keys.api_key_actor(s, read_key)
        actors["key_write"] = api_keys.api_key_actor(s, write_key)
        agent = actors["agent"]
        ticket = tickets.create_ticket(
            s, actor=actors["owner"], data=TicketCreate(subject="Card declined", body="Why?")
        )
        reply = tickets.add_message(s, actor=agent, ticket_id=ticket.id, data=MessageCreate(body="Checking")).message
        note = tickets.add_message(
            s, actor=agent, ticket_id=ticket.id, data=MessageCreate(body="Fraud flag", internal=True)
        ).message
        public_file = tickets.add_attachment(
            s, actor=agent, ticket_id=ticket.id, message_id=reply.id, filename="a.png", data=PNG
        )
        note_file = tickets.add_attachment(
            s, actor=agent, ticket_id=ticket.id, message_id=note.id, filename="b.png", data=PNG
        )
        tickets.update_ticket(
            s, actor=agent, ticket_id=ticket.id, data=TicketUpdate(status="solved", assignee_id=world["agent"].id)
        )
    return {
        "actors": actors,
        "users": world,
        "ticket": ticket,
        "reply": reply,
        "public_file": public_file,
        "note_file": note_file,
    }


def _operations(w):
    t = w["ticket"].id
    customer_id = w["users"]["stranger"].id

    def create_ticket(s, a):
        extra = {} if a.role == Role.customer else {"requester_id": customer_id}
        return tickets.create_ticket(s, actor=a, data=TicketCreate(subject="New", body="Body", **extra))

    return {
        "get_ticket": lambda s, a: tickets.get_ticket(s, actor=a, ticket_id=t),
        "list_tickets": lambda s, a: tickets.list_tickets(s, actor=a, filters=TicketFilter()),
        "list_messages": lambda s, a: tickets.list_messages(s, actor=a, ticket_id=t),
        "customer_ticket": lambda s, a: tickets.customer_ticket(s, actor=a, ticket_id=t),
        "customer_tickets": lambda s, a: tickets.customer_tickets(s, actor=a),
        "customer_messages": lambda s, a: tickets.customer_messages(s, actor=a, ticket_id=t),
        "ticket_audit": lambda s, a: tickets.ticket_audit(s, actor=a, ticket_id=t),
        "read_attachment": lambda s, a: tickets.read_attachment(s, actor=a, attachment_id=w["public_file"].id),
        "read_note_file": lambda s, a: tickets.read_attachment(s, actor=a, attachment_id=w["note_file"].id),
        "create_ticket": create_ticket,
        "follow_up": lambda s, a: tickets.create_ticket(
            s, actor=a, data=TicketCreate(subject="Again", body="Body", follow_up_of_id=t)
        ),
        "update_ticket": lambda s, a: tickets.update_ticket(
            s, actor=a, ticket_id=t, data=TicketUpdate(priority="high")
        ),
        "reply": lambda s, a: tickets.add_message(s, actor=a, ticket_id=t, data=MessageCreate(body="More")),
        "internal_note": lambda s, a: tickets.add_message(
            s, actor=a, ticket_id=t, data=MessageCreate(body="Psst", internal=True)
        ),
        "rate_ticket": lambda s, a: tickets.rate_ticket(s, actor=a, ticket_id=t, score=5),
        "add_attachment": lambda s, a: tickets.add_attachment(
            s, actor=a, ticket_id=t, message_id=w["reply"].id, filename="c.png", data=PNG
        ),
        "list_staff": lambda s, a: users.list_staff(s, actor=a),
        "list_users": lambda s, a: users.list_users(s, actor=a),
        "create_user": lambda s, a: users.create_user(
            s, actor=a, email="made@example.com", name="Made", role=Role.agent
        ),
        "update_user": lambda s, a: users.update_user(s, actor=a, user_id=customer_id, role=Role.agent),
        "create_team": lambda s, a: users.create_team(s, actor=a, name="Escalations"),
        "create_custom_field": lambda s, a: desk.create_custom_field(
            s, actor=a, key="plan", label="Plan", field_type=CustomFieldType.text
        ),
        "create_api_key": lambda s, a: api_keys.create_api_key(s, actor=a, name="k", scopes=["tickets:read"]),
        "list_skills": lambda s, a: agents.list_skills(s, actor=a),
        "list_organizations": lambda s, a: users.list_organizations(s, actor=a),
        "create_skill": lambda s, a: agents.create_skill(s, actor=a, name="Networking"),
        "set_capacity": lambda s, a: agents.set_capacity(
            s, actor=a, user_id=w["users"]["agent"].id, max_open_tickets=3
        ),
        "set_availability": lambda s, a: agents.set_availability(s, actor=a, availability="away"),
        "set_requirements": lambda s, a: balancing.set_requirements(s, actor=a, ticket_id=t, required_skills=[]),
    }


def _outcome(call, session, actor) -> str:
    try:
        call(session, actor)
    except PermissionDenied:
        return DENIED
    except NotFound:
        return HIDDEN
    return OK


def test_role_matrix(desk_with_ticket):
    operations = _operations(desk_with_ticket)
    assert set(operations) == set(EXPECTED)
    seen: dict[str, dict[str, str]] = {}
    for name, call in operations.items():
        seen[name] = {}
        for actor_name in ACTORS:
            # Each call runs in a transaction that is thrown away, so cells do not affect each other.
            with Session(get_engine(), expire_on_commit=False) as session:
                seen[name][actor_name] = _outcome(call, session, desk_with_ticket["actors"][actor_name])
                session.rollback()
    mismatches = {op: (seen[op], EXPECTED[op]) for op in EXPECTED if seen[op] != EXPECTED[op]}
    assert not mismatches, mismatches


def test_customer_lists_show_nothing_of_others_and_no_notes(desk_with_ticket):
    actors = desk_with_ticket["actors"]
    with Session(get_engine()) as s:
        assert tickets.customer_tickets(s, actor=actors["stranger"]).total == 0
        assert tickets.customer_tickets(s, actor=actors["owner"]).total == 1
        owner_view = tickets.customer_messages(s, actor=actors["owner"], ticket_id=desk_with_ticket["ticket"].id)
        assert "Fraud flag" not in str([m.body_text for m in owner_view]) and len(owner_view) == 2
        assert len(tickets.list_messages(s, actor=actors["agent"], ticket_id=desk_with_ticket["ticket"].id)) == 3
