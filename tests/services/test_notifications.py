"""Notification mails: the after-commit handlers, given Event values built here, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import itertools
from datetime import UTC, datetime
from email.message import Message
from email.policy import default as default_policy
from typing import Any

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.models import OutboundMailRecord, Role, User
from autocrm.services import notifications, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.services.events import Event
from autocrm.services.tickets import TicketUpdate
from tests.factories import make_message, make_ticket

_event_ids = itertools.count(1000)


def _event(type_: str, ticket_id: int, *, by: Any = None, via: str = "web", **data: Any) -> Event:
    return Event(
        id=next(_event_ids),
        type=type_,
        actor_label=f"user:{by.id}" if by is not None else "system",
        actor_user_id=by.id if by is not None else None,
        actor_role=by.role.value if by is not None else "admin",
        via=via,
        ticket_id=ticket_id,
        data=data,
        created_at=datetime.now(UTC),
    )


def _run(handler: Any, event: Event) -> None:
    with write_session() as session:
        handler(session, event)


def _mails() -> list[Message]:
    paths = sorted(get_settings().outbox_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [email.message_from_bytes(path.read_bytes(), policy=default_policy) for path in paths]


def _parts(message: Message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def _ticket(people, **fields: Any):
    customer = people.make(Role.customer, name="Jane <Doe>")
    agent = people.make(Role.agent, name="Ada Agent")
    ticket = make_ticket(requester=customer, subject="Printer <b>fire</b>", **fields)
    return customer, agent, ticket


def test_the_requester_gets_an_acknowledgement_with_the_number(people):
    customer, _, ticket = _ticket(people)
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    (mail,) = _mails()
    assert mail["To"] == customer.email
    assert f"#{ticket.number}" in mail["Subject"]
    parts = _parts(mail)
    assert f"#{ticket.number}" in parts["text/plain"]
    assert "Printer <b>fire</b>" in parts["text/plain"]
    assert "Printer &lt;b&gt;fire&lt;/b&gt;" in parts["text/html"]
    assert "Jane &lt;Doe&gt;" in parts["text/html"] and "<Doe>" not in parts["text/html"]
    assert f"/portal/tickets/{ticket.id}" in parts["text/plain"]
    assert "AutoCRM Support" in parts["text/plain"], "the desk's name"
    host = "localhost"
    event_mail_id = mail["Message-ID"]
    assert event_mail_id.startswith(f"<ticket-{ticket.number}-") and event_mail_id.endswith(f"@{host}>")
    assert mail["In-Reply-To"] is None
    token = notifications.reply_token(ticket.number)
    assert mail["X-AutoCRM-Ticket"] == token
    assert mail["Reply-To"] == f"support+{token}@autocrm.local"
    assert notifications.ticket_number_of_reply_token(token) == ticket.number
    assert notifications.ticket_number_of_reply_token(f"t{ticket.number + 1}.{token.split('.')[1]}") is None
    assert mail["List-Unsubscribe"].startswith("<http://localhost:3000/api/v1/notifications/off?token=")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://localhost:3000/notifications/off?token=" in _parts(mail)["text/plain"]
    with read_session() as session:
        (record,) = session.exec(select(OutboundMailRecord)).all()
    assert (record.ticket_id, record.kind, record.message_id, record.recipient) == (
        ticket.id,
        "created",
        event_mail_id,
        customer.email,
    )


def test_a_second_run_for_the_same_event_sends_nothing(people):
    customer, _, ticket = _ticket(people)
    event = _event("ticket.created", ticket.id, by=customer)
    _run(notifications.ticket_created, event)
    _run(notifications.ticket_created, event)
    assert len(_mails()) == 1


def test_a_public_reply_is_mailed_with_its_text_and_chained_to_the_earlier_mails(people):
    customer, agent, ticket = _ticket(people)
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    reply = make_message(ticket_id=ticket.id, by=agent, body="<p>Unplug it & wait.</p>")
    event = _event("message.created", ticket.id, by=agent, message_id=reply.id, internal=False, author_kind="staff")
    _run(notifications.agent_replied, event)
    first, second = _mails()
    assert second["To"] == customer.email
    assert f"#{ticket.number}" in second["Subject"]
    parts = _parts(second)
    assert "Unplug it & wait." in parts["text/plain"]
    assert "Unplug it &amp; wait." in parts["text/html"]
    assert "Ada Agent" in parts["text/plain"]
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert second["Message-ID"] == f"<ticket-{ticket.number}-{event.id}.reply@localhost>"
    with read_session() as session:
        record = session.exec(select(OutboundMailRecord).where(OutboundMailRecord.kind == "reply")).one()
    assert (record.message_id, record.conversation_message_id) == (second["Message-ID"], reply.id)


def test_internal_notes_are_never_mailed(people):
    customer, agent, ticket = _ticket(people)
    note = make_message(ticket_id=ticket.id, by=agent, body="<p>Secret</p>", internal=True)
    _run(
        notifications.agent_replied,
        _event("message.created", ticket.id, by=agent, message_id=note.id, internal=True, author_kind="staff"),
    )
    # Even an event that wrongly says "public" about a note mails nothing: the stored row decides.
    _run(
        notifications.agent_replied,
        _event("message.created", ticket.id, by=agent, message_id=note.id, internal=False, author_kind="staff"),
    )
    assert _mails() == []


def test_the_customers_own_reply_is_not_mailed_back(people):
    customer, _, ticket = _ticket(people)
    own = make_message(ticket_id=ticket.id, by=customer, body="More details")
    _run(
        notifications.agent_replied,
        _event("message.created", ticket.id, by=customer, message_id=own.id, internal=False, author_kind="customer"),
    )
    assert _mails() == []


def test_solving_mails_the_rating_link_once(people):
    customer, agent, ticket = _ticket(people)
    _run(notifications.ticket_solved, _event("ticket.updated", ticket.id, by=agent, changes={"priority": ["a", "b"]}))
    _run(
        notifications.ticket_solved, _event("ticket.updated", ticket.id, by=agent, changes={"status": ["new", "open"]})
    )
    assert _mails() == []
    _run(
        notifications.ticket_solved,
        _event("ticket.updated", ticket.id, by=agent, changes={"status": ["open", "solved"]}),
    )
    (mail,) = _mails()
    assert mail["To"] == customer.email and "solved" in mail["Subject"]
    parts = _parts(mail)
    assert f"http://localhost:3000/portal/tickets/{ticket.id}" in parts["text/plain"]
    assert "Rate our help" in parts["text/html"]


def test_a_customer_solving_their_own_ticket_gets_no_mail(people):
    customer, _, ticket = _ticket(people)
    _run(
        notifications.ticket_solved,
        _event("ticket.updated", ticket.id, by=customer, changes={"status": ["open", "solved"]}),
    )
    assert _mails() == []


def test_an_agent_hears_of_a_ticket_someone_else_assigned_them(people):
    customer, agent, ticket = _ticket(people)
    admin = people.make(Role.admin, name="Boss")
    _run(
        notifications.ticket_assigned,
        _event("ticket.updated", ticket.id, by=agent, changes={"assignee_id": [None, agent.id]}),
    )
    assert _mails() == [], "taking a ticket oneself mails nobody"
    _run(
        notifications.ticket_assigned,
        _event("ticket.updated", ticket.id, by=admin, changes={"assignee_id": [None, agent.id]}),
    )
    (mail,) = _mails()
    assert mail["To"] == agent.email
    parts = _parts(mail)
    assert "Boss assigned ticket" in parts["text/plain"]
    assert f"/agent/tickets/{ticket.id}" in parts["text/plain"]
    assert mail["List-Unsubscribe"] is None, "the unsubscribe link is the customers'"
    assert "Jane &lt;Doe&gt;" in parts["text/html"]


def test_opted_out_customers_get_nothing_until_they_opt_back_in(people):
    customer, agent, ticket = _ticket(people)
    with write_session() as session:
        user = session.get(User, customer.id)
        token = notifications.unsubscribe_token(user)
    with write_session() as session:
        shown = notifications.set_notifications_by_token(session, token=token, on=False)
    assert shown.email == customer.email and shown.email_notifications is False
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    reply = make_message(ticket_id=ticket.id, by=agent, body="<p>Hi</p>")
    _run(
        notifications.agent_replied,
        _event("message.created", ticket.id, by=agent, message_id=reply.id, internal=False, author_kind="staff"),
    )
    assert _mails() == []
    with write_session() as session:
        assert notifications.set_notifications_by_token(session, token=token, on=True).email_notifications
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    assert len(_mails()) == 1


def test_a_forged_or_stale_unsubscribe_token_is_refused(people):
    customer, _, _ = _ticket(people)
    with write_session() as session:
        user = session.get(User, customer.id)
        token = notifications.unsubscribe_token(user)
        user.email = "moved@example.com"  # a link mailed to the old address no longer speaks for the account
        session.add(user)
    for bad in (token, token[:-2] + "xx", "", "garbage"):
        with write_session() as session, pytest.raises(NotFound):
            notifications.set_notifications_by_token(session, token=bad, on=False)


def test_the_mails_threads_and_unsubscribe_link_work_end_to_end(people):
    customer, agent, ticket = _ticket(people)
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    _run(
        notifications.ticket_solved,
        _event("ticket.updated", ticket.id, by=agent, changes={"status": ["open", "solved"]}),
    )
    created, solved = _mails()
    assert solved["References"] == created["Message-ID"]
    link = solved["List-Unsubscribe"].strip("<>")
    token = link.split("token=", 1)[1]
    with write_session() as session:
        notifications.set_notifications_by_token(session, token=token, on=False)
    with read_session() as session:
        assert session.get(User, customer.id).email_notifications is False


def test_a_signed_in_person_switches_their_own_notifications(people):
    customer = people.make(Role.customer)
    with write_session() as session:
        off = notifications.set_own_notifications(session, actor=people.actor(customer), on=False)
    assert off.email_notifications is False
    with read_session() as session:
        assert session.get(User, customer.id).email_notifications is False
        from autocrm.models import AuditEntry

        actions = session.exec(select(AuditEntry.action).where(AuditEntry.object_id == customer.id)).all()
    assert "user.notifications_off" in actions
    with write_session() as session, pytest.raises(NotFound):
        notifications.set_own_notifications(session, actor=Actor.system("tests"), on=True)


def test_imported_tickets_mail_nobody(people):
    customer, agent, ticket = _ticket(people)
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, via="import"))
    _run(
        notifications.ticket_solved,
        _event("ticket.updated", ticket.id, via="import", changes={"status": ["open", "solved"]}),
    )
    assert _mails() == []


def test_the_handlers_are_declared_after_commit_under_stable_names():
    from autocrm.events.listeners import AFTER_COMMIT

    declared = {listener.name: listener.handler for listeners in AFTER_COMMIT.values() for listener in listeners}
    assert declared["mail.ticket_created"] is notifications.ticket_created
    assert declared["mail.agent_replied"] is notifications.agent_replied
    assert declared["mail.ticket_solved"] is notifications.ticket_solved
    assert declared["mail.ticket_assigned"] is notifications.ticket_assigned
    assert "mail.agent_replied" in [listener.name for listener in AFTER_COMMIT["message.created"]]


def test_each_recipient_is_mailed_in_their_own_language(people):
    customer, agent, ticket = _ticket(people)
    with write_session() as session:
        users.set_own_preferences(session, actor=Actor.for_user(customer), locale="es")
        users.set_own_preferences(session, actor=Actor.for_user(agent), locale="de")
    _run(notifications.ticket_created, _event("ticket.created", ticket.id, by=customer))
    (mail,) = _mails()
    assert mail["Subject"].startswith(f"[#{ticket.number}] Hemos recibido tu solicitud: ")
    parts = _parts(mail)
    assert "Hola, Jane <Doe>:" in parts["text/plain"]
    assert f"Tu solicitud tiene el número #{ticket.number}:" in parts["text/plain"]
    assert f"el número <strong>#{ticket.number}</strong>:" in parts["text/html"]
    assert '<html lang="es">' in parts["text/html"] and "Jane &lt;Doe&gt;" in parts["text/html"]
    assert "Dejar de recibir estos correos" in parts["text/plain"]

    admin = people.make(Role.admin, name="Alex Admin")
    with write_session() as session:
        tickets.update_ticket(
            session, actor=Actor.for_user(admin), ticket_id=ticket.id, data=TicketUpdate(assignee_id=agent.id)
        )
    _run(
        notifications.ticket_assigned,
        _event("ticket.updated", ticket.id, by=admin, changes={"assignee_id": [None, agent.id]}),
    )
    assigned = _mails()[-1]
    assert assigned["Subject"].startswith(f"[#{ticket.number}] Ihnen zugewiesen: ")
    assert f"Alex Admin hat Ihnen Ticket #{ticket.number} zugewiesen." in _parts(assigned)["text/plain"]
