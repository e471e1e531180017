"""Tickets: create, read, list, reply, note, change, rate. Every rule about tickets is here."""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from typing import Any, Literal

import filetype
from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy import BigInteger, Select, any_, case, cast, column, false, literal, literal_column, table, union
from sqlalchemy import text as sql_text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from autocrm.core import fulltext
from autocrm.core.settings import get_settings
from autocrm.models import (
    Attachment,
    Channel,
    Message,
    Role,
    SatisfactionRating,
    StatusCategory,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketTag,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, desk
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor
from autocrm.services.auth import normalize_email
from autocrm.services.content import html_to_text, sanitize_html, text_to_html
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput, is_valid_id
from autocrm.services.storage import get_file_store

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_\-:.]{0,49}$")
MAX_TAGS = 20
SORTS = {
    "updated_at": (col(Ticket.updated_at), True),
    "-updated_at": (col(Ticket.updated_at), False),
    "created_at": (col(Ticket.created_at), True),
    "-created_at": (col(Ticket.created_at), False),
    "number": (col(Ticket.number), True),
    "-number": (col(Ticket.number), False),
}
# Once a ticket is in one of these, its requester may rate it; closed ones take no more replies.
RATEABLE_CATEGORIES = frozenset({StatusCategory.solved, StatusCategory.closed})
ALLOWED_ATTACHMENT_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ---- input shapes ---------------------------------------------------------------------------------


class TicketCreate(ServiceInput):
    subject: str = Field(min_length=1, max_length=250)
    body: str = Field(min_length=1, max_length=100_000)
    body_format: Literal["html", "text"] = "html"
    priority: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=40)
    channel: Channel | None = None
    requester_id: DbId | None = None
    requester_email: str | None = Field(default=None, max_length=254)
    requester_name: str | None = Field(default=None, max_length=200)
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    # The earlier ticket this one continues; staff who name no requester open it for that ticket's requester.
    follow_up_of_id: DbId | None = None


class TicketUpdate(ServiceInput):
    """Only the fields that are set change; `assignee_id: null` unassigns."""

    subject: str | None = Field(default=None, min_length=1, max_length=250)
    status: str | None = Field(default=None, max_length=40)
    priority: str | None = Field(default=None, max_length=40)
    assignee_id: DbId | None = None
    team_id: DbId | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    custom_fields: dict[str, Any] | None = None
    due_at: AwareDatetime | None = None

    @field_validator("due_at")
    @classmethod
    def _due_at_in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("must be a date and time between the years 1 and 9999") from None


class MessageCreate(ServiceInput):
    body: str = Field(min_length=1, max_length=100_000)
    body_format: Literal["html", "text"] = "html"
    internal: bool = False
    channel: Channel | None = None


class TicketFilter(ServiceInput):
    status: list[str] = Field(default_factory=list)
    status_category: list[StatusCategory] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)
    assignee_id: DbId | Literal["none", "me"] | None = None
    team_id: DbId | None = None
    requester_id: DbId | None = None
    tag: str | None = Field(default=None, max_length=50)
    q: str | None = Field(default=None, max_length=200)
    sort: Literal["updated_at", "-updated_at", "created_at", "-created_at", "number", "-number"] = "-updated_at"
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=25, ge=1, le=100)


# ---- public shapes ----------------------------------------------------------------------------------


class PersonRef(BaseModel):
    id: int
    name: str
    email: str | None = None
    role: Role | None = None


class TeamRef(BaseModel):
    id: int
    name: str


class TicketRef(BaseModel):
    id: int
    number: int


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class TicketPublic(BaseModel):
    id: int
    number: int
    subject: str
    status: str
    status_name: str
    status_category: StatusCategory
    priority: str
    priority_name: str
    channel: Channel
    requester: PersonRef
    assignee: PersonRef | None
    team: TeamRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    follow_up_of: TicketRef | None = None
    rating: int | None = None
    rating_comment: str | None = None


