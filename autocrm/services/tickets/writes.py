"""Writing tickets: open one, change its fields, reply or add a note, rate it, attach a file.

Each use case validates everything before it touches a row (a bad field changes nothing), records its audit
entry in the caller's transaction, and builds what it returns from what it wrote, without reading it back.
The input checks that the batched import shares (`clean_tags`, `clean_body`, `active_staff`, `existing_team`)
live here too, so a ticket is held to the same rules whichever way it arrives.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import filetype
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import ngettext, t
from autocrm.core.settings import get_settings
from autocrm.models import (
    Attachment,
    CallLog,
    Channel,
    Message,
    Role,
    SatisfactionRating,
    StatusCategory,
    Team,
    Ticket,
    TicketTag,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, desk, events, ticket_rules, verification
from autocrm.services.actor import TICKETS_WRITE, Actor, ActorKind
from autocrm.services.auth import normalize_email
from autocrm.services.content import SHOWN_ATTACHMENT as _SHOWN_ATTACHMENT
from autocrm.services.content import html_to_text, mentions_images, sanitize_html, text_to_html
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import is_valid_id
from autocrm.services.storage import delete_after_commit, get_file_store
from autocrm.services.ticket_rules import AuthorKind, StatusTimes
from autocrm.services.tickets.reads import Related, public_from, to_public, visible_ticket
from autocrm.services.tickets.shapes import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_TAGS,
    PREVIEWABLE_ATTACHMENT_TYPES,
    RATEABLE_CATEGORIES,
    AttachmentPublic,
    CallCreate,
    CallPublic,
    MessageAdded,
    MessageCreate,
    MessagePublic,
    PersonRef,
    RatingPublic,
    TicketCreate,
    TicketPublic,
    TicketUpdate,
)

# Images pasted into messages not sent yet, per writer and ticket: a cap on what can pile up unsent.
MAX_UNSENT_IMAGES = 20
# A pasted image whose message was not sent within a day belongs to a draft that is gone: the editor keeps no
# draft across a reload, so nothing can send it any more.
UNSENT_IMAGE_LIFETIME = timedelta(days=1)
UNSENT_IMAGES_PER_RUN = 500
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_\-:.]{0,49}$")


# ---- input checks ------------------------------------------------------------------------------------


def clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip().lower().replace(" ", "-")
        if not TAG_RE.match(tag):
            raise field_error(
                "tags", t("Tag {tag} is not valid: use 1-50 letters, digits, '-', '_', ':' or '.'.", tag=repr(tag))
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise field_error(
            "tags", ngettext("A ticket takes at most {n} tag.", "A ticket takes at most {n} tags.", MAX_TAGS)
        )
    return sorted(cleaned)


def clean_body(body: str, body_format: str, *, images: frozenset[int] = frozenset()) -> tuple[str, str]:
    """Safe HTML and its text; `images` are the attachments the body may show (see `content.sanitize_html`)."""
    limit = get_settings().message_max_chars
    if len(body) > limit:
        raise field_error("body", t("The message is longer than {limit} characters.", limit=limit))
    safe = sanitize_html(text_to_html(body) if body_format == "text" else body, images=images)
    text = html_to_text(safe)
    if not text and "<img" not in safe:
        raise field_error("body", t("The message is empty."))
    return safe, text


def active_staff(session: Session, user_id: int, field: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active or not user.role.is_staff:
        raise field_error(field, t("User {user_id} is not an active agent.", user_id=user_id))
    return user


def existing_team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise field_error("team_id", t("Team {team_id} does not exist.", team_id=team_id))
    return team


def _tags_of(session: Session, ticket_id: int) -> list[str]:
    return list(
        session.exec(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(col(TicketTag.tag)))
    )


def _set_tags(session: Session, ticket_id: int, current: list[str], tags: list[str]) -> None:
    for tag in set(current) - set(tags):
        session.delete(session.get(TicketTag, (ticket_id, tag)))
    for tag in set(tags) - set(current):
        session.add(TicketTag(ticket_id=ticket_id, tag=tag))


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def _stored_id(row: _Row) -> int:
    """The id of a row that was read or flushed: SQLModel types every id as optional, for rows not yet written."""
    if row.id is None:
        raise RuntimeError(f"This {type(row).__name__} has no id: flush it before reading its id.")
    return row.id


@dataclass(frozen=True)
class _Requester:
    """Who a new ticket is for: a person read from the desk or made for the ticket."""

    id: int
    name: str
    email: str
    organization_id: int | None


class _Person(_Row, Protocol):
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def organization_id(self) -> int | None: ...


def _requester(person: _Person) -> _Requester:
    return _Requester(
        id=_stored_id(person), name=person.name, email=person.email, organization_id=person.organization_id
    )


def _apply_status(ticket: Ticket, status: desk.StatusInfo, *, at: datetime) -> None:
    ticket.status = status.key
    times = ticket_rules.times_on_entering(
        status.category, StatusTimes(solved_at=ticket.solved_at, closed_at=ticket.closed_at), at=at
    )
    ticket.solved_at, ticket.closed_at = times.solved_at, times.closed_at


def _resolve_requester(session: Session, actor: Actor, data: TicketCreate, original: Ticket | None) -> _Requester:
    if actor.role == Role.customer:
        if data.requester_id not in (None, actor.user_id) or data.requester_email:
            raise PermissionDenied(t("Customers open tickets for themselves only."))
        customer = session.get(User, actor.user_id)
        if customer is None:
            raise PermissionDenied(t("Sign in again: this account no longer exists."))
        return _requester(customer)
    requester_id = data.requester_id
    if requester_id is None and not data.requester_email and original is not None:
        requester_id = original.requester_id
    if requester_id is not None:
        requester = session.get(User, requester_id)
        if requester is None or not requester.is_active:
            raise field_error("requester_id", t("User {requester_id} does not exist.", requester_id=requester_id))
        return _requester(requester)
    if not data.requester_email:
        raise field_error("requester_email", t("Say who the ticket is for: requester_id or requester_email."))
    email = normalize_email(data.requester_email)
    known = session.exec(select(User).where(User.email == email)).first()
    if known is not None:
        return _requester(known)
    from autocrm.services.users import create_user

    return _requester(
        create_user(
            session,
            actor=Actor.system(actor.label),
            email=email,
            name=data.requester_name or email.split("@")[0],
            role=Role.customer,
        )
    )


# ---- use cases ---------------------------------------------------------------------------------------


def _body_format_for(actor: Actor, data: TicketCreate | MessageCreate) -> str:
    """Anyone may write formatted (HTML) bodies, sanitized like all others; customers' messages come in on the
    channel the app sees them use: a channel of their choosing is staff's (an agent logging a phone call)."""
    if actor.is_staff or actor.is_channel:
        return data.body_format
    if data.channel is not None:
        raise PermissionDenied(t("The channel of a message is set by staff."))
    # Unless a customer says otherwise, what they send is plain text (the API's default format is staff's).
    return data.body_format if "body_format" in data.model_fields_set else "text"


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
            t("Customers may set only a new ticket's subject, its message and the ticket it follows up.")
        )
    # Sanitize before the first statement: on SQLite that statement takes the write lock.
    body_html, body_text = clean_body(data.body, _body_format_for(actor, data))
    # A customer follows up their own tickets only: others' are "not found", as everywhere.
    original = (
        visible_ticket(session, actor, data.follow_up_of_id, scope=TICKETS_WRITE)
        if data.follow_up_of_id is not None
        else None
    )
    requester = _resolve_requester(session, actor, data, original)
    status = (
        desk.status_named(session, data.status) if data.status else desk.first_status_in(session, StatusCategory.new)
    )
    priority = desk.priority_named(session, data.priority)
    assignee = active_staff(session, data.assignee_id, "assignee_id") if data.assignee_id is not None else None
    team = existing_team(session, data.team_id) if data.team_id is not None else None
    tags = clean_tags(data.tags)
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
        customer_updated_at=now,
        follow_up_of_id=original.id if original is not None else None,
    )
    _apply_status(ticket, status, at=now)
    session.add(ticket)
    session.flush()
    ticket_id = _stored_id(ticket)
    verification.hold_if_unverified(session, actor=actor, ticket_id=ticket_id, requester_id=requester.id)
    for tag in tags:
        session.add(TicketTag(ticket_id=ticket_id, tag=tag))
    message = Message(
        ticket_id=ticket_id,
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
    message_id = _stored_id(message)
    audit.record(
        session,
        actor=actor,
        action="ticket.create",
        object_type="ticket",
        object_id=ticket_id,
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
            "message_id": (None, message_id),
            **({"follow_up_of_id": (None, original.id)} if original is not None else {}),
        },
    )
    routed = events.emit(
        session,
        "ticket.created",
        actor=actor,
        ticket_id=ticket_id,
        data={
            "number": ticket.number,
            "message_id": message_id,
            "channel": channel.value,
            "requester_id": requester.id,
        },
    )
    if routed:
        # A routing rule changed the new ticket (team, assignee, tags): read what it is now.
        return to_public([ticket], session)[0]
    # Everything the public shape needs is in hand: no read-back inside the write transaction.
    related = Related(
        requester_name=requester.name,
        requester_email=requester.email,
        assignee_name=assignee.name if assignee else None,
        team_name=team.name if team else None,
        status_name=status.name,
        status_category=status.category,
        priority_name=priority.name,
        follow_up_of_number=original.number if original is not None else None,
        tag_list=",".join(tags),
    )
    return public_from(ticket, related, with_rating=False)


