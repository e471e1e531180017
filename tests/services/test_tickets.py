import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, CustomFieldType, Message, Role, SatisfactionRating, Ticket
from autocrm.services import desk, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter, TicketUpdate
from tests.factories import listed_for, make_ticket


def test_customer_opens_ticket_with_number_status_and_audit(people):
    customer = people.make(Role.customer)
    first = make_ticket(by=customer)
    second = make_ticket(by=customer, subject="Second")
    assert second.number == first.number + 1
    assert first.status == "new" and first.priority == "normal" and first.channel == "web"
    assert first.requester.id == customer.id
    with read_session() as s:
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.object_id == first.id, AuditEntry.action == "ticket.create")
        ).one()
        assert entry.actor_user_id == customer.id
        assert entry.changes["subject"] == [None, "Printer is on fire"]


def test_script_and_event_handlers_are_stripped(people):
    customer, agent = people.make(), people.make(Role.agent)  # HTML bodies are staff's; customers write text
    t = make_ticket(
        by=agent,
        requester=customer,
        body='<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror="alert(2)"></p><a href="javascript:alert(3)">l</a>',
    )
    with read_session() as s:
        message = s.exec(select(Message).where(Message.ticket_id == t.id)).one()
    assert (
        "<script" not in message.body_html and "onerror" not in message.body_html and "onclick" not in message.body_html
    )
    assert "javascript:" not in message.body_html
    assert message.body_text.startswith("Hi")


def test_customer_sees_own_tickets_only_and_never_notes(people):
    alice, bob, agent = people.make(), people.make(), people.make(Role.agent)
    t = make_ticket(by=alice)
    with write_session() as s:
        tickets.add_message(s, actor=Actor.for_user(agent), ticket_id=t.id, data=MessageCreate(body="Looking into it"))
        tickets.add_message(
            s, actor=Actor.for_user(agent), ticket_id=t.id, data=MessageCreate(body="Secret note", internal=True)
        )
    with read_session() as s:
        with pytest.raises(NotFound):
            tickets.customer_ticket(s, actor=Actor.for_user(bob), ticket_id=t.id)
        with pytest.raises(NotFound):
            tickets.customer_messages(s, actor=Actor.for_user(bob), ticket_id=t.id)
        assert tickets.customer_tickets(s, actor=Actor.for_user(bob)).total == 0
        visible = tickets.customer_messages(s, actor=Actor.for_user(alice), ticket_id=t.id)
        assert [m.body_text for m in visible] == ["Help!", "Looking into it"]
        staff_view = tickets.list_messages(s, actor=Actor.for_user(agent), ticket_id=t.id)
        assert [m.internal for m in staff_view] == [False, False, True]
    with write_session() as s, pytest.raises(PermissionDenied):
        tickets.add_message(s, actor=Actor.for_user(alice), ticket_id=t.id, data=MessageCreate(body="x", internal=True))


def test_first_agent_reply_opens_ticket_and_records_first_response(people):
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer)
    with write_session() as s:
        tickets.add_message(
            s, actor=Actor.for_user(agent), ticket_id=t.id, data=MessageCreate(body="On it", body_format="text")
        )
    with read_session() as s:
        after = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id)
    assert after.status == "open" and after.first_response_at is not None


def test_bad_update_changes_nothing(people):
    customer, agent, other_customer = people.make(), people.make(Role.agent), people.make()
    t = make_ticket(by=customer)
    bad_updates = [
        TicketUpdate(status="no-such-status"),
        TicketUpdate(priority="meh"),
        TicketUpdate(assignee_id=other_customer.id),
        TicketUpdate(assignee_id=999_999),
        TicketUpdate(team_id=999_999),
        TicketUpdate(tags=["ok", "not ok!"]),
        TicketUpdate(custom_fields={"unknown": 1}),
        TicketUpdate(status="solved", priority="nope"),
    ]
    for update in bad_updates:
        with pytest.raises(ValidationFailed), write_session() as s:
            tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id, data=update)
    with read_session() as s:
        unchanged = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id)
        assert (unchanged.status, unchanged.priority, unchanged.assignee) == ("new", "normal", None)
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "ticket.update")).all() == []