class TicketPage(BaseModel):
    items: list[TicketPublic]
    # Exact up to TOTAL_CAP matches (SEARCH_TOTAL_CAP for a search). Past it `total_is_estimate` is true and
    # `total` is the cap ("1,000+", "100+") for a filtered list, or the table's size estimate for the whole queue.
    total: int
    page: int
    per_page: int
    total_is_estimate: bool = False


class MessagePublic(BaseModel):
    id: int
    ticket_id: int
    internal: bool
    channel: Channel
    author: PersonRef | None
    body_html: str
    body_text: str
    created_at: datetime
    attachments: list[AttachmentPublic] = []


class AuditPublic(BaseModel):
    id: int
    created_at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


# ---- helpers ----------------------------------------------------------------------------------------


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip().lower().replace(" ", "-")
        if not TAG_RE.match(tag):
            raise field_error("tags", f"Tag {tag!r} is not valid: use 1-50 letters, digits, '-', '_', ':' or '.'.")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise field_error("tags", f"A ticket takes at most {MAX_TAGS} tags.")
    return sorted(cleaned)


def _body(body: str, body_format: str) -> tuple[str, str]:
    limit = get_settings().message_max_chars
    if len(body) > limit:
        raise field_error("body", f"The message is longer than {limit} characters.")
    safe = sanitize_html(text_to_html(body) if body_format == "text" else body)
    text = html_to_text(safe)
    if not text and "<img" not in safe:
        raise field_error("body", "The message is empty.")
    return safe, text


