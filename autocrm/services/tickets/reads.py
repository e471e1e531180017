"""Reading one ticket: who may see it, its public shape, its conversation, history and files."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, false
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from autocrm.core.db import table_of
from autocrm.core.i18n import t
from autocrm.models import (
    Attachment,
    Message,
    SatisfactionRating,
    StatusCategory,
    Team,
    Ticket,
    TicketPriority,
    TicketStatus,
    TicketTag,
    User,
)
from autocrm.services import audit, desk, verification
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied
from autocrm.services.inputs import is_valid_id
from autocrm.services.storage import get_file_store
from autocrm.services.tickets.shapes import (
    CUSTOMER_STATUS_NAMES,
    AttachmentPublic,
    AuditPublic,
    CustomerField,
    CustomerMessage,
    CustomerTicket,
    MessagePublic,
    PersonRef,
    TeamRef,
    TicketPublic,
    TicketRef,
)


def visible_ticket(session: Session, actor: Actor, ticket_id: int, *, scope: str = TICKETS_READ) -> Ticket:
    """The ticket if this actor may see it; customers are told 'not found' for others' tickets."""
    actor.require_scope(scope)
    ticket = session.get(Ticket, ticket_id) if is_valid_id(ticket_id) else None
    if ticket is None or (
        not actor.is_staff
        and (
            ticket.requester_id != actor.user_id or (not actor.is_channel and verification.is_held(session, ticket_id))
        )
    ):
        raise NotFound(t("Ticket {ticket_id} not found.", ticket_id=ticket_id))
    return ticket


def requester_only(actor: Actor) -> None:
    """The customer's own view of their tickets is theirs: staff read the staff shapes (`get_ticket`, ...)."""
    if actor.is_staff or actor.user_id is None:
        raise PermissionDenied(t("This is the requester's view of their tickets."))


# How a page of tickets is read: ONE statement whatever the page size and the table size.
# The people, team, status and priority of each ticket come from LEFT JOINs on primary keys, its tags
# from a correlated aggregate over the (ticket_id, tag) primary key, and the number of the ticket it follows
# up from a join on the ticket table itself. The status and priority names are joined too rather than read
# from the process's copy of the vocabularies (`desk.vocabulary`, which the writes use): that copy is checked
# against its counter row once per session, one more statement, where a join on a 6-row table costs nothing.
_Requester = aliased(User, name="requester")
_Assignee = aliased(User, name="assignee")
_Original = aliased(Ticket, name="original")
_TICKETS: Table = table_of(Ticket)
_TICKET_COLUMNS = list(_TICKETS.columns)


@functools.cache
def public_select(*, with_rating: bool = False) -> Select:
    """Built once per process (statements are immutable: callers add their WHERE/ORDER BY to copies)."""
    tags = (
        select(func.aggregate_strings(col(TicketTag.tag), ","))
        .where(TicketTag.ticket_id == Ticket.id)
        .correlate(_TICKETS)
        .scalar_subquery()
    )
    columns: list[Any] = [
        *_TICKET_COLUMNS,
        col(_Requester.name).label("requester_name"),
        col(_Requester.email).label("requester_email"),
        col(_Assignee.name).label("assignee_name"),
        col(Team.name).label("team_name"),
        col(TicketStatus.name).label("status_name"),
        col(TicketStatus.category).label("status_category"),
        col(TicketPriority.name).label("priority_name"),
        col(_Original.number).label("follow_up_of_number"),
        tags.label("tag_list"),
    ]
    statement = (
        select(*columns)
        .select_from(_TICKETS)
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
            col(SatisfactionRating.score).label("rating_score"), col(SatisfactionRating.comment).label("rating_comment")
        )
    return statement


@dataclass(frozen=True)
class Related:
    """What a ticket's shapes need beyond its own columns, named as `public_select` labels them: a row of that
    select is one, and a write that has these in hand builds one instead of reading them back."""

    requester_name: str
    requester_email: str | None
    assignee_name: str | None
    team_name: str | None
    status_name: str
    status_category: StatusCategory
    priority_name: str
    follow_up_of_number: int | None
    tag_list: str | None  # comma-joined, as the aggregate gives it
    rating_score: int | None = None
    rating_comment: str | None = None


def public_from(t: Any, rel: Any, *, with_rating: bool) -> TicketPublic:
    """The staff shape. `t` has the ticket's fields (an ORM row or a result row), `rel` those of `Related`."""
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


def customer_from(t: Any, rel: Any) -> CustomerTicket:
    """The requester's shape, from the same fields as `public_from` (with the rating columns)."""
    return CustomerTicket(
        id=t.id,
        number=t.number,
        subject=t.subject,
        status_name=CUSTOMER_STATUS_NAMES[StatusCategory(rel.status_category)],
        status_category=rel.status_category,
        created_at=t.created_at,
        updated_at=t.customer_updated_at or t.created_at,
        solved_at=t.solved_at,
        closed_at=t.closed_at,
        follow_up_of=TicketRef(id=t.follow_up_of_id, number=rel.follow_up_of_number) if t.follow_up_of_id else None,
        rating=rel.rating_score,
        rating_comment=rel.rating_comment if rel.rating_score is not None else None,
    )


