"""Issue 14: every service write emits its events into the outbox in its own transaction; a rolled-back
write emits nothing; `via` says through what the actor acted."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.models import EventRecord, Role
from autocrm.services import imports, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.api_keys import api_key_actor
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketUpdate
from tests.factories import make_api_key, make_message, make_ticket, make_user


def _events(after: int = 0) -> list[EventRecord]:
    with read_session() as s:
        return list(s.exec(select(EventRecord).where(col(EventRecord.id) > after).order_by(col(EventRecord.id))))


def _last_id() -> int:
    events = _events()
    return events[-1].id if events else 0


def test_every_ticket_write_emits_its_event(people):
    agent = people.make(Role.agent)
    customer = people.make(Role.customer)
    start = _last_id()
    ticket = make_ticket(requester=customer)
    make_message(ticket_id=ticket.id, by=agent, body="On it")
    make_message(ticket_id=ticket.id, by=agent, body="Looks like toner", internal=True)
    with write_session() as s:
        tickets.update_ticket(
            s, actor=people.actor(agent), ticket_id=ticket.id, data=TicketUpdate(priority="high", status="solved")
        )
    with write_session() as s:
        tickets.rate_ticket(s, actor=people.actor(customer), ticket_id=ticket.id, score=5, comment="Great")
    with write_session() as s:
        reply = tickets.add_message(
            s, actor=people.actor(agent), ticket_id=ticket.id, data=MessageCreate(body="Here is the log")
        ).message
        tickets.add_attachment(
            s, actor=people.actor(agent), ticket_id=ticket.id, message_id=reply.id, filename="log.txt", data=b"hi"
        )

    events = _events(start)
    assert [e.type for e in events] == [
        "ticket.created",
        "message.created",
        "message.created",
        "ticket.updated",
        "rating.submitted",
        "message.created",
        "attachment.added",
    ]
    assert {e.ticket_id for e in events} == {ticket.id}
    created, reply_event, note_event, updated, rated, _, attached = events
    assert created.actor_label == f"user:{customer.id}"
    assert created.actor_role == "customer" and created.via == "web"
    assert created.data["number"] == ticket.number
    assert reply_event.data["internal"] is False and reply_event.data["author_kind"] == "staff"
    assert reply_event.data["channel"] == "web"
    assert reply_event.data["changes"]["status"] == ["new", "open"]
    assert note_event.data["internal"] is True
    assert updated.data["changes"]["priority"] == ["normal", "high"]
    assert updated.data["changes"]["status"] == ["open", "solved"]
    assert rated.data["score"] == 5
    assert attached.data["message_id"] == reply.id


def test_an_update_that_changes_nothing_emits_nothing(people):
    agent = people.make(Role.agent)
    ticket = make_ticket(by=agent, requester=people.make(Role.customer), priority="high")
    start = _last_id()
    with write_session() as s:
        tickets.update_ticket(s, actor=people.actor(agent), ticket_id=ticket.id, data=TicketUpdate(priority="high"))
    assert _events(start) == []


def test_user_writes_emit_and_via_follows_the_actor(people):
    admin = people.make(Role.admin)
    start = _last_id()
    user = make_user(Role.agent)  # by the system ("tests")
    with write_session() as s:
        users.update_user(s, actor=people.actor(admin), user_id=user.id, name="Renamed Agent")
    raw = make_api_key(role=Role.agent)
    with read_session() as s:
        key_actor = api_key_actor(s, raw)
    with write_session() as s:
        tickets.create_ticket(
            s, actor=key_actor, data=TicketCreate(subject="From the API", body="x", requester_id=user.id)
        )
    events = _events(start)
    by_type = {e.type: e for e in events}
    assert by_type["user.created"].via == "system"
    assert by_type["user.created"].data["user_id"] == user.id
    assert by_type["user.updated"].via == "web"
    assert by_type["user.updated"].data["changes"] == {"name": [user.name, "Renamed Agent"]}
    assert by_type["ticket.created"].via == "api"


def test_a_rolled_back_write_emits_nothing(people):
    agent = people.make(Role.agent)
    start = _last_id()
    with pytest.raises(RuntimeError), write_session() as s:
        ticket = tickets.create_ticket(
            s, actor=people.actor(agent), data=TicketCreate(subject="Gone", body="x", requester_email="a@example.com")
        )
        tickets.add_message(s, actor=people.actor(agent), ticket_id=ticket.id, data=MessageCreate(body="reply"))
        assert len(_events_in(s, start)) >= 3  # user.created, ticket.created, message.created: in the transaction
        raise RuntimeError("the request failed after the writes")
    assert _events(start) == []


def _events_in(session, after: int) -> list[EventRecord]:
    return list(session.exec(select(EventRecord).where(col(EventRecord.id) > after)))


def test_an_import_batch_emits_one_event_via_import(people):
    customer = people.make(Role.customer)
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    records = [
        {
            "subject": f"Imported {i}",
            "requester_id": customer.id,
            "created_at": at + timedelta(hours=i),
            "messages": [{"author_id": customer.id, "body": "Old question", "created_at": at + timedelta(hours=i)}],
        }
        for i in range(3)
    ]
    start = _last_id()
    with write_session() as s:
        result = imports.import_tickets(s, actor=Actor.system("import"), records=records)
    (event,) = _events(start)
    assert event.type == "ticket.imported" and event.via == "import"
    assert event.data["tickets"] == 3 and event.data["ticket_ids"] == result.ticket_ids