def update_ticket(session: Session, *, actor: Actor, ticket_id: int, data: TicketUpdate) -> TicketPublic:
    ticket = visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    actor.require_staff()
    fields = data.model_fields_set
    current_tags = _tags_of(session, ticket_id)
    before = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "custom_fields": dict(ticket.custom_fields),
        "due_at": ticket.due_at,
        "tags": current_tags,
    }
    for required in ("subject", "status", "priority"):
        if required in fields and getattr(data, required) is None:
            raise field_error(required, t("{required} cannot be empty.", required=required))
    # Validate everything before touching the row, so a bad field changes nothing.
    status = desk.status_named(session, data.status) if data.status is not None else None
    priority = desk.priority_named(session, data.priority) if data.priority is not None else None
    if "assignee_id" in fields and data.assignee_id is not None:
        active_staff(session, data.assignee_id, "assignee_id")
    if "team_id" in fields and data.team_id is not None:
        existing_team(session, data.team_id)
    tags = clean_tags(data.tags) if data.tags is not None else None
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
        raise Conflict(t("This ticket is closed. Reopen it by changing its status first."))

    if data.subject is not None:
        ticket.subject = data.subject
    if status is not None and status.key != ticket.status:
        _apply_status(ticket, status, at=utcnow())
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
        _set_tags(session, ticket_id, current_tags, tags)
    after = {
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "custom_fields": ticket.custom_fields,
        "due_at": ticket.due_at,
        "tags": tags if tags is not None else current_tags,
    }
    changes = audit.diff(before, after)
    if changes:
        ticket.updated_at = utcnow()
        if ticket_rules.customer_sees_changes(set(changes)):
            ticket.customer_updated_at = ticket.updated_at
        session.add(ticket)
        audit.record(
            session, actor=actor, action="ticket.update", object_type="ticket", object_id=ticket_id, changes=changes
        )
        session.flush()
        events.emit(
            session,
            "ticket.updated",
            actor=actor,
            ticket_id=ticket_id,
            data={"changes": audit.plain_changes(changes)},
        )
    return to_public([ticket], session, with_rating=True)[0]