def test_update_is_audited_per_field(people):
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer)
    with write_session() as s:
        tickets.update_ticket(
            s,
            actor=Actor.for_user(agent),
            ticket_id=t.id,
            data=TicketUpdate(status="pending", assignee_id=agent.id, tags=["billing", "VIP"]),
        )
    with read_session() as s:
        history = tickets.ticket_audit(s, actor=Actor.for_user(agent), ticket_id=t.id)
        updated = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id)
    change = history[-1].changes
    assert change["status"] == ["new", "pending"]
    assert change["assignee_id"] == [None, agent.id]
    assert change["tags"] == [[], ["billing", "vip"]]
    assert updated.tags == ["billing", "vip"] and updated.assignee.id == agent.id


def test_customer_cannot_change_fields_or_read_audit(people):
    customer = people.make()
    t = make_ticket(by=customer)
    with write_session() as s, pytest.raises(PermissionDenied):
        tickets.update_ticket(s, actor=Actor.for_user(customer), ticket_id=t.id, data=TicketUpdate(priority="urgent"))
    with read_session() as s, pytest.raises(PermissionDenied):
        tickets.ticket_audit(s, actor=Actor.for_user(customer), ticket_id=t.id)


def test_custom_fields_validated_against_definitions(people):
    customer, agent = people.make(), people.make(Role.agent)
    with write_session() as s:
        admin = Actor.system()
        desk.create_custom_field(
            s, actor=admin, key="plan", label="Plan", field_type=CustomFieldType.select, options=["free", "pro"]
        )
        desk.create_custom_field(s, actor=admin, key="seats", label="Seats", field_type=CustomFieldType.number)
        desk.create_custom_field(s, actor=admin, key="renewal", label="Renewal", field_type=CustomFieldType.date)
        desk.create_custom_field(s, actor=admin, key="vip", label="VIP", field_type=CustomFieldType.checkbox)
    t = make_ticket(by=customer)
    for bad in ({"plan": "gold"}, {"seats": "ten"}, {"seats": True}, {"renewal": "tomorrow"}, {"vip": "yes"}):
        with pytest.raises(ValidationFailed) as info, write_session() as s:
            tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id, data=TicketUpdate(custom_fields=bad))
        assert list(info.value.details) == [f"custom_fields.{next(iter(bad))}"]
    with write_session() as s:
        done = tickets.update_ticket(
            s,
            actor=Actor.for_user(agent),
            ticket_id=t.id,
            data=TicketUpdate(custom_fields={"plan": "pro", "seats": 12, "renewal": "2027-01-31", "vip": True}),
        )
    assert done.custom_fields == {"plan": "pro", "seats": 12, "renewal": "2027-01-31", "vip": True}


def test_list_filters_sorts_and_pages(people):
    customer, agent = people.make(name="Zed Requester"), people.make(Role.agent)
    made = [make_ticket(by=customer, subject=f"Issue {i}") for i in range(7)]
    with write_session() as s:
        tickets.update_ticket(
            s,
            actor=Actor.for_user(agent),
            ticket_id=made[2].id,
            data=TicketUpdate(priority="urgent", assignee_id=agent.id, tags=["vip"]),
        )
    with read_session() as s:
        staff = Actor.for_user(agent)
        page = tickets.list_tickets(s, actor=staff, filters=TicketFilter(per_page=3, page=2))
        assert page.total == 7 and len(page.items) == 3
        assert [
            t.subject for t in tickets.list_tickets(s, actor=staff, filters=TicketFilter(priority=["urgent"])).items
        ] == ["Issue 2"]
        assert tickets.list_tickets(s, actor=staff, filters=TicketFilter(assignee_id="me")).total == 1
        assert tickets.list_tickets(s, actor=staff, filters=TicketFilter(assignee_id="none")).total == 6
        assert tickets.list_tickets(s, actor=staff, filters=TicketFilter(tag="vip")).total == 1
        assert tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="zed")).total == 7
        assert (
            tickets.list_tickets(s, actor=staff, filters=TicketFilter(q=str(made[4].number))).items[0].id == made[4].id
        )
        newest_first = tickets.list_tickets(s, actor=staff).items
        assert newest_first[0].id == made[2].id  # touched last
        by_number = tickets.list_tickets(s, actor=staff, filters=TicketFilter(sort="number")).items
        assert [t.number for t in by_number] == sorted(t.number for t in made)


