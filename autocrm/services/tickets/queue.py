"""The queue: a page of tickets with its filters, sort and search, and the capped totals of several queues."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnClause,
    any_,
    case,
    cast,
    column,
    false,
    literal,
    literal_column,
    or_,
    table,
    union,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, func, select

from autocrm.core import fulltext
from autocrm.core.db import table_of
from autocrm.core.i18n import t
from autocrm.models import StatusCategory, Ticket, TicketSla, TicketStatus, TicketTag, User
from autocrm.models.base import utcnow
from autocrm.services import desk, verification
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.errors import field_error
from autocrm.services.tickets.reads import customer_from, public_from, public_select, requester_only
from autocrm.services.tickets.shapes import CustomerTicketPage, QueueTotal, TicketFilter, TicketPage

SORTS: dict[str, tuple[Mapped[Any], bool]] = {
    "updated_at": (col(Ticket.updated_at), True),
    "-updated_at": (col(Ticket.updated_at), False),
    "created_at": (col(Ticket.created_at), True),
    "-created_at": (col(Ticket.created_at), False),
    "number": (col(Ticket.number), True),
    "-number": (col(Ticket.number), False),
}

# Counting stops here. Counting 10,001 matches was 85% of the database time behind a queue page on
# PostgreSQL (2.2 of 2.6 ms at 15,000 tickets); nobody pages through a thousand tickets, and a queue
# that large reads as "1,000+".
TOTAL_CAP = 1_000


def _status_keys(session: Session, categories: Sequence[StatusCategory]) -> list[str]:
    """The desk's statuses of these categories, from its vocabulary (one primary-key read per session, checked
    against the vocabulary counter), written into the statement as keys rather than a subquery: PostgreSQL then
    reads the status index. Counting open urgent tickets on a desk of 100,000 mostly closed ones went from 66 ms
    (a scan: the planner could not know the subquery's few statuses) to 7 ms."""
    wanted = set(categories)
    return [s.key for s in desk.vocabulary(session).statuses.values() if s.category in wanted]


def _search_condition(session: Session, actor: Actor, raw: str) -> Any:
    """`q`: words of the subject and the conversation (full-text, as prefixes), the ticket number, or
    (staff) part of the requester's name or e-mail."""
    q = raw.strip().lstrip("#").strip()
    if not q:
        return None
    words = fulltext.terms(q)
    number = int(q) if q.isascii() and q.isdigit() and len(q) <= 9 else None
    if session.get_bind().dialect.name == "postgresql":
        return _pg_search_condition(actor, q, words, number)

    branches = []
    if words:
        fts = table("ticket_fts", column("rowid"))
        match = fulltext.sqlite_match(words, include_notes=actor.is_staff)
        branches.append(select(fts.c.rowid).where(literal_column("ticket_fts").op("MATCH")(match)))
    if number is not None:
        branches.append(select(Ticket.id).where(Ticket.number == number).correlate(None))
    if actor.is_staff:
        # Part of the name or e-mail; '%' and '_' typed in the box are literal characters, not wildcards.
        requesters = select(User.id).where(
            col(User.email).icontains(q, autoescape=True) | col(User.name).icontains(q, autoescape=True)
        )
        branches.append(select(Ticket.id).where(col(Ticket.requester_id).in_(requesters)).correlate(None))
    if not branches:
        return false()
    # One `id IN (a UNION b ...)` as a CTE: the page and the capped count both read the matches, and SQLite
    # computes a CTE that is referenced twice once instead of searching twice.
    matches = (branches[0] if len(branches) == 1 else union(*branches)).cte("search_matches")
    return col(Ticket.id).in_(select(*matches.c))


def _pg_search_condition(actor: Actor, q: str, words: list[str], number: int | None) -> Any:
    """A filter on the ticket row itself (`search_doc @@ q OR number = n OR requester_id = ANY(...)`), not a
    set of ids: for a common word the planner walks the sort index and stops after a page of matches, for
    a rare one it ORs the GIN, number and requester indexes into one bitmap and sorts the few matches."""
    branches: list[Any] = []
    if words:
        query = fulltext.pg_tsquery(words, include_notes=actor.is_staff)
        # The column is not in the model (see core.fulltext); every statement here reads one `ticket`.
        document: ColumnClause[Any] = literal_column(f"{Ticket.__tablename__}.{fulltext.SEARCH_COLUMN}")
        branches.append(document.op("@@")(func.to_tsquery(literal_column(f"'{fulltext.TS_CONFIG}'::regconfig"), query)))
    if number is not None:
        branches.append(Ticket.number == number)
    if actor.is_staff:
        # Part of the name or e-mail: `lower(...) LIKE '%text%'` is answered by the trigram indexes (see
        # core.fulltext.PEOPLE_INDEXES); '%' and '_' typed in the box are literal characters, not wildcards.
        # `= ANY(ARRAY(...))` can use the requester index inside the bitmap, which `IN (subquery)` under an
        # OR cannot; the CTE reads the people once for the page and the count.
        needle = q.lower()
        people = (
            select(User.id)
            .where(
                func.lower(User.email).contains(needle, autoescape=True)
                | func.lower(User.name).contains(needle, autoescape=True)
            )
            .cte("search_requesters")
        )
        branches.append(col(Ticket.requester_id) == any_(func.array(select(people.c.id).scalar_subquery())))
    if not branches:
        return false()
    condition = branches[0]
    for branch in branches[1:]:
        condition = condition | branch
    return condition


def _list_conditions(session: Session, actor: Actor, f: TicketFilter) -> list[Any]:
    conditions: list[Any] = []
    if not actor.is_staff:
        conditions.append(Ticket.requester_id == actor.user_id)
        conditions.append(col(Ticket.id).not_in(verification.held_from(actor)))  # until the account verifies
    elif f.requester_id is not None:
        conditions.append(Ticket.requester_id == f.requester_id)
    if f.status:
        conditions.append(col(Ticket.status).in_(f.status))
    if f.status_category:
        conditions.append(col(Ticket.status).in_(_status_keys(session, f.status_category)))
    if f.priority:
        conditions.append(col(Ticket.priority).in_(f.priority))
    if f.assignee_id == "none":
        conditions.append(col(Ticket.assignee_id).is_(None))
    elif f.assignee_id == "me":
        if actor.user_id is None:
            raise field_error("assignee_id", t("'me' needs a signed-in person; API keys must give an agent's id."))
        conditions.append(Ticket.assignee_id == actor.user_id)
    elif f.assignee_id is not None:
        conditions.append(Ticket.assignee_id == f.assignee_id)
    if f.team_id is not None:
        conditions.append(Ticket.team_id == f.team_id)
    if f.tag:
        conditions.append(col(Ticket.id).in_(select(TicketTag.ticket_id).where(TicketTag.tag == f.tag.strip().lower())))
    conditions.extend(_view_conditions(session, actor, f))
    if f.q:
        search = _search_condition(session, actor, f.q)
        if search is not None:
            conditions.append(search)
    return conditions


_CUSTOM_FIELD_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,60}$")
_HIGH_PRIORITY = "high"  # the quick filter keeps this priority and every one ranked above it
_DONE_CATEGORIES = (StatusCategory.solved, StatusCategory.closed)
_WAITING_CATEGORIES = (StatusCategory.pending, StatusCategory.on_hold)