def _staff_user(session: Session, user_id: int, field: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active or not user.role.is_staff:
        raise field_error(field, f"User {user_id} is not an active agent.")
    return user


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise field_error("team_id", f"Team {team_id} does not exist.")
    return team


def _tags_of(session: Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {tid: [] for tid in ticket_ids}
    if ticket_ids:
        for ticket_id, tag in session.exec(
            select(TicketTag.ticket_id, TicketTag.tag)
            .where(col(TicketTag.ticket_id).in_(ticket_ids))
            .order_by(col(TicketTag.tag))
        ):
            tags[ticket_id].append(tag)
    return tags


def _set_tags(session: Session, ticket: Ticket, tags: list[str]) -> None:
    current = set(_tags_of(session, [ticket.id])[ticket.id])
    for tag in current - set(tags):
        session.delete(session.get(TicketTag, (ticket.id, tag)))
    for tag in set(tags) - current:
        session.add(TicketTag(ticket_id=ticket.id, tag=tag))


# How a page of tickets is read: ONE statement whatever the page size and the table size.
# The people, team, status and priority of each ticket come from LEFT JOINs on primary keys, its tags
# from a correlated aggregate over the (ticket_id, tag) primary key, and the small vocabularies
# (statuses, priorities) are joined rather than cached in-process: a join on a 6-row table costs
# nothing, and it is never stale, whichever worker an admin renamed a status on.
_Requester = aliased(User, name="requester")
_Assignee = aliased(User, name="assignee")
_Original = aliased(Ticket, name="original")
_TICKET_COLUMNS = list(Ticket.__table__.columns)


@functools.cache
def _public_select(*, with_rating: bool = False) -> Select:
    """Built once per process (statements are immutable: callers add their WHERE/ORDER BY to copies)."""
    tags = (
        select(func.aggregate_strings(TicketTag.tag, ","))
        .where(TicketTag.ticket_id == Ticket.id)
        .correlate(Ticket.__table__)
        .scalar_subquery()
    )
    columns: list[Any] = [
        *_TICKET_COLUMNS,
        _Requester.name.label("requester_name"),
        _Requester.email.label("requester_email"),
        _Assignee.name.label("assignee_name"),
        Team.name.label("team_name"),
        TicketStatus.name.label("status_name"),
        TicketStatus.category.label("status_category"),
        TicketPriority.name.label("priority_name"),
        _Original.number.label("follow_up_of_number"),
        tags.label("tag_list"),
    ]
    statement = (
        select(*columns)
        .select_from(Ticket.__table__)
        # LEFT joins also for the non-null requester/status/priority: they keep the ticket the driving
        # table, so SQLite's planner never starts from user_account.
        .outerjoin(_Requester, _Requester.id == Ticket.requester_id)
        .outerjoin(_Assignee, _Assignee.id == Ticket.assignee_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .outerjoin(TicketStatus, TicketStatus.key == Ticket.status)
        .outerjoin(TicketPriority, TicketPriority.key == Ticket.priority)
        .outerjoin(_Original, _Original.id == Ticket.follow_up_of_id)
    )
    if with_rating:
        statement = statement.outerjoin(SatisfactionRating, SatisfactionRating.ticket_id == Ticket.id).add_columns(
            SatisfactionRating.score.label("rating_score"), SatisfactionRating.comment.label("rating_comment")
        )
    return statement


def _public_from(t: Any, rel: Any, *, with_rating: bool) -> TicketPublic:
    """`t` has the ticket's fields (an ORM row or a result row), `rel` the joined columns of `_public_select`."""
    rating = rel.rating_score if with_rating else None
    return TicketPublic(
        id=t.id,
        number=t.number,
        subject=t.subject,
        status=t.status,
        status_name=rel.status_name,
        status_category=rel.status_category,
        priority=t.priority,
        priority_name=rel.priority_name,
        channel=t.channel,
        requester=PersonRef(id=t.requester_id, name=rel.requester_name, email=rel.requester_email),
        assignee=PersonRef(id=t.assignee_id, name=rel.assignee_name) if t.assignee_id else None,
        team=TeamRef(id=t.team_id, name=rel.team_name) if t.team_id else None,
        tags=sorted(rel.tag_list.split(",")) if rel.tag_list else [],
        custom_fields=t.custom_fields,
        created_at=t.created_at,
        updated_at=t.updated_at,
        first_response_at=t.first_response_at,
        solved_at=t.solved_at,
        closed_at=t.closed_at,
        due_at=t.due_at,
        follow_up_of=TicketRef(id=t.follow_up_of_id, number=rel.follow_up_of_number) if t.follow_up_of_id else None,
        rating=rating,
        rating_comment=rel.rating_comment if rating is not None else None,
    )


def _to_public(tickets: list[Ticket], session: Session, *, with_rating: bool = False) -> list[TicketPublic]:
    """Public shapes for tickets already loaded: one query for their relations, whatever their number."""
    if not tickets:
        return []
    rows = session.execute(_public_select(with_rating=with_rating).where(col(Ticket.id).in_([t.id for t in tickets])))
    related = {row.id: row for row in rows}
    return [_public_from(t, related[t.id], with_rating=with_rating) for t in tickets]


def _visible_ticket(session: Session, actor: Actor, ticket_id: int, *, scope: str = TICKETS_READ) -> Ticket:
    """The ticket if this actor may see it; customers are told 'not found' for others' tickets."""
    actor.require_scope(scope)
    ticket = session.get(Ticket, ticket_id) if is_valid_id(ticket_id) else None
    if ticket is None or (not actor.is_staff and ticket.requester_id != actor.user_id):
        raise NotFound(f"Ticket {ticket_id} not found.")
    return ticket


def _apply_status(ticket: Ticket, status: desk.StatusInfo) -> None:
    ticket.status = status.key
    now = utcnow()
    if status.category == StatusCategory.solved:
        ticket.solved_at = ticket.solved_at or now
    elif status.category == StatusCategory.closed:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
    else:
        ticket.solved_at = None
        ticket.closed_at = None


def _resolve_requester(session: Session, actor: Actor, data: TicketCreate, original: Ticket | None) -> User:
    if actor.role == Role.customer:
        if data.requester_id not in (None, actor.user_id) or data.requester_email:
            raise PermissionDenied("Customers open tickets for themselves only.")
        return session.get(User, actor.user_id)
    requester_id = data.requester_id
    if requester_id is None and not data.requester_email and original is not None:
        requester_id = original.requester_id
    if requester_id is not None:
        requester = session.get(User, requester_id)
        if requester is None or not requester.is_active:
            raise field_error("requester_id", f"User {requester_id} does not exist.")
        return requester
    if not data.requester_email:
        raise field_error("requester_email", "Say who the ticket is for: requester_id or requester_email.")
    email = normalize_email(data.requester_email)
    requester = session.exec(select(User).where(User.email == email)).first()
    if requester is None:
        from autocrm.services.users import create_user

        requester = create_user(
            session,
            actor=Actor.system(actor.label),
            email=email,
            name=data.requester_name or email.split("@")[0],
            role=Role.customer,
        )
    return requester


# ---- use cases ---------------------------------------------------------------------------------------


def create_ticket(session: Session, *, actor: Actor, data: TicketCreate) -> TicketPublic:
    actor.require_scope(TICKETS_WRITE)
    staff_only = {
        "priority",
        "status",
        "assignee_id",
        "team_id",
        "tags",
        "custom_fields",
        "requester_email",
        "requester_name",
    }
    if not actor.is_staff and staff_only & {k for k in data.model_fields_set if getattr(data, k)}:
        raise PermissionDenied(
            "Customers may set only a new ticket's subject, its message and the ticket it follows up."
        )
    # Sanitize before the first statement: on SQLite that statement takes the write lock.
    body_html, body_text = _body(data.body, data.body_format)
    # A customer follows up their own tickets only: others' are "not found", as everywhere.
    original = (
        _visible_ticket(session, actor, data.follow_up_of_id, scope=TICKETS_WRITE)
        if data.follow_up_of_id is not None
        else None
    )
    requester = _resolve_requester(session, actor, data, original)
    status = (
        desk.status_named(session, data.status) if data.status else desk.first_status_in(session, StatusCategory.new)
    )
    priority = desk.priority_named(session, data.priority)
    assignee = _staff_user(session, data.assignee_id, "assignee_id") if data.assignee_id is not None else None
    team = _team(session, data.team_id) if data.team_id is not None else None
    tags = _clean_tags(data.tags)
    custom_fields = desk.validate_custom_fields(
        session, data.custom_fields, enforce_required=actor.is_staff and actor.user_id is not None
    )
    channel = data.channel or (Channel.api if actor.api_key_id else Channel.web)
    now = utcnow()
    ticket = Ticket(
        number=desk.next_ticket_number(session),
        subject=data.subject,
        status=status.key,
        priority=priority.key,
        channel=channel,
        requester_id=requester.id,
        organization_id=requester.organization_id,
        assignee_id=data.assignee_id,
        team_id=data.team_id,
        custom_fields=custom_fields,
        created_at=now,
        updated_at=now,
        follow_up_of_id=original.id if original is not None else None,
    )
    _apply_status(ticket, status)
    session.add(ticket)
    session.flush()
    for tag in tags:
        session.add(TicketTag(ticket_id=ticket.id, tag=tag))
    message = Message(
        ticket_id=ticket.id,
        author_id=actor.user_id if actor.user_id else requester.id,
        api_key_id=actor.api_key_id,
        internal=False,
        channel=channel,
        body_html=body_html,
        body_text=body_text,
        created_at=now,
    )
    session.add(message)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ticket.create",
        object_type="ticket",
        object_id=ticket.id,
        changes={
            "number": (None, ticket.number),
            "subject": (None, ticket.subject),
            "status": (None, ticket.status),
            "priority": (None, ticket.priority),
            "channel": (None, channel),
            "requester_id": (None, requester.id),
            "assignee_id": (None, ticket.assignee_id),
            "team_id": (None, ticket.team_id),
            "tags": (None, tags),
            "custom_fields": (None, custom_fields),
            "message_id": (None, message.id),
            **({"follow_up_of_id": (None, original.id)} if original is not None else {}),
        },
    )
    # Everything the public shape needs is in hand: no read-back inside the write transaction.
    return TicketPublic(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        status=status.key,
        status_name=status.name,
        status_category=status.category,
        priority=priority.key,
        priority_name=priority.name,
        channel=channel,
        requester=PersonRef(id=requester.id, name=requester.name, email=requester.email),
        assignee=PersonRef(id=assignee.id, name=assignee.name) if assignee else None,
        team=TeamRef(id=team.id, name=team.name) if team else None,
        tags=tags,
        custom_fields=custom_fields,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_response_at=None,
        solved_at=ticket.solved_at,
        closed_at=ticket.closed_at,
        due_at=None,
        follow_up_of=TicketRef(id=original.id, number=original.number) if original is not None else None,
    )


def get_ticket(session: Session, *, actor: Actor, ticket_id: int) -> TicketPublic:
    ticket = _visible_ticket(session, actor, ticket_id)
    return _to_public([ticket], session, with_rating=True)[0]


# Counting stops here. Counting 10,001 matches was 85% of the database time behind a queue page on
# PostgreSQL (2.2 of 2.6 ms at 15,000 tickets); nobody pages through a thousand tickets, and a queue
# that large reads as "1,000+".
TOTAL_CAP = 1_000


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
        document = literal_column(f"{Ticket.__tablename__}.{fulltext.SEARCH_COLUMN}")
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
    elif f.requester_id is not None:
        conditions.append(Ticket.requester_id == f.requester_id)
    if f.status:
        conditions.append(col(Ticket.status).in_(f.status))
    if f.status_category:
        conditions.append(
            col(Ticket.status).in_(select(TicketStatus.key).where(col(TicketStatus.category).in_(f.status_category)))
        )
    if f.priority:
        conditions.append(col(Ticket.priority).in_(f.priority))
    if f.assignee_id == "none":
        conditions.append(col(Ticket.assignee_id).is_(None))
    elif f.assignee_id == "me":
        if actor.user_id is None:
            raise field_error("assignee_id", "'me' needs a signed-in person; API keys must give an agent's id.")
        conditions.append(Ticket.assignee_id == actor.user_id)
    elif f.assignee_id is not None:
        conditions.append(Ticket.assignee_id == f.assignee_id)
    if f.team_id is not None:
        conditions.append(Ticket.team_id == f.team_id)
    if f.tag:
        conditions.append(col(Ticket.id).in_(select(TicketTag.ticket_id).where(TicketTag.tag == f.tag.strip().lower())))
    if f.q:
        search = _search_condition(session, actor, f.q)
        if search is not None:
            conditions.append(search)
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


def _cap_for(f: TicketFilter) -> tuple[int, bool]:
    searching = bool(f.q and f.q.strip())
    return (min(TOTAL_CAP, SEARCH_TOTAL_CAP) if searching else TOTAL_CAP), searching


def list_tickets(session: Session, *, actor: Actor, filters: TicketFilter | None = None) -> TicketPage:
    """The queue. One SQL statement per page whatever the page size, the page number or the table size
    (two for a page past the end): the page's ids come from an index-ordered inner query (offset walks
    the covering index, not the rows), the outer query joins the page's relations, and the total is a
    count capped at TOTAL_CAP (SEARCH_TOTAL_CAP for a search) computed in the same statement."""
    actor.require_scope(TICKETS_READ)
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
        _public_select().where(col(Ticket.id).in_(page_ids)).order_by(*order).add_columns(total_column.label("total"))
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
        items=[_public_from(row, row, with_rating=False) for row in rows],
        total=total,
        page=f.page,
        per_page=f.per_page,
        total_is_estimate=is_estimate,
    )


class QueueTotal(BaseModel):
    total: int
    total_is_estimate: bool = False


def queue_totals(session: Session, *, actor: Actor, queues: dict[str, TicketFilter]) -> dict[str, QueueTotal]:
    """The totals of several queues (the sidebar's views) in ONE statement, each counted as `list_tickets`
    counts its own."""
    actor.require_scope(TICKETS_READ)
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


def update_ticket(session: Session, *, actor: Actor, ticket_id: int, data: TicketUpdate) -> TicketPublic:
    ticket = _visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    actor.require_staff()
    fields = data.model_fields_set
    before = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "custom_fields": dict(ticket.custom_fields),
        "due_at": ticket.due_at,
        "tags": _tags_of(session, [ticket.id])[ticket.id],
    }
    for required in ("subject", "status", "priority"):
        if required in fields and getattr(data, required) is None:
            raise field_error(required, f"{required} cannot be empty.")
    # Validate everything before touching the row, so a bad field changes nothing.
    status = desk.status_named(session, data.status) if data.status is not None else None
    priority = desk.priority_named(session, data.priority) if data.priority is not None else None
    if "assignee_id" in fields and data.assignee_id is not None:
        _staff_user(session, data.assignee_id, "assignee_id")
    if "team_id" in fields and data.team_id is not None:
        _team(session, data.team_id)
    tags = _clean_tags(data.tags) if data.tags is not None else None
    custom_fields = (
        desk.validate_custom_fields(session, data.custom_fields, current=ticket.custom_fields)
        if data.custom_fields is not None
        else None
    )
    current_category = desk.status_of(session, ticket.status).category
    if (
        current_category == StatusCategory.closed
        and (status is None or status.category == StatusCategory.closed)
        and fields - {"tags"}
    ):
        raise Conflict("This ticket is closed. Reopen it by changing its status first.")

    if data.subject is not None:
        ticket.subject = data.subject
    if status is not None and status.key != ticket.status:
        _apply_status(ticket, status)
    if priority is not None:
        ticket.priority = priority.key
    if "assignee_id" in fields:
        ticket.assignee_id = data.assignee_id
    if "team_id" in fields:
        ticket.team_id = data.team_id
    if custom_fields is not None:
        ticket.custom_fields = custom_fields
    if "due_at" in fields:
        ticket.due_at = data.due_at
    if tags is not None:
        _set_tags(session, ticket, tags)
    after = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "custom_fields": ticket.custom_fields,
        "due_at": ticket.due_at,
        "tags": tags if tags is not None else before["tags"],
    }
    changes = audit.diff(before, after)
    if changes:
        ticket.updated_at = utcnow()
        session.add(ticket)
        audit.record(
            session, actor=actor, action="ticket.update", object_type="ticket", object_id=ticket.id, changes=changes
        )
        session.flush()
    return _to_public([ticket], session, with_rating=True)[0]