def to_public(tickets: list[Ticket], session: Session, *, with_rating: bool = False) -> list[TicketPublic]:
    """Public shapes for tickets already loaded: one query for their relations, whatever their number."""
    if not tickets:
        return []
    rows = session.execute(public_select(with_rating=with_rating).where(col(Ticket.id).in_([t.id for t in tickets])))
    related = {row.id: row for row in rows}
    return [public_from(t, related[t.id], with_rating=with_rating) for t in tickets]


def get_ticket(session: Session, *, actor: Actor, ticket_id: int) -> TicketPublic:
    """The staff shape of one ticket (customers read `customer_ticket`)."""
    ticket = visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    return to_public([ticket], session, with_rating=True)[0]


def customer_ticket(session: Session, *, actor: Actor, ticket_id: int) -> CustomerTicket:
    """One of the requester's own tickets, in their shape; anyone else's is not found."""
    requester_only(actor)
    ticket = visible_ticket(session, actor, ticket_id)
    row = session.execute(public_select(with_rating=True).where(col(Ticket.id) == ticket.id)).one()
    shown = customer_from(row, row)
    shown.fields = customer_fields(session, ticket.custom_fields)
    return shown


def customer_fields(session: Session, values: dict[str, Any]) -> list[CustomerField]:
    """The values of the active fields an admin made visible to customers, in the desk's order."""
    return [
        CustomerField(key=key, label=definition.label, value=values[key])
        for key, definition in desk.custom_field_definitions(session).items()
        if definition.visible_to_customers and values.get(key) not in (None, "")
    ]


def list_messages(session: Session, *, actor: Actor, ticket_id: int) -> list[MessagePublic]:
    """The whole conversation in order, internal notes included (staff only; customers read
    `customer_messages`)."""
    visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    return _conversation(session, ticket_id, public_only=False)


def get_message(session: Session, *, actor: Actor, ticket_id: int, message_id: int) -> MessagePublic:
    """One message of a ticket, notes included (staff only), in the shape `list_messages` gives it."""
    visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    found = _conversation(session, ticket_id, public_only=False, message_id=message_id)
    if not found:
        raise NotFound(t("Message {message_id} not found.", message_id=message_id))
    return found[0]


def customer_messages(session: Session, *, actor: Actor, ticket_id: int) -> list[CustomerMessage]:
    """The public conversation of one of the requester's own tickets, as they see it."""
    requester_only(actor)
    visible_ticket(session, actor, ticket_id)
    return [
        CustomerMessage(
            id=m.id,
            author_name=m.author.name if m.author else "",
            by_staff=bool(m.author and m.author.role and m.author.role.is_staff),
            by_you=bool(m.author and m.author.id == actor.user_id),
            body_html=m.body_html,
            body_text=m.body_text,
            created_at=m.created_at,
            attachments=m.attachments,
        )
        for m in _conversation(session, ticket_id, public_only=True)
    ]


def _conversation(
    session: Session, ticket_id: int, *, public_only: bool, message_id: int | None = None
) -> list[MessagePublic]:
    # Authors and attachments joined in: 2 statements in all (the ticket, then the conversation), however
    # long the conversation. A message row repeats once per attachment; most messages have none or one.
    statement = (
        select_columns(
            Message,
            col(User.name),
            col(User.role),
            col(Attachment.id),
            col(Attachment.filename),
            col(Attachment.content_type),
            col(Attachment.size),
        )
        .outerjoin(User, col(User.id) == Message.author_id)
        .outerjoin(Attachment, col(Attachment.message_id) == Message.id)
        .where(col(Message.ticket_id) == ticket_id)
    )
    if public_only:
        statement = statement.where(col(Message.internal) == false())
    if message_id is not None:
        statement = statement.where(col(Message.id) == message_id)
    statement = statement.order_by(col(Message.created_at), col(Message.id), col(Attachment.id))
    result: list[MessagePublic] = []
    for m, name, role, file_id, filename, content_type, size in session.execute(statement).tuples():
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
    visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    return [
        AuditPublic(id=e.id, created_at=e.created_at, actor=e.actor_label, action=e.action, changes=e.changes)
        for e in audit.entries_for(session, object_type="ticket", object_id=ticket_id)
    ]


def read_attachment(session: Session, *, actor: Actor, attachment_id: int) -> tuple[AttachmentPublic, bytes]:
    attachment = session.get(Attachment, attachment_id) if is_valid_id(attachment_id) else None
    if attachment is None:
        raise NotFound(t("Attachment {attachment_id} not found.", attachment_id=attachment_id))
    visible_ticket(session, actor, attachment.ticket_id)
    message = session.get(Message, attachment.message_id) if attachment.message_id else None
    # An image pasted into a message not sent yet is its writer's alone until then.
    draft = attachment.message_id is None and attachment.uploaded_by_id is not None
    if (draft and attachment.uploaded_by_id != actor.user_id) or (
        message is not None and message.internal and not actor.is_staff
    ):
        raise NotFound(t("Attachment {attachment_id} not found.", attachment_id=attachment_id))
    public = AttachmentPublic(
        id=attachment.id, filename=attachment.filename, content_type=attachment.content_type, size=attachment.size
    )
    return public, get_file_store().get(attachment.storage_key)