def _tagged(tags: list[str]) -> Any:
    return select(TicketTag.ticket_id).where(col(TicketTag.tag).in_([t.strip().lower() for t in tags]))


def _in_categories(categories: tuple[StatusCategory, ...]) -> Any:
    return col(Ticket.status).in_(select(TicketStatus.key).where(col(TicketStatus.category).in_(categories)))


def _overdue(now: datetime) -> Any:
    return (col(Ticket.due_at) < now) & ~_in_categories(_DONE_CATEGORIES)


def _custom_field_condition(key: str, value: object) -> Any:
    if not _CUSTOM_FIELD_KEY.match(key):
        raise field_error("custom_fields", f"'{key[:60]}' is not a custom field key.")
    stored = table_of(Ticket).c.custom_fields[key]
    if isinstance(value, bool):
        return stored.as_boolean() == value
    if isinstance(value, int | float):
        return stored.as_float() == float(value)
    return stored.as_string() == value


def _sla_condition(states: Sequence[str], now: datetime) -> Any:
    clocks = select(TicketSla.ticket_id)
    branches = []
    if "breached" in states:
        branches.append(col(Ticket.id).in_(clocks.where(col(TicketSla.next_due_at) <= now)))
    if "running" in states:
        branches.append(col(Ticket.id).in_(clocks.where(col(TicketSla.next_due_at) > now)))
    if "paused" in states:
        branches.append(col(Ticket.id).in_(clocks) & _in_categories(_WAITING_CATEGORIES))
    return or_(*branches)