def add_message(session: Session, *, actor: Actor, ticket_id: int, data: MessageCreate) -> MessageAdded:
    """A public reply or (staff only) an internal note, and what it changed on the ticket. A customer's reply
    reopens a pending or solved ticket."""
    actor.require_scope(TICKETS_WRITE)
    body_format = _body_format_for(actor, data)
    # Sanitize before the first statement (on SQLite that statement takes the write lock), unless the body shows
    # images: which it may show depends on the ticket's attachments.
    images: frozenset[int] = frozenset()
    if body_format == "html" and mentions_images(data.body):
        images = _showable_images(session, actor, ticket_id, internal=data.internal)
    body_html, body_text = clean_body(data.body, body_format, images=images)
    ticket = visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    if data.internal:
        actor.require_staff()
    status = desk.status_of(session, ticket.status)
    if not ticket_rules.takes_messages(status.category):
        raise Conflict(t("This ticket is closed. Open a new ticket instead."))
    now = utcnow()
    channel = data.channel or (Channel.api if actor.api_key_id else Channel.web)
    message = Message(
        ticket_id=ticket_id,
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
    author_kind = (
        AuthorKind.system
        if actor.kind == ActorKind.system
        else AuthorKind.staff
        if actor.is_staff
        else AuthorKind.customer
    )
    first_response_at = ticket_rules.first_response_after(
        ticket.first_response_at, author_kind, internal=data.internal, at=now
    )
    if first_response_at != ticket.first_response_at:
        changes["first_response_at"] = (ticket.first_response_at, first_response_at)
        ticket.first_response_at = first_response_at
    status_before = ticket.status
    category_after = status.category
    moves_to = ticket_rules.category_after_message(status.category, author_kind, internal=data.internal)
    if moves_to is not None:
        moved = desk.first_status_in(session, moves_to)
        changes["status"] = (ticket.status, moved.key)
        _apply_status(ticket, moved, at=now)
        category_after = moved.category
    ticket.updated_at = now
    if ticket_rules.customer_sees_message(internal=data.internal):
        ticket.customer_updated_at = now
    session.add(ticket)
    session.flush()
    message_id = _stored_id(message)
    inline = _claim_inline_images(session, actor, ticket_id, message_id, body_html) if images else []
    audit.record(
        session,
        actor=actor,
        action="ticket.note" if data.internal else "ticket.reply",
        object_type="ticket",
        object_id=ticket_id,
        changes={"message_id": (None, message_id), "internal": (None, data.internal), **changes},
    )
    events.emit(
        session,
        "message.created",
        actor=actor,
        ticket_id=ticket_id,
        data={
            "message_id": message_id,
            "internal": data.internal,
            "channel": channel.value,
            "author_kind": author_kind.value,
            "changes": audit.plain_changes(changes),
        },
    )
    for attachment in inline:
        events.emit(
            session,
            "attachment.added",
            actor=actor,
            ticket_id=ticket_id,
            data={"attachment_id": attachment.id, "message_id": message_id, "content_type": attachment.content_type},
        )
    # A new message has no attachments but its pasted images yet, and its author is the actor: no read-back.
    author = None
    if actor.user_id is not None:
        name = actor.name
        if name is None:
            user = session.get(User, actor.user_id)
            name = user.name if user is not None else ""
        author = PersonRef(id=actor.user_id, name=name, role=actor.role)
    return MessageAdded(
        message=MessagePublic(
            id=message_id,
            ticket_id=ticket_id,
            internal=message.internal,
            channel=channel,
            author=author,
            body_html=body_html,
            body_text=body_text,
            created_at=now,
            attachments=[],
        ),
        status_before=status_before,
        status_after=ticket.status,
        category_before=status.category,
        category_after=category_after,
        first_response="first_response_at" in changes,
    )


def log_call(session: Session, *, actor: Actor, ticket_id: int, data: CallCreate) -> CallPublic:
    """A phone call on the ticket, logged by staff: the summary is an internal note on the phone channel (so
    the customer never reads it), the direction and length sit beside it, and the audit trail says who logged
    it."""
    actor.require_staff()
    added = add_message(
        session,
        actor=actor,
        ticket_id=ticket_id,
        data=MessageCreate(body=data.summary, body_format="text", internal=True, channel=Channel.phone),
    )
    session.add(CallLog(message_id=added.message.id, direction=data.direction, duration_seconds=data.duration_seconds))
    audit.record(
        session,
        actor=actor,
        action="ticket.call",
        object_type="ticket",
        object_id=ticket_id,
        changes={
            "message_id": (None, added.message.id),
            "direction": (None, data.direction.value),
            "duration_seconds": (None, data.duration_seconds),
        },
    )
    return CallPublic(message=added.message, direction=data.direction, duration_seconds=data.duration_seconds)


def rate_ticket(session: Session, *, actor: Actor, ticket_id: int, score: int, comment: str = "") -> RatingPublic:
    """The requester rates a solved ticket 1-5, once; the rating counts for its assignee."""
    ticket = visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    if actor.user_id != ticket.requester_id:
        raise PermissionDenied(t("Only the customer who asked may rate a ticket."))
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise field_error("score", t("Choose 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise field_error("comment", t("Keep the comment under 2000 characters."))
    category = desk.status_of(session, ticket.status).category
    if category not in RATEABLE_CATEGORIES:
        raise Conflict(t("A ticket can be rated once it is solved."))
    if session.exec(select(SatisfactionRating.id).where(SatisfactionRating.ticket_id == ticket_id)).first() is not None:
        raise Conflict(t("This ticket has already been rated. Thank you!"))
    rating = SatisfactionRating(
        ticket_id=ticket_id, requester_id=actor.user_id, agent_id=ticket.assignee_id, score=score, comment=comment
    )
    session.add(rating)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ticket.rate",
        object_type="ticket",
        object_id=ticket_id,
        changes={"rating": (None, score), "rating_comment": (None, comment)},
    )
    events.emit(
        session,
        "rating.submitted",
        actor=actor,
        ticket_id=ticket_id,
        data={"rating_id": rating.id, "score": score, "agent_id": ticket.assignee_id},
    )
    return RatingPublic(ticket_id=ticket_id, score=score, comment=comment, created_at=rating.created_at)


def check_attachment(filename: str, data: bytes) -> tuple[str, str]:
    """(a safe file name, the file's real type) for a file that may be attached: within the size limit, not
    empty, of an allowed type judged by its bytes (not its name); refused with the reason otherwise. The
    composers check files with it as they are picked, before anything is sent."""
    limit = get_settings().attachment_max_bytes
    if len(data) > limit:
        raise field_error("file", t("The file is larger than {value} MB.", value=limit // (1024 * 1024)))
    if not data:
        raise field_error("file", t("The file is empty."))
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
        raise field_error("file", t("Files of type {content_type} are not accepted.", content_type=content_type))
    return safe_filename(filename), content_type


def safe_filename(filename: str) -> str:
    """An uploaded file's name without any folder or odd character, as downloads name it."""
    safe_name = re.sub(r"[^\w.\- ()]", "_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "file"
    return safe_name[:255]


def _showable_images(session: Session, actor: Actor, ticket_id: int, *, internal: bool) -> frozenset[int]:
    """The ticket's image files a new message may show: the writer's own pasted images not yet sent, and the
    files of messages its readers see (a public reply never shows a note's files: the customer cannot load them)."""
    rows = session.exec(
        select(Attachment.id, Attachment.message_id, Attachment.uploaded_by_id, Message.internal)
        .outerjoin(Message, col(Attachment.message_id) == col(Message.id))
        .where(Attachment.ticket_id == ticket_id)
    ).all()
    return frozenset(
        stored_id(attachment_id)
        for attachment_id, message_id, uploaded_by, note in rows
        if (message_id is None and uploaded_by is not None and uploaded_by == actor.user_id)
        or (message_id is not None and (internal or not note))
    )


def _claim_inline_images(
    session: Session, actor: Actor, ticket_id: int, message_id: int, body_html: str
) -> list[Attachment]:
    """The writer's pasted images that the sent body shows become that message's attachments (same transaction)."""
    shown = {int(found) for found in _SHOWN_ATTACHMENT.findall(body_html)}
    if not shown or actor.user_id is None:
        return []
    drafts = list(
        session.exec(
            select(Attachment).where(
                Attachment.ticket_id == ticket_id,
                col(Attachment.message_id).is_(None),
                Attachment.uploaded_by_id == actor.user_id,
                col(Attachment.id).in_(shown),
            )
        )
    )
    for attachment in drafts:
        attachment.message_id = message_id
        session.add(attachment)
    session.flush()
    return drafts


def add_inline_image(session: Session, *, actor: Actor, ticket_id: int, filename: str, data: bytes) -> AttachmentPublic:
    """An image pasted or dropped into a message being written on the ticket: stored now (the editor shows it
    at once), seen only by its writer until the message that shows it is sent and takes it as an attachment."""
    ticket = visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    if actor.user_id is None:
        raise PermissionDenied(t("Images are pasted by people signed in to the app."))
    if not ticket_rules.takes_messages(desk.status_of(session, ticket.status).category):
        raise Conflict(t("This ticket is closed. Open a new ticket instead."))
    unsent = session.exec(
        select(func.count())
        .select_from(Attachment)
        .where(
            Attachment.ticket_id == ticket_id,
            col(Attachment.message_id).is_(None),
            Attachment.uploaded_by_id == actor.user_id,
        )
    ).one()
    if unsent >= MAX_UNSENT_IMAGES:
        raise field_error(
            "file", t("Send the message first: it holds {count} images at most.", count=MAX_UNSENT_IMAGES)
        )
    safe_name, content_type = check_attachment(filename or "image", data)
    if content_type not in PREVIEWABLE_ATTACHMENT_TYPES:
        raise field_error("file", t("Paste a PNG, JPEG, GIF or WebP image; attach other files instead."))
    key = get_file_store().put(data)
    attachment = Attachment(
        ticket_id=ticket_id,
        message_id=None,
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
        object_id=ticket_id,
        changes={"attachment": (None, {"id": attachment.id, "filename": attachment.filename, "size": attachment.size})},
    )
    return AttachmentPublic(
        id=_stored_id(attachment), filename=attachment.filename, content_type=content_type, size=len(data)
    )


def drop_unsent_images(session: Session, *, now: datetime | None = None) -> int:
    """The scheduled clean-up of pasted images never sent (`UNSENT_IMAGE_LIFETIME`): their rows go in this
    transaction, audited on their tickets, and their files once it commits. Returns how many went."""
    cutoff = (now or utcnow()) - UNSENT_IMAGE_LIFETIME
    stale = list(
        session.exec(
            select(Attachment)
            .where(col(Attachment.message_id).is_(None), col(Attachment.created_at) < cutoff)
            .order_by(col(Attachment.id))
            .limit(UNSENT_IMAGES_PER_RUN)
        )
    )
    cleaner = Actor.system("clean-up")
    for attachment in stale:
        audit.record(
            session,
            actor=cleaner,
            action="attachment.delete",
            object_type="ticket",
            object_id=attachment.ticket_id,
            changes={"attachment": ({"id": attachment.id, "filename": attachment.filename, "unsent": True}, None)},
        )
        session.delete(attachment)
    session.flush()
    delete_after_commit(session, [attachment.storage_key for attachment in stale])
    return len(stale)


def add_attachment(
    session: Session, *, actor: Actor, ticket_id: int, message_id: int, filename: str, data: bytes
) -> AttachmentPublic:
    """Stores a file for a message on the ticket, after checking its real type and size."""
    visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    message = session.get(Message, message_id) if is_valid_id(message_id) else None
    if message is None or message.ticket_id != ticket_id or (message.internal and not actor.is_staff):
        raise NotFound(t("Message {message_id} not found on this ticket.", message_id=message_id))
    wrote_it = message.api_key_id == actor.api_key_id if actor.api_key_id else message.author_id == actor.user_id
    if not wrote_it:
        raise PermissionDenied(t("Attach files to a message you wrote."))
    safe_name, content_type = check_attachment(filename, data)
    key = get_file_store().put(data)
    attachment = Attachment(
        ticket_id=ticket_id,
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
        object_id=ticket_id,
        changes={"attachment": (None, {"id": attachment.id, "filename": attachment.filename, "size": attachment.size})},
    )
    events.emit(
        session,
        "attachment.added",
        actor=actor,
        ticket_id=ticket_id,
        data={"attachment_id": attachment.id, "message_id": message.id, "content_type": content_type},
    )
    return AttachmentPublic(id=attachment.id, filename=attachment.filename, content_type=content_type, size=len(data))