def add_message(session: Session, *, actor: Actor, ticket_id: int, data: MessageCreate) -> MessagePublic:
    """A public reply or (staff only) an internal note. A customer's reply reopens a pending or solved ticket."""
    actor.require_scope(TICKETS_WRITE)
    # Sanitize before the first statement: on SQLite that statement takes the write lock.
    body_html, body_text = _body(data.body, data.body_format)
    ticket = _visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    if data.internal:
        actor.require_staff()
    status = desk.status_of(session, ticket.status)
    if status.category == StatusCategory.closed:
        raise Conflict("This ticket is closed. Open a new ticket instead.")
    now = utcnow()
    channel = data.channel or (Channel.api if actor.api_key_id else Channel.web)
    message = Message(
        ticket_id=ticket.id,
        author_id=actor.user_id,
        api_key_id=actor.api_key_id,
        internal=data.internal,
        channel=channel,
        body_html=body_html,
        body_text=body_text,
        created_at=now,
    )
    session.add(message)
    changes: dict[str, tuple[Any, Any]] = {}
    if not data.internal:
        if actor.is_staff:
            if ticket.first_response_at is None:
                changes["first_response_at"] = (None, now)
                ticket.first_response_at = now
            if status.category == StatusCategory.new:
                opened = desk.first_status_in(session, StatusCategory.open)
                changes["status"] = (ticket.status, opened.key)
                _apply_status(ticket, opened)
        elif status.category in (StatusCategory.pending, StatusCategory.solved):
            opened = desk.first_status_in(session, StatusCategory.open)
            changes["status"] = (ticket.status, opened.key)
            _apply_status(ticket, opened)
    ticket.updated_at = now
    session.add(ticket)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ticket.note" if data.internal else "ticket.reply",
        object_type="ticket",
        object_id=ticket.id,
        changes={"message_id": (None, message.id), "internal": (None, data.internal), **changes},
    )
    # A new message has no attachments yet, and its author is the actor: no read-back.
    author = None
    if actor.user_id is not None:
        name = actor.name if actor.name is not None else session.get(User, actor.user_id).name
        author = PersonRef(id=actor.user_id, name=name, role=actor.role)
    return MessagePublic(
        id=message.id,
        ticket_id=ticket.id,
        internal=message.internal,
        channel=channel,
        author=author,
        body_html=body_html,
        body_text=body_text,
        created_at=now,
        attachments=[],
    )