def _quick_condition(session: Session, actor: Actor, quick: str, now: datetime) -> Any:
    if quick == "high_priority":  # keys, not a subquery: see `_status_keys`
        ranks = {p.key: p.rank for p in desk.vocabulary(session).priorities.values()}
        high = ranks.get(_HIGH_PRIORITY)
        return col(Ticket.priority).in_([key for key, rank in ranks.items() if high is not None and rank >= high])
    if quick == "unassigned":
        return col(Ticket.assignee_id).is_(None)
    if quick == "overdue":
        return _overdue(now)
    if quick == "mine":
        if actor.user_id is None:
            raise field_error("quick", "'mine' needs a signed-in person; API keys must filter by an agent's id.")
        return Ticket.assignee_id == actor.user_id
    return col(Ticket.updated_at) >= now - timedelta(hours=1)  # updated_last_hour


def _view_conditions(session: Session, actor: Actor, f: TicketFilter) -> list[Any]:
    """The filters saved views brought (tags, channel, organization, custom fields, dates, due, SLA, quick)."""
    now = utcnow()
    conditions: list[Any] = []
    if f.organization_id is not None:
        conditions.append(Ticket.organization_id == f.organization_id)
    if f.channel:
        conditions.append(col(Ticket.channel).in_(f.channel))
    if f.tags_any:
        conditions.append(col(Ticket.id).in_(_tagged(f.tags_any)))
    for tag in dict.fromkeys(f.tags_all):
        conditions.append(col(Ticket.id).in_(_tagged([tag])))
    if f.tags_none:
        conditions.append(col(Ticket.id).not_in(_tagged(f.tags_none)))
    for key, value in f.custom_fields.items():
        conditions.append(_custom_field_condition(key, value))
    for stamp, after, before in (
        (Ticket.created_at, f.created_after, f.created_before),
        (Ticket.updated_at, f.updated_after, f.updated_before),
        (Ticket.due_at, f.due_after, f.due_before),
    ):
        if after is not None:
            conditions.append(col(stamp) >= after)
        if before is not None:
            conditions.append(col(stamp) < before)
    if f.overdue:
        conditions.append(_overdue(now))
    if f.sla:
        conditions.append(_sla_condition(f.sla, now))
    for quick in dict.fromkeys(f.quick):
        conditions.append(_quick_condition(session, actor, quick, now))
    return conditions


# A search's total is counted to here only. Proving that a word matches more than N tickets costs about
# N / (its share of tickets) rows read: at 1,000,000 tickets on PostgreSQL, 1,001 matches of a word in 1-3% of
# the tickets took 10-60 ms (a sequential scan, or the GIN bitmap of a common prefix such as "pay:*"), 101
# take 1-3 ms. Nobody pages past four pages of search results; a search reads "100+".
SEARCH_TOTAL_CAP = 100


def _inline(number: int) -> Any:
    """A number written into the SQL text rather than bound. PostgreSQL re-plans a prepared statement on
    every execution unless a generic plan looks as cheap as a custom one, and with LIMIT and OFFSET as
    parameters it never does (a generic plan cannot know the page is 25 rows): planning was 75% of the
    database time behind a queue page. Each distinct text is its own prepared statement, and the
    statements differ only in page size and page number."""
    return literal(int(number), literal_execute=True)


