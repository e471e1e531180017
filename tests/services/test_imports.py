"""The batched import: same validation as the one-by-one path, one number bump, one audit entry, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from autocrm.core.db import get_engine, read_session, write_session
from autocrm.models import AuditEntry, Counter, CustomFieldType, Message, Role, Team, Ticket, TicketTag
from autocrm.services import desk, imports, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied, ValidationFailed
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter
from tests.factories import listed_for

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SYSTEM = Actor.system("test:import")


@pytest.fixture
def desk_people(people):
    customer = people.make(Role.customer, name="Carla Customer")
    agent = people.make(Role.agent, name="Andy Agent")
    with write_session() as s:
        team = Team(name="Billing")
        s.add(team)
        s.flush()
        desk.create_custom_field(
            s, actor=SYSTEM, key="plan", label="Plan", field_type=CustomFieldType.select, options=["free", "pro"]
        )
        desk.create_custom_field(s, actor=SYSTEM, key="seats", label="Seats", field_type=CustomFieldType.number)
        team_id = team.id
    return customer, agent, team_id


def _record(customer, agent, team_id, i=0, **overrides):
    at = T0 + timedelta(hours=i)
    record = {
        "subject": f"Imported question {i}",
        "status": "open",
        "priority": "high",
        "channel": "email",
        "requester_id": customer.id,
        "assignee_id": agent.id,
        "team_id": team_id,
        "tags": ["Billing", "vip"],
        "custom_fields": {"plan": "pro", "seats": 3},
        "created_at": at,
        "messages": [
            {"author_id": customer.id, "body": f"My refund {i} never arrived", "created_at": at},
            {
                "author_id": agent.id,
                "body": "Checked the ledger",
                "internal": True,
                "created_at": at + timedelta(minutes=5),
            },
            {
                "author_id": agent.id,
                "body": "<p>Sent again <script>alert(1)</script></p>",
                "body_format": "html",
                "created_at": at + timedelta(minutes=9),
            },
        ],
    }
    record.update(overrides)
    return record


def _counts():
    with read_session() as s:
        return {
            "tickets": s.exec(select(func.count()).select_from(Ticket)).one(),
            "messages": s.exec(select(func.count()).select_from(Message)).one(),
            "tags": s.exec(select(func.count()).select_from(TicketTag)).one(),
            "audit": s.exec(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import.tickets")
            ).one(),
            "counter": s.get(Counter, "ticket_number").value,
        }


def test_batch_imports_tickets_messages_tags_with_one_number_bump_and_one_audit_entry(desk_people):
    customer, agent, team_id = desk_people
    before = _counts()
    records = [_record(customer, agent, team_id, i) for i in range(3)]
    records[2].update(status="solved", tags=[], custom_fields={}, updated_at=T0 + timedelta(days=2))
    with write_session() as s:
        result = imports.import_tickets(s, actor=SYSTEM, records=records)
    assert (result.tickets, result.messages, result.tags) == (3, 9, 4)
    assert (result.first_number, result.last_number) == (before["counter"] + 1, before["counter"] + 3)

    after = _counts()
    assert after["counter"] == before["counter"] + 3
    assert (after["tickets"], after["messages"], after["tags"], after["audit"]) == (3, 9, 4, 1)
    with read_session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "import.tickets")).one()
        assert entry.changes["tickets"] == [0, 3] and entry.changes["messages"] == [0, 9]
        assert entry.changes["numbers"] == [None, [result.first_number, result.last_number]]
        assert entry.actor_label == "test:import"
        staff = Actor.for_user(agent)
        first = tickets.get_ticket(s, actor=staff, ticket_id=result.ticket_ids[0])
        assert first.number == result.first_number and first.subject == "Imported question 0"
        assert first.tags == ["billing", "vip"] and first.custom_fields == {"plan": "pro", "seats": 3}
        assert first.team.id == team_id and first.assignee.id == agent.id and first.priority == "high"
        assert first.created_at == T0 and first.updated_at == T0 + timedelta(minutes=9)
        assert first.first_response_at == T0 + timedelta(minutes=9)  # the note is not a response
        solved = tickets.get_ticket(s, actor=staff, ticket_id=result.ticket_ids[2])
        assert solved.status_category == "solved" and solved.solved_at == T0 + timedelta(days=2)
        conversation = tickets.list_messages(s, actor=staff, ticket_id=first.id)
        assert [m.internal for m in conversation] == [False, True, False]
        assert "<script" not in conversation[2].body_html and conversation[2].body_text == "Sent again"
        assert [
            m.body_text for m in tickets.customer_messages(s, actor=Actor.for_user(customer), ticket_id=first.id)
        ] == [
            "My refund 0 never arrived",
            "Sent again",
        ]
        # The search documents were kept by the database: message text, not notes for customers.
        assert [t.id for t in tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="refund 1")).items] == [
            result.ticket_ids[1]
        ]
        assert tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="ledger")).total == 3
        assert listed_for(Actor.for_user(customer), s, q="ledger") == []

    # The one-by-one path continues the numbering after the batch.
    with write_session() as s:
        single = tickets.create_ticket(s, actor=Actor.for_user(customer), data=TicketCreate(subject="After", body="x"))
    assert single.number == result.last_number + 1


BAD_RECORDS = [
    ({"status": "nope"}, "records[1].status"),
    ({"priority": "meh"}, "records[1].priority"),
    ({"assignee_id": "customer"}, "records[1].assignee_id"),
    ({"assignee_id": 999_999}, "records[1].assignee_id"),
    ({"requester_id": 999_999}, "records[1].requester_id"),
    ({"team_id": 999_999}, "records[1].team_id"),
    ({"tags": ["ok", "not ok!"]}, "records[1].tags"),
    ({"custom_fields": {"unknown": 1}}, "records[1].custom_fields.unknown"),
    ({"custom_fields": {"plan": "gold"}}, "records[1].custom_fields.plan"),
    ({"subject": ""}, "records[1].subject"),
    ({"messages": []}, "records[1].messages"),
    ({"created_at": "2025-03-01T09:00:00"}, "records[1].created_at"),  # naive: no time zone
    ({"created_at": datetime.now(UTC) + timedelta(days=1)}, "records[1].created_at"),
    ({"updated_at": T0 - timedelta(days=1)}, "records[1].updated_at"),
    ({"unexpected": 1}, "records[1].unexpected"),
    ({"team_id": 2**31}, "records[1].team_id"),  # no row can have it: refused before the database
    ({"subject": "nul \x00 byte"}, "records[1]"),  # NUL characters: refused like every service input
    ({"tags": ["ok", "n\x00l"]}, "records[1]"),
    ({"custom_fields": {"plan": "pro\x00"}}, "records[1]"),
    ({"custom_fields": {"pl\x00an": "pro"}}, "records[1]"),
]


def test_a_bad_record_fails_its_batch_naming_record_and_field_and_writes_nothing(desk_people):
    customer, agent, team_id = desk_people
    before = _counts()
    for change, field in BAD_RECORDS:
        if change.get("assignee_id") == "customer":
            change = {"assignee_id": customer.id}
        records = [_record(customer, agent, team_id, i) for i in range(3)]
        records[1].update(change)
        with pytest.raises(ValidationFailed) as info, write_session() as s:
            imports.import_tickets(s, actor=SYSTEM, records=records)
        assert field in info.value.details, (change, info.value.details)
        assert info.value.message.startswith("Record 1:")
        assert _counts() == before, change


BAD_MESSAGES = [
    ({"author_id": 999_999}, "records[2].messages[1].author_id"),
    ({"internal": True}, "records[2].messages[0].internal"),  # the customer's message turned into a note
    ({"body": "<script>only a script</script>", "body_format": "html"}, "records[2].messages[1].body"),
    ({"created_at": T0 - timedelta(days=30)}, "records[2].messages[1].created_at"),
    ({"body": "nul \x00 byte"}, "records[2].messages[1]"),  # each message checks its own text for NUL
]


def test_a_bad_message_names_record_message_and_field(desk_people):
    customer, agent, team_id = desk_people
    before = _counts()
    for change, field in BAD_MESSAGES:
        records = [_record(customer, agent, team_id, i) for i in range(3)]
        position = int(field.split("messages[")[1][0])
        records[2]["messages"][position].update(change)
        with pytest.raises(ValidationFailed) as info, write_session() as s:
            imports.import_tickets(s, actor=SYSTEM, records=records)
        assert field in info.value.details, (change, info.value.details)
        assert _counts() == before, change


def test_a_failure_while_writing_leaves_nothing_behind(desk_people, monkeypatch):
    """Validation runs before any write; a database error mid-batch rolls the whole batch back too."""
    customer, agent, team_id = desk_people
    before = _counts()

    def broken_audit(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.audit, "record", broken_audit)
    with pytest.raises(RuntimeError), write_session() as s:
        imports.import_tickets(s, actor=SYSTEM, records=[_record(customer, agent, team_id, i) for i in range(3)])
    assert _counts() == before


def test_only_admins_import_and_empty_or_oversized_batches_are_refused(desk_people, people):
    customer, agent, team_id = desk_people
    with pytest.raises(PermissionDenied), write_session() as s:
        imports.import_tickets(s, actor=Actor.for_user(agent), records=[_record(customer, agent, team_id)])
    with pytest.raises(ValidationFailed), write_session() as s:
        imports.import_tickets(s, actor=SYSTEM, records=[])
    with pytest.raises(ValidationFailed), write_session() as s:
        imports.import_tickets(s, actor=SYSTEM, records=[_record(customer, agent, team_id)] * (imports.MAX_BATCH + 1))
    assert _counts()["tickets"] == 0


def test_statements_per_batch_do_not_grow_with_its_size(desk_people):
    """Vocabularies, people and teams are loaded once per batch; rows go in bulk."""
    customer, agent, team_id = desk_people
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = get_engine()
    sizes = {}
    with read_session() as s:  # the process's copy of the vocabularies, as every batch after the first finds it
        desk.vocabulary(s)
    for size in (5, 60):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            with write_session() as s:
                imports.import_tickets(
                    s, actor=SYSTEM, records=[_record(customer, agent, team_id, i) for i in range(size)]
                )
        finally:
            event.remove(engine, "before_cursor_execute", count)
        sizes[size] = len(statements)
    assert sizes[5] == sizes[60], sizes
    assert sizes[60] <= 16, statements


def test_imported_search_documents_are_what_the_database_would_have_built(desk_people):
    """PostgreSQL: the import writes each ticket's whole document with its row (no second write when its
    messages arrive); it must hold the same words and weights the triggers give. Later writes in the same
    transaction are indexed again by the triggers."""
    customer, agent, team_id = desk_people
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)
    records = [_record(customer, agent, team_id, i) for i in range(3)]
    records[1]["messages"].append(
        {"author_id": agent.id, "body": "Refund approved, see ledger", "created_at": T0 + timedelta(hours=2)}
    )
    with write_session() as s:
        result = imports.import_tickets(s, actor=SYSTEM, records=records)
        if s.get_bind().dialect.name == "postgresql":  # each ticket row written once: no UPDATE by the message trigger
            updated = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'ticket'"
            assert s.connection().exec_driver_sql(updated).scalar_one() == 0
        # The same transaction goes on: a reply after the import is searchable like any other.
        tickets.add_message(
            s, actor=staff, ticket_id=result.ticket_ids[0], data=MessageCreate(body="Courier tracking 4711")
        )
    with read_session() as s:
        if s.get_bind().dialect.name == "postgresql":
            # Each lexeme with the weights it carries (positions differ: the import writes a ticket's
            # messages in one go, the triggers append them one statement at a time).
            words = (
                "(SELECT array_agg(lexeme || ':' || array_to_string(ARRAY(SELECT DISTINCT w FROM unnest(weights) w "
                "ORDER BY w), '') ORDER BY lexeme) FROM unnest({}))"
            )
            rows = (
                s.connection()
                .exec_driver_sql(
                    f"SELECT t.id, {words.format('t.search_doc')}, {words.format('autocrm_search_doc_of(t.id, t.subject)')} "
                    "FROM ticket t WHERE t.id = ANY(%s)",
                    (result.ticket_ids,),
                )
                .all()
            )
            assert len(rows) == 3
            for ticket_id, stored, rebuilt in rows:
                assert stored == rebuilt, ticket_id
            assert "ledger:AB" in rows[[r[0] for r in rows].index(result.ticket_ids[1])][1]  # in a reply and a note
    assert _found(staff, "courier") == _found(requester, "tracking 4711") == [result.ticket_ids[0]]
    assert _found(staff, "approved") == _found(requester, "approved ledger") == [result.ticket_ids[1]]
    assert _found(requester, "checked") == [] and len(_found(staff, "checked")) == 3  # "Checked the ledger": a note


def _found(actor, q):
    return [t.id for t in listed_for(actor, q=q)]
