"""Saved views: who sees and who manages them, reorder and duplicate, their tickets and counts in one
statement, and every filter of the shared filter shape (quick filters, tags, custom fields, dates, due, SLA,
search by number, name and e-mail). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from autocrm.core.db import get_engine, read_session, table_of, write_session
from autocrm.models import AuditEntry, Channel, CustomFieldDefinition, CustomFieldType, Role, Ticket, TicketSla
from autocrm.services import views
from autocrm.services.actor import TICKETS_READ, VIEWS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.tickets import TicketFilter, TicketUpdate, update_ticket
from autocrm.services.views import ViewCreate, ViewUpdate
from tests.factories import listed_for, make_team, make_ticket, make_user


@pytest.fixture
def desk(people):
    with write_session() as s:
        views.ensure_builtin_views(s)
    people.opener = people.make(Role.agent)  # type: ignore[attr-defined]  # opens the tests' tickets
    return people


def _ticket(desk, **fields):
    """A ticket an agent opened for a new customer, so staff-only fields may be set."""
    fields.setdefault("requester", make_user(Role.customer))
    return make_ticket(by=desk.opener, **fields)


def _create(actor: Actor, **fields) -> views.ViewPublic:
    with write_session() as s:
        return views.create_view(s, actor=actor, data=ViewCreate(**fields))


def _names(actor: Actor) -> list[str]:
    with read_session() as s:
        return [v.name for v in views.list_views(s, actor=actor)]


def _numbers(actor: Actor, **filters) -> set[int]:
    return {t.number for t in listed_for(actor, **filters)}


def test_the_built_in_views_are_rows_everyone_sees(desk):
    agent = desk.actor(desk.make(Role.agent))
    assert _names(agent) == ["Unsolved", "Assigned to me", "Unassigned", "All tickets"]
    with write_session() as s:
        views.ensure_builtin_views(s)  # a second start adds nothing
    assert len(_names(agent)) == 4
    with read_session() as s:
        listed = views.list_views(s, actor=agent)
    assert {v.builtin_key for v in listed} == set(views.BUILTIN_VIEWS)
    assert not any(v.can_edit for v in listed)  # shared: admins' to manage


def test_a_personal_view_is_invisible_to_others_and_a_team_view_only_to_the_team(desk):
    maya, omar = desk.make(Role.agent), desk.make(Role.agent)
    admin = desk.make(Role.admin)
    cards = make_team(name="Cards", member_ids=[maya.id])
    mine = _create(desk.actor(maya), name="My urgent", filters={"priority": ["urgent"]})
    team_view = _create(desk.actor(admin), name="Cards queue", visibility="team", team_id=cards.id)
    assert "My urgent" in _names(desk.actor(maya)) and "Cards queue" in _names(desk.actor(maya))
    assert "My urgent" not in _names(desk.actor(omar)) and "Cards queue" not in _names(desk.actor(omar))
    assert "My urgent" not in _names(desk.actor(admin))  # personal means personal, for admins too
    assert "Cards queue" in _names(desk.actor(admin))  # admins manage shared views
    with read_session() as s, pytest.raises(NotFound):
        views.get_view(s, actor=desk.actor(omar), view_id=mine.id)
    with read_session() as s, pytest.raises(NotFound):
        views.view_tickets(s, actor=desk.actor(omar), view_id=team_view.id)
    with write_session() as s, pytest.raises(NotFound):
        views.delete_view(s, actor=desk.actor(omar), view_id=mine.id)
    with read_session() as s, pytest.raises(PermissionDenied):
        views.list_views(s, actor=desk.actor(desk.make(Role.customer)))


def test_agents_manage_their_own_views_and_admins_the_shared_ones(desk):
    maya, admin = desk.make(Role.agent), desk.make(Role.admin)
    with write_session() as s, pytest.raises(PermissionDenied):
        views.create_view(s, actor=desk.actor(maya), data=ViewCreate(name="For all", visibility="everyone"))
    with read_session() as s:
        unsolved = next(v for v in views.list_views(s, actor=desk.actor(maya)) if v.builtin_key == "unsolved")
    with write_session() as s, pytest.raises(PermissionDenied):
        views.update_view(s, actor=desk.actor(maya), view_id=unsolved.id, data=ViewUpdate(name="Mine now"))
    with write_session() as s:
        renamed = views.update_view(s, actor=desk.actor(admin), view_id=unsolved.id, data=ViewUpdate(name="Open work"))
    assert renamed.name == "Open work" and renamed.can_edit
    own = _create(desk.actor(maya), name="  Waiting   on  me ", filters={"status_category": ["pending"]})
    assert own.name == "Waiting on me" and own.can_edit and own.visibility == "personal"
    with write_session() as s:
        changed = views.update_view(
            s, actor=desk.actor(maya), view_id=own.id, data=ViewUpdate(filters={"priority": ["high"]}, sort="number")
        )
    assert (changed.filters, changed.sort) == ({"priority": ["high"]}, "number")
    with write_session() as s:
        views.delete_view(s, actor=desk.actor(maya), view_id=own.id)
    assert "Waiting on me" not in _names(desk.actor(maya))
    with read_session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_type == "saved_view")).all()]
    assert actions == ["view.updated", "view.created", "view.updated", "view.deleted"]


def test_bad_filters_and_columns_are_refused_with_the_field_named(desk):
    maya = desk.actor(desk.make(Role.agent))
    for fields, where in (
        ({"filters": {"priority": "high"}}, "filters.priority"),
        ({"filters": {"page": 2}}, "filters.page"),
        ({"filters": {"nonsense": 1}}, "filters.nonsense"),
        ({"filters": {"quick": ["soon"]}}, "filters.quick.0"),
        ({"columns": ["salary"]}, "columns"),
        ({"name": "\x07"}, "name"),
    ):
        with write_session() as s, pytest.raises(ValidationFailed) as refused:
            views.create_view(s, actor=maya, data=ViewCreate(**{"name": "View", **fields}))
        assert where in refused.value.details, (fields, refused.value.details)


def test_reorder_and_duplicate(desk):
    maya = desk.actor(desk.make(Role.agent))
    a, b, c = (_create(maya, name=name) for name in ("A", "B", "C"))
    with write_session() as s:
        ordered = views.reorder_views(s, actor=maya, ids=[c.id, a.id])
    assert [v.name for v in ordered][-3:] == ["C", "A", "B"]
    with read_session() as s:
        unsolved = next(v for v in views.list_views(s, actor=maya) if v.builtin_key == "unsolved")
    with write_session() as s, pytest.raises(PermissionDenied):
        views.reorder_views(s, actor=maya, ids=[unsolved.id])
    with write_session() as s:
        copy = views.duplicate_view(s, actor=maya, view_id=unsolved.id)
    assert (copy.name, copy.visibility, copy.can_edit) == ("Copy of Unsolved", "personal", True)
    assert copy.filters == {"status_category": ["new", "open", "pending", "on_hold"]}
    assert _names(maya)[-1] == "Copy of Unsolved"
    assert b.id not in (a.id, c.id)


def test_quick_filters_combine_with_the_view(desk):
    maya_user = desk.make(Role.agent)
    maya, omar = desk.actor(maya_user), desk.make(Role.agent)
    system = Actor.system("tests")
    urgent_mine = _ticket(desk, subject="Urgent and mine", priority="urgent", assignee_id=maya_user.id)
    high_free = _ticket(desk, subject="High, nobody's", priority="high")
    low_omar = _ticket(desk, subject="Low, Omar's", priority="low", assignee_id=omar.id)
    late = _ticket(desk, subject="Past due")
    with write_session() as s:
        update_ticket(
            s, actor=system, ticket_id=late.id, data=TicketUpdate(due_at=datetime.now(UTC) - timedelta(hours=2))
        )
        # One ticket last touched two hours ago: "updated in the last hour" leaves it out.
        s.execute(
            update(table_of(Ticket))
            .where(table_of(Ticket).c.id == low_omar.id)
            .values(updated_at=datetime.now(UTC) - timedelta(hours=2))
        )
    assert _numbers(maya, quick=["high_priority"]) == {urgent_mine.number, high_free.number}
    assert _numbers(maya, quick=["unassigned"]) == {high_free.number, late.number}
    assert _numbers(maya, quick=["mine"]) == {urgent_mine.number}
    assert _numbers(maya, quick=["overdue"]) == {late.number}
    assert low_omar.number not in _numbers(maya, quick=["updated_last_hour"])
    assert _numbers(maya, quick=["high_priority", "unassigned"]) == {high_free.number}
    view = _create(maya, name="High", filters={"priority": ["urgent", "high"]})
    with read_session() as s:
        page = views.view_tickets(s, actor=maya, view_id=view.id, quick=["unassigned"])
    assert [t.number for t in page.items] == [high_free.number] and page.total == 1
    key = Actor(role=Role.agent, label="api_key:1:k", api_key_id=1, scopes=frozenset({TICKETS_READ}))
    with pytest.raises(ValidationFailed):  # a key has no "me"
        listed_for(key, quick=["mine"])


def test_every_filter_of_the_view_shape(desk):
    maya = desk.actor(desk.make(Role.agent))
    org_person = make_user(Role.customer, name="Zed Quinlan", email="zed.quinlan@bigcorp.example")
    with write_session() as s:
        s.add(
            CustomFieldDefinition(key="plan", label="Plan", field_type=CustomFieldType.select, options=["gold", "free"])
        )
        s.add(CustomFieldDefinition(key="seats", label="Seats", field_type=CustomFieldType.number))
    team = make_team(name="Payments")
    tagged = _ticket(desk, subject="Card declined", tags=["cards", "vip"], team_id=team.id, channel=Channel.email)
    other = _ticket(desk, subject="Change address", tags=["cards"], custom_fields={"plan": "gold", "seats": 5})
    plain = _ticket(desk, subject="Quinlan's invoice", requester=org_person)
    assert _numbers(maya, tags_any=["vip", "nothing"]) == {tagged.number}
    assert _numbers(maya, tags_all=["cards", "vip"]) == {tagged.number}
    assert _numbers(maya, tags_none=["cards"]) == {plain.number}
    assert _numbers(maya, team_id=team.id) == {tagged.number}
    assert _numbers(maya, channel=["email"]) == {tagged.number}
    assert _numbers(maya, custom_fields={"plan": "gold"}) == {other.number}
    assert _numbers(maya, custom_fields={"seats": 5}) == {other.number}
    assert _numbers(maya, custom_fields={"plan": "free"}) == set()
    assert _numbers(maya, requester_id=org_person.id) == {plain.number}
    now = datetime.now(UTC)
    assert _numbers(maya, created_after=now - timedelta(minutes=5)) == {tagged.number, other.number, plain.number}
    assert _numbers(maya, created_before=now - timedelta(minutes=5)) == set()
    assert _numbers(maya, updated_after=now + timedelta(minutes=5)) == set()
    # Search by number (#1234 or 1234), by customer name or e-mail, and by words.
    assert _numbers(maya, q=f"#{other.number}") == {other.number}
    assert _numbers(maya, q=str(other.number)) == {other.number}
    assert _numbers(maya, q="quinlan") == {plain.number}
    assert _numbers(maya, q="zed.quinlan@bigcorp") == {plain.number}
    assert _numbers(maya, q="declined") == {tagged.number}
    with pytest.raises(ValidationFailed):
        listed_for(maya, custom_fields={"bad key!": 1})


def test_sla_filters_read_the_ticket_clock(desk):
    maya = desk.actor(desk.make(Role.agent))
    breached, running, paused = _ticket(desk, subject="a"), _ticket(desk, subject="b"), _ticket(desk, subject="c")
    now = datetime.now(UTC)
    with write_session() as s:
        s.add(TicketSla(ticket_id=breached.id, next_due_at=now - timedelta(minutes=1), breaches={}))
        s.add(TicketSla(ticket_id=running.id, next_due_at=now + timedelta(hours=1), breaches={}))
        s.add(TicketSla(ticket_id=paused.id, next_due_at=None, breaches={}))
        s.execute(update(table_of(Ticket)).where(table_of(Ticket).c.id == paused.id).values(status="pending"))
    assert _numbers(maya, sla=["breached"]) == {breached.number}
    assert _numbers(maya, sla=["running"]) == {running.number}
    assert _numbers(maya, sla=["paused"]) == {paused.number}
    assert _numbers(maya, sla=["breached", "paused"]) == {breached.number, paused.number}


def test_the_counts_of_every_view_come_from_one_statement(desk):
    maya_user = desk.make(Role.agent)
    maya = desk.actor(maya_user)
    _ticket(desk, priority="urgent", assignee_id=maya_user.id)
    _ticket(desk, priority="low")
    for n in range(6):
        _create(maya, name=f"View {n}", filters={"priority": ["urgent"]} if n % 2 else {"tags_any": ["x"]})
    with read_session() as s:
        listed = views.list_views(s, actor=maya)
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(get_engine(), "before_cursor_execute", count)
        try:
            counts = views.view_counts(s, actor=maya, views=listed)
        finally:
            event.remove(get_engine(), "before_cursor_execute", count)
    selects = [st for st in statements if st.lstrip().upper().startswith(("SELECT", "WITH"))]
    # One statement for all the counts, besides the desk's vocabulary check (see test_query_counts).
    assert len([st for st in selects if "FROM counter" not in st]) == 1, statements
    assert len(selects) <= 2, statements
    by_name = {v.name: counts[v.id].total for v in listed}
    assert by_name["Unsolved"] == 2 and by_name["Assigned to me"] == 1 and by_name["Unassigned"] == 1
    assert by_name["View 1"] == 1 and by_name["View 0"] == 0
    with read_session() as s:
        narrowed = views.view_counts(s, actor=maya, quick=["high_priority"])
    assert {v.name: narrowed[v.id].total for v in listed}["Unsolved"] == 1


def test_an_api_key_reads_views_with_tickets_read_and_skips_views_on_me(desk):
    key = Actor(role=Role.agent, label="api_key:1:k", api_key_id=1, scopes=frozenset({TICKETS_READ}))
    with read_session() as s:
        names = [v.name for v in views.list_views(s, actor=key)]
        counts = views.view_counts(s, actor=key)
    assert names == ["Unsolved", "Assigned to me", "Unassigned", "All tickets"]
    assert len(counts) == 3  # not "Assigned to me": a key has no "me"
    only_views = Actor(role=Role.agent, label="api_key:2:k", api_key_id=2, scopes=frozenset({VIEWS_READ}))
    with read_session() as s:
        assert len(views.list_views(s, actor=only_views)) == 4
    nothing = Actor(role=Role.agent, label="api_key:3:k", api_key_id=3, scopes=frozenset({"users:read"}))
    with read_session() as s, pytest.raises(PermissionDenied):
        views.list_views(s, actor=nothing)


def test_the_filter_shape_is_one(desk):
    """A view stores the ticket list's own filter; what the list refuses, a view refuses."""
    assert views.clean_filters({"quick": ["overdue"], "tags_any": ["a"], "priority": []}) == {
        "quick": ["overdue"],
        "tags_any": ["a"],
    }
    with pytest.raises(ValidationFailed):
        views.clean_filters({"sort": "number"})
    assert set(TicketFilter.model_fields) - {"sort", "page", "per_page"} <= set(TicketFilter.model_fields)