def _capped_count(conditions: list[Any], cap: int) -> Any:
    """COUNT(*) that stops after cap + 1 rows: bounded work on a table of any size."""
    capped = (
        select(literal(1)).select_from(Ticket).where(*conditions).limit(_inline(cap + 1)).correlate(None).subquery()
    )
    return select(func.count()).select_from(capped).scalar_subquery()


def _size_estimate(session: Session) -> Any:
    """The whole table's size without counting it: PostgreSQL's planner statistics, SQLite's highest id."""
    if session.get_bind().dialect.name == "postgresql":
        pg_class = table("pg_class", column("oid"), column("reltuples"))
        return (
            select(cast(func.greatest(pg_class.c.reltuples, 0), BigInteger))
            .where(pg_class.c.oid == literal_column("'ticket'::regclass"))
            .scalar_subquery()
        )
    return select(func.max(Ticket.id)).scalar_subquery()


def _plan_once_unless_searching(session: Session, searching: bool) -> None:
    """On PostgreSQL, a queue's statement has the same good plan whatever its filter values (walk the sort
    index, keep a page): planned once per prepared statement instead of on every call, a filtered page went
    from 2.1 to 0.7 ms. A search's plan depends on its words (how common they are), so it is planned each
    time. LOCAL: until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        mode = "auto" if searching else "force_generic_plan"
        session.execute(sql_text(f"SET LOCAL plan_cache_mode = {mode}"))


def _total_column(session: Session, conditions: list[Any], cap: int) -> Any:
    """An exact count up to cap + 1, or minus the size estimate of the whole table (see `_read_total`)."""
    if conditions:
        return _capped_count(conditions, cap)
    # The whole queue: when the table's size estimate is far past the cap, counting even cap + 1 index
    # entries is wasted work; both databases evaluate a scalar subquery only when its CASE branch is taken.
    estimate = _size_estimate(session)
    return case((estimate > _inline(2 * cap), -estimate), else_=_capped_count(conditions, cap))


def _read_total(counted: int, cap: int) -> tuple[int, bool]:
    is_estimate = counted < 0 or counted > cap
    return (max(cap, -counted) if is_estimate else counted), is_estimate


# Filters whose best plan depends on how many tickets match (a tag nobody uses, a desk without due dates): with
# one generic plan PostgreSQL walked the whole sort index for a view tagged "refund" (98 ms at 100,000 tickets),
# planned per call it reads the tag index (13 ms). Planned per call, like a search.
# Status categories too: "new or open" is 0.7% of a desk of mostly closed tickets, and only a plan made for the
# statuses at hand reads the status index (a count of open urgent tickets at 100,000: 125 -> 7 ms).
_SELECTIVE_FILTERS = frozenset(
    {
        "status_category",
        "tag",
        "tags_any",
        "tags_all",
        "tags_none",
        "custom_fields",
        "due_after",
        "due_before",
        "overdue",
        "sla",
        "quick",
    }
)


def _cap_for(f: TicketFilter) -> tuple[int, bool]:
    """The count's cap, and whether the statement is planned per call (a search, or a selective filter)."""
    searching = bool(f.q and f.q.strip())
    selective = any(getattr(f, name) for name in _SELECTIVE_FILTERS)
    return (min(TOTAL_CAP, SEARCH_TOTAL_CAP) if searching else TOTAL_CAP), searching or selective