def test_rating_only_by_requester_once_when_solved(people):
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer)
    with write_session() as s, pytest.raises(Conflict):
        tickets.rate_ticket(s, actor=Actor.for_user(customer), ticket_id=t.id, score=5)
    with write_session() as s:
        tickets.update_ticket(
            s, actor=Actor.for_user(agent), ticket_id=t.id, data=TicketUpdate(status="solved", assignee_id=agent.id)
        )
    with write_session() as s, pytest.raises(PermissionDenied):
        tickets.rate_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id, score=5)
    with write_session() as s, pytest.raises(ValidationFailed):
        tickets.rate_ticket(s, actor=Actor.for_user(customer), ticket_id=t.id, score=6)
    with write_session() as s:
        rating = tickets.rate_ticket(
            s, actor=Actor.for_user(customer), ticket_id=t.id, score=4, comment="Quick, thanks"
        )
    assert (rating.score, rating.comment) == (4, "Quick, thanks")
    with read_session() as s:  # the rating counts for the assignee; the customer's shape does not name them
        assert s.exec(select(SatisfactionRating.agent_id)).one() == agent.id
    with write_session() as s, pytest.raises(Conflict):
        tickets.rate_ticket(s, actor=Actor.for_user(customer), ticket_id=t.id, score=5)
    with read_session() as s:
        assert tickets.customer_ticket(s, actor=Actor.for_user(customer), ticket_id=t.id).rating == 4


def test_customer_reply_reopens_solved_ticket(people):
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer)
    with write_session() as s:
        tickets.update_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id, data=TicketUpdate(status="solved"))
    with write_session() as s:
        tickets.add_message(s, actor=Actor.for_user(customer), ticket_id=t.id, data=MessageCreate(body="Still broken"))
    with read_session() as s:
        again = tickets.get_ticket(s, actor=Actor.for_user(agent), ticket_id=t.id)
    assert again.status == "open" and again.solved_at is None


def test_staff_creates_ticket_for_new_requester_by_email(people):
    agent = people.make(Role.agent)
    with write_session() as s:
        t = tickets.create_ticket(
            s,
            actor=Actor.for_user(agent),
            data=TicketCreate(
                subject="Phone call",
                body="Called about invoice",
                body_format="text",
                channel="phone",
                requester_email="New.Person@Example.com",
                requester_name="New Person",
                priority="high",
                tags=["billing"],
            ),
        )
    assert t.requester.email == "new.person@example.com" and t.channel == "phone" and t.priority == "high"


def test_attachments_checked_and_stored_outside_db(people):
    customer = people.make()
    t = make_ticket(by=customer)
    with read_session() as s:
        first_message = tickets.customer_messages(s, actor=Actor.for_user(customer), ticket_id=t.id)[0]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with write_session() as s:
        stored = tickets.add_attachment(
            s,
            actor=Actor.for_user(customer),
            ticket_id=t.id,
            message_id=first_message.id,
            filename="../../etc/screen.png",
            data=png,
        )
    assert stored.content_type == "image/png" and stored.filename == "screen.png"
    with read_session() as s:
        meta, data = tickets.read_attachment(s, actor=Actor.for_user(customer), attachment_id=stored.id)
    assert data == png
    with pytest.raises(ValidationFailed), write_session() as s:
        tickets.add_attachment(
            s,
            actor=Actor.for_user(customer),
            ticket_id=t.id,
            message_id=first_message.id,
            filename="x.exe",
            data=b"MZ\x90\x00" + b"\xff\xfe" * 100,
        )


# ---- search -----------------------------------------------------------------------------------------