def _messages_public(
    session: Session, messages: list[Message], authors: dict[int, PersonRef] | None = None
) -> list[MessagePublic]:
    if authors is None:
        author_ids = {m.author_id for m in messages if m.author_id}
        users = session.exec(select(User).where(col(User.id).in_(author_ids))) if author_ids else []
        authors = {u.id: PersonRef(id=u.id, name=u.name, role=u.role) for u in users}
    message_ids = [m.id for m in messages]
    files: dict[int, list[AttachmentPublic]] = {}
    if message_ids:
        for a in session.exec(
            select(Attachment).where(col(Attachment.message_id).in_(message_ids)).order_by(col(Attachment.id))
        ):
            files.setdefault(a.message_id, []).append(
                AttachmentPublic(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
            )
    result = []
    for m in messages:
        result.append(
            MessagePublic(
                id=m.id,
                ticket_id=m.ticket_id,
                internal=m.internal,
                channel=m.channel,
                author=authors.get(m.author_id) if m.author_id else None,
                body_html=m.body_html,
                body_text=m.body_text,
                created_at=m.created_at,
                attachments=files.get(m.id, []),
            )
        )
    return result


def list_messages(session: Session, *, actor: Actor, ticket_id: int) -> list[MessagePublic]:
    """The conversation in order. Customers never receive internal notes."""
    ticket = _visible_ticket(session, actor, ticket_id)
    # Authors and attachments joined in: 2 statements in all (the ticket, then the conversation), however
    # long the conversation. A message row repeats once per attachment; most messages have none or one.
    statement = (
        select(
            Message, User.name, User.role, Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size
        )
        .outerjoin(User, col(User.id) == Message.author_id)
        .outerjoin(Attachment, col(Attachment.message_id) == Message.id)
        .where(Message.ticket_id == ticket.id)
    )
    if not actor.is_staff:
        statement = statement.where(Message.internal == False)  # noqa: E712
    statement = statement.order_by(col(Message.created_at), col(Message.id), col(Attachment.id))
    result: list[MessagePublic] = []
    for m, name, role, file_id, filename, content_type, size in session.exec(statement):
        if not result or result[-1].id != m.id:
            result.append(
                MessagePublic(
                    id=m.id,
                    ticket_id=m.ticket_id,
                    internal=m.internal,
                    channel=m.channel,
                    author=PersonRef(id=m.author_id, name=name, role=role) if m.author_id else None,
                    body_html=m.body_html,
                    body_text=m.body_text,
                    created_at=m.created_at,
                    attachments=[],
                )
            )
        if file_id is not None:
            result[-1].attachments.append(
                AttachmentPublic(id=file_id, filename=filename, content_type=content_type, size=size)
            )
    return result


def ticket_audit(session: Session, *, actor: Actor, ticket_id: int) -> list[AuditPublic]:
    ticket = _visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    return [
        AuditPublic(id=e.id, created_at=e.created_at, actor=e.actor_label, action=e.action, changes=e.changes)
        for e in audit.entries_for(session, object_type="ticket", object_id=ticket.id)
    ]


def rate_ticket(session: Session, *, actor: Actor, ticket_id: int, score: int, comment: str = "") -> SatisfactionRating:
    """The requester rates a solved ticket 1-5, once; the rating counts for its assignee."""
    ticket = _visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    if actor.user_id != ticket.requester_id:
        raise PermissionDenied("Only the customer who asked may rate a ticket.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise field_error("score", "Choose 1 to 5 stars.")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise field_error("comment", "Keep the comment under 2000 characters.")
    category = desk.status_of(session, ticket.status).category
    if category not in RATEABLE_CATEGORIES:
        raise Conflict("A ticket can be rated once it is solved.")
    if session.exec(select(SatisfactionRating.id).where(SatisfactionRating.ticket_id == ticket.id)).first() is not None:
        raise Conflict("This ticket has already been rated. Thank you!")
    rating = SatisfactionRating(
        ticket_id=ticket.id, requester_id=actor.user_id, agent_id=ticket.assignee_id, score=score, comment=comment
    )
    session.add(rating)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ticket.rate",
        object_type="ticket",
        object_id=ticket.id,
        changes={"rating": (None, score), "rating_comment": (None, comment)},
    )
    return rating


def add_attachment(
    session: Session, *, actor: Actor, ticket_id: int, message_id: int, filename: str, data: bytes
) -> AttachmentPublic:
    """Stores a file for a message on the ticket, after checking its real type and size."""
    ticket = _visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    message = session.get(Message, message_id) if is_valid_id(message_id) else None
    if message is None or message.ticket_id != ticket.id or (message.internal and not actor.is_staff):
        raise NotFound(f"Message {message_id} not found on this ticket.")
    limit = get_settings().attachment_max_bytes
    if len(data) > limit:
        raise field_error("file", f"The file is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise field_error("file", "The file is empty.")
    kind = filetype.guess(data)
    if kind is not None:
        content_type = kind.mime
    else:
        try:
            data.decode("utf-8")
            content_type = "text/csv" if filename.lower().endswith(".csv") else "text/plain"
        except UnicodeDecodeError:
            content_type = "application/octet-stream"
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise field_error("file", f"Files of type {content_type} are not accepted.")
    safe_name = re.sub(r"[^\w.\- ()]", "_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "file"
    key = get_file_store().put(data)
    attachment = Attachment(
        ticket_id=ticket.id,
        message_id=message.id,
        filename=safe_name[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=actor.user_id,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="attachment.create",
        object_type="ticket",
        object_id=ticket.id,
        changes={"attachment": (None, {"id": attachment.id, "filename": attachment.filename, "size": attachment.size})},
    )
    return AttachmentPublic(id=attachment.id, filename=attachment.filename, content_type=content_type, size=len(data))


def read_attachment(session: Session, *, actor: Actor, attachment_id: int) -> tuple[AttachmentPublic, bytes]:
    attachment = session.get(Attachment, attachment_id) if is_valid_id(attachment_id) else None
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} not found.")
    _visible_ticket(session, actor, attachment.ticket_id)
    message = session.get(Message, attachment.message_id) if attachment.message_id else None
    if message is not None and message.internal and not actor.is_staff:
        raise NotFound(f"Attachment {attachment_id} not found.")
    public = AttachmentPublic(
        id=attachment.id, filename=attachment.filename, content_type=attachment.content_type, size=attachment.size
    )
    return public, get_file_store().get(attachment.storage_key)