def list_tickets(session: Session, *, actor: Actor, filters: TicketFilter | None = None) -> TicketPage:
    """The queue. One SQL statement per page whatever the page size, the page number or the table size
    (two for a page past the end): the page's ids come from an index-ordered inner query (offset walks
    the covering index, not the rows), the outer query joins the page's relations, and the total is a
    count capped at TOTAL_CAP (SEARCH_TOTAL_CAP for a search) computed in the same statement."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    f = filters or TicketFilter()
    conditions = _list_conditions(session, actor, f)
    cap, searching = _cap_for(f)
    _plan_once_unless_searching(session, searching)
    column, ascending = SORTS[f.sort]
    order = [column.asc() if ascending else column.desc(), col(Ticket.id).asc() if ascending else col(Ticket.id).desc()]
    offset = (f.page - 1) * f.per_page
    page_ids = (
        select(Ticket.id)
        .where(*conditions)
        .order_by(*order)
        .offset(_inline(offset))
        .limit(_inline(f.per_page))
        .correlate(None)
    )
    total_column = _total_column(session, conditions, cap)
    statement = (
        public_select().where(col(Ticket.id).in_(page_ids)).order_by(*order).add_columns(total_column.label("total"))
    )
    rows = list(session.execute(statement))
    if rows:
        counted = rows[0].total
    elif offset == 0:
        counted = 0
    else:  # a page past the end: the total alone
        counted = session.execute(select(total_column)).scalar_one()
    total, is_estimate = _read_total(counted, cap)
    return TicketPage(
        items=[public_from(row, row, with_rating=False) for row in rows],
        total=total,
        page=f.page,
        per_page=f.per_page,
        total_is_estimate=is_estimate,
    )


# Filters a customer's list refuses (besides assignee, team, tag, priority and requester): they speak of what
# customers never see.
STAFF_ONLY_FILTERS = frozenset(
    {
        "organization_id",
        "channel",
        "tags_any",
        "tags_all",
        "tags_none",
        "custom_fields",
        "due_after",
        "due_before",
        "overdue",
        "sla",
        "quick",
    }
)


def customer_tickets(session: Session, *, actor: Actor, filters: TicketFilter | None = None) -> CustomerTicketPage:
    """The requester's own tickets in their shape, the latest change they can see first. The staff-only
    filters (assignee, team, tag, priority) are refused: they would tell a customer about fields they never see."""
    requester_only(actor)
    f = filters or TicketFilter()
    staff_only = sorted(
        ({"assignee_id", "team_id", "tag", "priority", "requester_id"} | STAFF_ONLY_FILTERS) & f.model_fields_set
    )
    if staff_only:
        raise field_error(staff_only[0], t("Filter your requests by status or by words."))
    conditions = _list_conditions(session, actor, f)
    cap, _searching = _cap_for(f)
    latest = func.coalesce(Ticket.customer_updated_at, Ticket.created_at)
    offset = (f.page - 1) * f.per_page
    total_column = _capped_count(conditions, cap)
    statement = (
        public_select(with_rating=True)
        .where(*conditions)
        .order_by(latest.desc(), col(Ticket.id).desc())
        .offset(_inline(offset))
        .limit(_inline(f.per_page))
        .add_columns(total_column.label("total"))
    )
    rows = list(session.execute(statement))
    if rows:
        counted = rows[0].total
    elif offset == 0:
        counted = 0
    else:  # a page past the end: the total alone
        counted = session.execute(select(total_column)).scalar_one()
    total, is_estimate = _read_total(counted, cap)
    return CustomerTicketPage(
        items=[customer_from(row, row) for row in rows],
        total=total,
        page=f.page,
        per_page=f.per_page,
        total_is_estimate=is_estimate,
    )


def queue_totals(session: Session, *, actor: Actor, queues: dict[str, TicketFilter]) -> dict[str, QueueTotal]:
    """The totals of several queues (the sidebar's views) in ONE statement, each counted as `list_tickets`
    counts its own."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    if not queues:
        return {}
    caps, columns, searching = [], [], False
    for f in queues.values():
        cap, is_search = _cap_for(f)
        caps.append(cap)
        searching |= is_search
        columns.append(_total_column(session, _list_conditions(session, actor, f), cap))
    _plan_once_unless_searching(session, searching)
    counted = session.execute(select(*columns)).one()
    totals = {}
    for key, cap, value in zip(queues, caps, counted, strict=True):
        total, is_estimate = _read_total(value, cap)
        totals[key] = QueueTotal(total=total, total_is_estimate=is_estimate)
    return totals