def _found(actor, q):
    return sorted(t.subject for t in listed_for(actor, q=q))


def test_customers_never_match_note_words_even_beside_public_ones(people):
    """One document per ticket on PostgreSQL (notes weighted apart), separate FTS5 columns on SQLite: a
    customer's query never reaches a note's words, whatever else the conversation says."""
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer, subject="Card blocked", body="My card was blocked abroad")
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)
    with write_session() as s:
        tickets.add_message(
            s, actor=staff, ticket_id=t.id, data=MessageCreate(body="Zebrafish vault flagged", internal=True)
        )
    assert _found(staff, "zebrafish") == _found(staff, "vau") == _found(staff, "card zebrafish") == ["Card blocked"]
    assert _found(requester, "zebrafish") == _found(requester, "vau") == _found(requester, "card zebrafish") == []
    assert _found(requester, "abroad") == ["Card blocked"]

    # A public reply with one of the note's words: now the customer may find it by that word, not by the others.
    with write_session() as s:
        tickets.add_message(s, actor=staff, ticket_id=t.id, data=MessageCreate(body="Your vault card is on its way"))
    assert _found(requester, "vault") == _found(requester, "vault card") == ["Card blocked"]
    assert _found(requester, "zebrafish") == _found(requester, "vault zebrafish") == []
    assert _found(staff, "vault zebrafish") == ["Card blocked"]


def test_search_documents_follow_edited_and_deleted_messages(people):
    """No service edits or deletes messages today, but the database keeps the documents right if anything does."""
    customer, agent = people.make(), people.make(Role.agent)
    t = make_ticket(by=customer, subject="Statement", body="Where is my statement")
    staff, requester = Actor.for_user(agent), Actor.for_user(customer)
    with write_session() as s:
        reply = tickets.add_message(s, actor=staff, ticket_id=t.id, data=MessageCreate(body="Gherkin pickle")).message
        note = tickets.add_message(
            s, actor=staff, ticket_id=t.id, data=MessageCreate(body="Walrus suspicion", internal=True)
        ).message
    with write_session() as s:
        s.get(Message, reply.id).body_text = "Platypus reply"
        s.get(Message, note.id).internal = False  # a note made public becomes searchable for the customer
    assert _found(staff, "gherkin") == [] and _found(requester, "platypus") == ["Statement"]
    assert _found(requester, "walrus") == ["Statement"]
    with write_session() as s:
        s.delete(s.get(Message, note.id))
    assert _found(staff, "walrus") == [] and _found(staff, "platypus") == ["Statement"]
    with write_session() as s:
        s.delete(s.get(Ticket, t.id))
    assert _found(staff, "statement") == []


def test_search_finds_ticket_numbers_and_requesters_next_to_words(people):
    customer = people.make(name="Quentin Quartz")
    other, agent = people.make(), people.make(Role.agent)
    by_name = make_ticket(by=customer, subject="Refund please", body="Refund for order 77")
    by_word = make_ticket(by=other, subject="Quartz watch", body="Broken strap")
    staff = Actor.for_user(agent)
    assert _found(staff, "quartz") == ["Quartz watch", "Refund please"]  # a word, or a requester's name
    assert _found(Actor.for_user(other), "quartz") == ["Quartz watch"]  # customers: their own tickets, by words
    assert _found(staff, f"#{by_name.number}") == ["Refund please"]
    assert _found(Actor.for_user(customer), str(by_word.number)) == []  # someone else's ticket number
    with read_session() as s:
        page = tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="quartz", per_page=1))
    assert (page.total, len(page.items), page.items[0].subject) == (2, 1, "Quartz watch")  # newest first

    # Part of a name or e-mail, case-insensitively; '%' and '_' typed in the box match only themselves.
    percent = people.make(name="Ada 100%_Sure")
    make_ticket(by=percent, subject="Percent person", body="Hello")
    assert _found(staff, "TIN QUA") == ["Refund please"]
    assert _found(staff, "100%_s") == ["Percent person"]
    assert _found(staff, "1_0%") == []
