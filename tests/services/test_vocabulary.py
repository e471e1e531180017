"""Each process keeps a copy of the desk's vocabularies; a change made anywhere reaches it on its next session."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from sqlalchemy import event
from sqlmodel import select

from autocrm.core.db import get_engine, read_session, write_session
from autocrm.models import CustomFieldType, Role, TicketStatus
from autocrm.services import desk, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import ValidationFailed
from autocrm.services.tickets import TicketCreate
from tests.factories import make_ticket


def _add_custom_field_elsewhere(database_url: str) -> None:
    """Another process (another server worker, say) adds a custom field."""
    os.environ["AUTOCRM_DATABASE_URL"] = database_url
    with write_session() as session:
        desk.create_custom_field(
            session,
            actor=Actor.system("admin"),
            key="plan",
            label="Plan",
            field_type=CustomFieldType.select,
            options=["free", "pro"],
        )


def test_a_field_added_by_another_process_is_known_at_once(people, db_url):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    data = TicketCreate(subject="Upgrade", body="Please", requester_id=customer.id, custom_fields={"plan": "pro"})
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        tickets.create_ticket(s, actor=Actor.for_user(agent), data=data)
    assert "custom_fields.plan" in refused.value.details

    other = multiprocessing.get_context("spawn").Process(target=_add_custom_field_elsewhere, args=(db_url,))
    other.start()
    other.join(60)
    assert other.exitcode == 0

    with write_session() as s:
        created = tickets.create_ticket(s, actor=Actor.for_user(agent), data=data)
    assert created.custom_fields == {"plan": "pro"}


def test_the_copy_is_checked_with_one_read_per_session(people):
    customer = people.make(Role.customer)
    with read_session() as s:
        desk.vocabulary(s)  # the process's copy is current
    statements: list[str] = []
    counting = lambda _conn, _cursor, statement, *_args: statements.append(statement)  # noqa: E731
    event.listen(get_engine(), "before_cursor_execute", counting)
    try:
        with read_session() as s:
            (
                desk.status_named(s, "open"),
                desk.priority_named(s, None),
                desk.custom_field_definitions(s),
                desk.statuses(s),
            )
    finally:
        event.remove(get_engine(), "before_cursor_execute", counting)
    assert len([st for st in statements if st.lstrip().upper().startswith("SELECT")]) == 1, statements
    assert customer.id


def test_a_retired_status_still_reads_on_the_tickets_in_it_but_takes_no_new_ones(people):
    agent, customer = people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        ticket = make_ticket(s, by=customer, subject="Old", body="x")
        tickets.update_ticket(
            s, actor=Actor.for_user(agent), ticket_id=ticket.id, data=tickets.TicketUpdate(status="on_hold")
        )
    with write_session() as s:
        s.exec(select(TicketStatus).where(TicketStatus.key == "on_hold")).one().is_active = False
        desk._vocabulary_changed(s)  # what an admin screen retiring a status will call
    with write_session() as s:
        reply = tickets.add_message(
            s,
            actor=Actor.for_user(agent),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(body="Still here", body_format="text"),
        ).message
        assert reply.body_text == "Still here"
        assert "on_hold" not in [st.key for st in desk.statuses(s)]
        with pytest.raises(ValidationFailed):
            desk.status_named(s, "on_hold")


def test_a_new_custom_field_comes_back_as_the_desk_will_read_it(db_url):
    with write_session() as s:
        created = desk.create_custom_field(
            s, actor=Actor.system("admin"), key="plan", label="Plan", field_type=CustomFieldType.select, options=["a"]
        )
    with read_session() as s:
        assert created == desk.custom_field_definitions(s)["plan"]
    assert (created.key, created.field_type, created.options) == ("plan", CustomFieldType.select, ("a",))
