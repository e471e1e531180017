"""SQL-count guards for the agent queue and the ticket page, and the queue's search and totals.

Not timings: the number of SQL statements behind one queue page or one ticket page must not grow with
the page size, the page number or the number of tickets (django-helpdesk ran 15,104 queries for one
page at 15,000 tickets). Counted with SQLAlchemy's `before_cursor_execute`, so every statement sent to
the database counts, SQLite's `BEGIN` included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from autocrm.core.db import get_engine, read_session, write_session
from autocrm.models import Role, Team
from autocrm.services import api_keys, imports, tickets
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.tickets import MessageCreate, TicketFilter, TicketUpdate
from tests.factories import listed_for, make_ticket

SYSTEM = Actor.system("test:counts")
T0 = datetime(2025, 1, 1, tzinfo=UTC)
# Statements per call, SQLite's BEGIN included (PostgreSQL needs one fewer).
MAX_LIST_STATEMENTS = 2
# A filter on status categories reads the desk's vocabulary counter once per session (a primary-key read; the
# vocabulary itself is cached per process) to write the categories' status keys into the statement: planned
# for those keys, PostgreSQL reads the status index (a count of open urgent tickets at 100,000: 125 -> 7 ms).
VOCABULARY_CHECK = "FROM counter"
MAX_TICKET_PAGE_STATEMENTS = 5  # get_ticket (2) + list_messages (3)
MAX_API_LIST_STATEMENTS = 5


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


class Desk:
    def __init__(self, people) -> None:
        self.customers = [people.make(Role.customer, name=f"Cora Customer{i}") for i in range(3)]
        self.agents = [people.make(Role.agent, name=f"Abe Agent{i}") for i in range(2)]
        with write_session() as s:
            teams = [Team(name=f"Team {i}") for i in range(2)]
            s.add_all(teams)
            s.flush()
            self.team_ids = [t.id for t in teams]
        self.count = 0

    def add(self, n: int) -> None:
        records = []
        for _ in range(n):
            i = self.count
            self.count += 1
            at = T0 + timedelta(hours=i)
            customer, agent = self.customers[i % 3], self.agents[i % 2]
            records.append(
                {
                    "subject": f"Card payment question {i}",
                    "status": ["new", "open", "pending", "solved"][i % 4],
                    "priority": ["low", "normal", "high"][i % 3],
                    "requester_id": customer.id,
                    "assignee_id": agent.id if i % 4 else None,
                    "team_id": self.team_ids[i % 2],
                    "tags": [f"tag{i % 5}", "common"],
                    "created_at": at,
                    "messages": [
                        {"author_id": customer.id, "body": f"My transfer number {i} is missing", "created_at": at},
                        {
                            "author_id": agent.id,
                            "body": "Internal: check the ledger",
                            "internal": True,
                            "created_at": at + timedelta(minutes=1),
                        },
                        {"author_id": agent.id, "body": "We are on it", "created_at": at + timedelta(minutes=2)},
                    ],
                }
            )
        with write_session() as s:
            imports.import_tickets(s, actor=SYSTEM, records=records)


QUEUE_CALLS = {
    "first page": lambda desk, per_page: TicketFilter(per_page=per_page),
    "filtered": lambda desk, per_page: TicketFilter(
        status=["open", "pending"], assignee_id=desk.agents[1].id, per_page=per_page
    ),
    "category and team": lambda desk, per_page: TicketFilter(
        status_category=["open", "new"], team_id=desk.team_ids[0], per_page=per_page
    ),
    "tag and priority": lambda desk, per_page: TicketFilter(tag="common", priority=["high", "low"], per_page=per_page),
    "sorted by updated": lambda desk, per_page: TicketFilter(sort="updated_at", per_page=per_page),
    "searched": lambda desk, per_page: TicketFilter(q="transfer", per_page=per_page),
    "searched requester": lambda desk, per_page: TicketFilter(q="cora", per_page=per_page),
    "deep page": lambda desk, per_page: TicketFilter(page=2, per_page=per_page),
    "past the end": lambda desk, per_page: TicketFilter(page=50, per_page=per_page),
}


def _queue_statements(desk: Desk, actor: Actor, per_page: int) -> dict[str, int]:
    counts = {}
    for name, make in QUEUE_CALLS.items():
        with read_session() as s, counting() as statements:
            page = tickets.list_tickets(s, actor=actor, filters=make(desk, per_page))
        if name != "past the end":
            assert page.items, name
        counts[name] = len([st for st in statements if VOCABULARY_CHECK not in st])
    return counts


def test_queue_statements_do_not_grow_with_page_size_page_number_or_tickets(people):
    desk = Desk(people)
    desk.add(10)
    staff = Actor.for_user(desk.agents[0])
    small = _queue_statements(desk, staff, per_page=5)
    desk.add(90)
    large = _queue_statements(desk, staff, per_page=5)
    wide = _queue_statements(desk, staff, per_page=50)
    assert small == large == wide, (small, large, wide)
    past_the_end = small.pop("past the end")
    assert max(small.values()) <= MAX_LIST_STATEMENTS, small
    assert past_the_end <= MAX_LIST_STATEMENTS + 1
    customer = Actor.for_user(desk.customers[0])
    mine = _customer_statements(customer, per_page=2)
    assert mine == _customer_statements(customer, per_page=30) and max(mine.values()) <= MAX_LIST_STATEMENTS, mine


def _customer_statements(actor: Actor, per_page: int) -> dict[str, int]:
    """ "My requests" in the portal, by the calls its lists make."""
    calls = {
        "all": TicketFilter(per_page=per_page),
        "open": TicketFilter(status_category=["new", "open", "pending", "on_hold"], per_page=per_page),
        "searched": TicketFilter(q="transfer", per_page=per_page),
        "deep page": TicketFilter(page=2, per_page=per_page),
    }
    counts = {}
    for name, f in calls.items():
        with read_session() as s, counting() as statements:
            tickets.customer_tickets(s, actor=actor, filters=f)
        counts[name] = len([st for st in statements if VOCABULARY_CHECK not in st])
    return counts


def test_ticket_page_statements_do_not_grow_with_the_conversation(people):
    desk = Desk(people)
    desk.add(3)
    staff = Actor.for_user(desk.agents[0])
    with read_session() as s:
        ticket_id = tickets.list_tickets(s, actor=staff).items[0].id

    def ticket_page() -> int:
        with read_session() as s, counting() as statements:
            tickets.get_ticket(s, actor=staff, ticket_id=ticket_id)
            assert tickets.list_messages(s, actor=staff, ticket_id=ticket_id)
        return len(statements)

    short = ticket_page()
    with write_session() as s:
        for i in range(15):
            tickets.add_message(
                s, actor=staff, ticket_id=ticket_id, data=MessageCreate(body=f"Update {i}", internal=i % 2 == 0)
            )
        tickets.update_ticket(
            s, actor=staff, ticket_id=ticket_id, data=TicketUpdate(tags=["a", "b", "c"], assignee_id=desk.agents[1].id)
        )
    assert ticket_page() == short <= MAX_TICKET_PAGE_STATEMENTS


def test_api_list_statements_do_not_grow(people):
    from autocrm.api import create_app

    desk = Desk(people)
    desk.add(10)
    with write_session() as s:
        _key, raw = api_keys.create_api_key(s, actor=SYSTEM, name="counts", scopes=[TICKETS_READ, TICKETS_WRITE])
    client = TestClient(create_app())
    headers = {"Authorization": f"Bearer {raw}"}

    def api_statements(**params) -> int:
        with counting() as statements:
            response = client.get("/api/v1/tickets", params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["items"]
        return len(statements)

    # The key's first use notes its last-use time (once a minute): counted here, it would be one scenario's.
    api_statements()
    scenarios = {
        "list": {},
        "filter": {"status": "open,pending", "assignee": desk.agents[1].id},
        "search": {"q": "transfer"},
        "deep": {"page": 2},
    }
    small = {name: api_statements(per_page=5, **params) for name, params in scenarios.items()}
    desk.add(90)
    large = {name: api_statements(per_page=50, **params) for name, params in scenarios.items()}
    assert small == large, (small, large)
    assert max(large.values()) <= MAX_API_LIST_STATEMENTS, large


# ---- what the queue finds, and how it counts -----------------------------------------------------------


def test_search_uses_subject_and_conversation_and_keeps_notes_from_customers(people):
    desk = Desk(people)
    desk.add(8)
    staff, customer = Actor.for_user(desk.agents[0]), Actor.for_user(desk.customers[1])

    def found(actor, q):
        return {t.subject for t in listed_for(actor, q=q)}

    assert found(staff, "question 3") == {"Card payment question 3"}
    assert found(staff, "paym") == {f"Card payment question {i}" for i in range(8)}  # word prefixes
    assert found(staff, "transfer number 5") == {"Card payment question 5"}
    assert found(staff, "payment transfer 5") == {"Card payment question 5"}  # subject and message words together
    assert len(found(staff, "ledger")) == 8  # internal notes: staff only
    assert found(customer, "ledger") == set()
    assert found(customer, "transfer") == {f"Card payment question {i}" for i in (1, 4, 7)}  # their own tickets only
    with read_session() as s:
        number = tickets.list_tickets(s, actor=staff, filters=TicketFilter(sort="number")).items[2].number
    assert found(staff, f"#{number}") == {"Card payment question 2"}
    assert found(staff, desk.customers[2].email.split("@")[0]) == {f"Card payment question {i}" for i in (2, 5)}
    assert found(staff, "nothing-like-this") == set()
    assert found(staff, "%") == set()

    # The documents follow writes in the same transaction: a reply, a note, a new subject.
    with read_session() as s:
        target = tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="question 6")).items[0]
    with write_session() as s:
        tickets.add_message(s, actor=staff, ticket_id=target.id, data=MessageCreate(body="Refund issued via SWIFT"))
        tickets.add_message(
            s, actor=staff, ticket_id=target.id, data=MessageCreate(body="Escalated to compliance", internal=True)
        )
        tickets.update_ticket(s, actor=staff, ticket_id=target.id, data=TicketUpdate(subject="Chargeback dispute"))
    assert found(staff, "swift") == {"Chargeback dispute"} == found(staff, "chargeback")
    assert found(staff, "compliance") == {"Chargeback dispute"}
    assert found(staff, "question 6") == set()
    assert found(Actor.for_user(desk.customers[0]), "compliance") == set()
    assert found(Actor.for_user(desk.customers[0]), "swift") == {"Chargeback dispute"}


def test_totals_are_exact_up_to_the_cap_then_flagged_as_estimates(people, monkeypatch):
    desk = Desk(people)
    desk.add(30)
    staff = Actor.for_user(desk.agents[0])
    with read_session() as s:
        exact = tickets.list_tickets(s, actor=staff, filters=TicketFilter(per_page=5))
        assert (exact.total, exact.total_is_estimate) == (30, False)
        monkeypatch.setattr(tickets.queue, "TOTAL_CAP", 12)
        capped = tickets.list_tickets(s, actor=staff, filters=TicketFilter(tag="common", per_page=5))
        assert (capped.total, capped.total_is_estimate, len(capped.items)) == (12, True, 5)  # "12+"
        whole = tickets.list_tickets(s, actor=staff, filters=TicketFilter(per_page=5))
        assert whole.total_is_estimate and whole.total >= 12  # the table's size estimate
        small = tickets.list_tickets(s, actor=staff, filters=TicketFilter(status=["new"], per_page=5))
        assert (small.total, small.total_is_estimate) == (8, False)
        beyond = tickets.list_tickets(s, actor=staff, filters=TicketFilter(tag="common", page=20, per_page=5))
        assert (beyond.items, beyond.total, beyond.total_is_estimate) == ([], 12, True)


def test_a_search_counts_to_its_own_smaller_cap(people, monkeypatch):
    """Proving that a common word matches more than N tickets reads about N / (its share) rows: a search
    counts to SEARCH_TOTAL_CAP, then says "N+"; other filters keep TOTAL_CAP."""
    desk = Desk(people)
    desk.add(9)
    staff = Actor.for_user(desk.agents[0])
    monkeypatch.setattr(tickets.queue, "SEARCH_TOTAL_CAP", 4)
    with read_session() as s:
        searched = tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="payment", per_page=3))
        assert (searched.total, searched.total_is_estimate, len(searched.items)) == (4, True, 3)  # "4+"
        few = tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="question 3"))
        assert (few.total, few.total_is_estimate) == (1, False)
        tagged = tickets.list_tickets(s, actor=staff, filters=TicketFilter(tag="common", per_page=3))
        assert (tagged.total, tagged.total_is_estimate) == (9, False)
        beyond = tickets.list_tickets(s, actor=staff, filters=TicketFilter(q="payment", page=9, per_page=3))
        assert (beyond.items, beyond.total, beyond.total_is_estimate) == ([], 4, True)


def test_the_sidebar_counts_of_every_view_are_one_statement_and_match_the_queues(people):
    from autocrm.services.tickets import queue_totals

    agent, customer = people.make(Role.agent), people.make(Role.customer)
    with write_session() as s:
        for n in range(7):
            created = make_ticket(s, by=customer, subject=f"Card {n}", body="Stuck")
            if n % 2:
                tickets.update_ticket(
                    s, actor=Actor.for_user(agent), ticket_id=created.id, data=TicketUpdate(assignee_id=agent.id)
                )
    views = {
        "unsolved": TicketFilter(status_category=["new", "open", "pending", "on_hold"]),
        "mine": TicketFilter(status_category=["new", "open", "pending", "on_hold"], assignee_id="me"),
        "unassigned": TicketFilter(assignee_id="none"),
        "all": TicketFilter(),
        "search": TicketFilter(q="card"),
    }
    statements: list[str] = []
    counting = lambda _conn, _cursor, statement, *_args: statements.append(statement)  # noqa: E731
    event.listen(get_engine(), "before_cursor_execute", counting)
    try:
        with read_session() as s:
            totals = queue_totals(s, actor=Actor.for_user(agent), queues=views)
    finally:
        event.remove(get_engine(), "before_cursor_execute", counting)
    counted = [st for st in statements if st.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len([st for st in counted if VOCABULARY_CHECK not in st]) == 1, statements
    assert len(counted) <= 2, statements  # and at most the vocabulary check besides
    with read_session() as s:
        for key, f in views.items():
            page = tickets.list_tickets(s, actor=Actor.for_user(agent), filters=f)
            assert (totals[key].total, totals[key].total_is_estimate) == (page.total, page.total_is_estimate), key
    assert (totals["mine"].total, totals["unassigned"].total, totals["all"].total) == (3, 4, 7)
