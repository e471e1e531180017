"""E-mail notifications: after-commit listeners of the event stream (declared in autocrm/events/listeners.py).

The requester is mailed when their ticket is opened (an acknowledgement with its number), when staff reply
publicly and when the ticket is solved (with the link to rate it); an agent when someone else assigns them a
ticket. Never for internal notes, never to whoever acted, never to someone who turned notifications off.

Each handler runs in a write transaction of its own and may run twice for one event: the `outbound_mail` row
(unique per event and kind) is written before the mail goes out, so a second run finds it and sends nothing,
and a send that fails rolls the row back for the retry. Every mail carries a Message-ID recorded in that row,
In-Reply-To/References to the earlier mails of the ticket to the same person, and a Reply-To whose signed
ticket token lets the inbound channel thread a reply without trusting the subject line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.core.i18n import t, using_locale
from autocrm.core.settings import get_settings
from autocrm.models import (
    Attachment,
    InboundMail,
    InboundStatus,
    InboxNotification,
    Message,
    OutboundMailRecord,
    StatusCategory,
    Ticket,
    TicketStatus,
    User,
)
from autocrm.services import audit, notification_templates
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound
from autocrm.services.events import Event
from autocrm.services.mail import MailFile, OutboundMail, from_address, get_mailer
from autocrm.services.notification_templates import Rendered, TicketFacts
from autocrm.services.storage import get_file_store

log = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "autocrm.notifications-off"
_REPLY_TOKEN_BYTES = 6  # 12 hex digits: enough that a guessed token is refused, short enough for an address
_THREAD_DEPTH = 20  # References names at most this many earlier mails
_MAIL_FILES_MAX_BYTES = 15 * 1024 * 1024  # a reply's files mailed with it, at most (servers refuse ~25 MB)
BAD_LINK = "This link is not valid: it may be cut short, or the address it was sent to has changed since."


# ---------------------------------------------------------------- tokens ---------------------------------------


def _mail_host() -> str:
    return urlsplit(get_settings().base_url).hostname or "autocrm.local"


def message_id_for(number: int, event_id: int, kind: str) -> str:
    return f"<ticket-{number}-{event_id}.{kind}@{_mail_host()}>"


def _reply_signature(number: int) -> str:
    key = get_settings().resolved_secret_key.encode()
    return hmac.new(key, f"reply-to:ticket:{number}".encode(), hashlib.sha256).hexdigest()[: 2 * _REPLY_TOKEN_BYTES]


def reply_token(number: int) -> str:
    """`t{number}.{signature}`: carried in the Reply-To address's +tag and in X-AutoCRM-Ticket."""
    return f"t{number}.{_reply_signature(number)}"


def ticket_number_of_reply_token(token: str) -> int | None:
    """The ticket number a reply token names, or None unless its signature is this desk's."""
    head, _, signature = token.partition(".")
    if not head.startswith("t") or not head[1:].isdigit():
        return None
    number = int(head[1:])
    return number if hmac.compare_digest(signature, _reply_signature(number)) else None


def reply_to_address(number: int) -> str:
    local, _, domain = from_address().partition("@")
    return f"{local.split('+', 1)[0]}+{reply_token(number)}@{domain}"


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_secret_key, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """Signed, and bound to the address it was mailed to; it does not expire (old mails' links keep working)."""
    return str(_unsubscribe_serializer().dumps({"u": user.id, "e": user.email}))


def unsubscribe_link(user: User) -> str:
    return routes.notifications_off_link(get_settings().base_url, unsubscribe_token(user))


# ---------------------------------------------------------------- preference -----------------------------------


class NotificationPreference(BaseModel):
    email: str
    email_notifications: bool


def _user_of_token(session: Session, token: str) -> User:
    try:
        payload: Any = _unsubscribe_serializer().loads(token)
    except BadSignature:
        raise NotFound(BAD_LINK) from None
    user = session.get(User, payload.get("u")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("e"):
        raise NotFound(BAD_LINK)
    return user


def _set_preference(session: Session, user: User, *, on: bool, actor: Actor) -> NotificationPreference:
    if user.email_notifications != on:
        audit.record(
            session,
            actor=actor,
            action="user.notifications_" + ("on" if on else "off"),
            object_type="user",
            object_id=user.id,
            changes={"email_notifications": (user.email_notifications, on)},
        )
        user.email_notifications = on
        session.add(user)
        session.flush()
    return NotificationPreference(email=user.email, email_notifications=on)


def preference_by_token(session: Session, *, token: str) -> NotificationPreference:
    user = _user_of_token(session, token)
    return NotificationPreference(email=user.email, email_notifications=user.email_notifications)


def set_notifications_by_token(session: Session, *, token: str, on: bool) -> NotificationPreference:
    """The mailed link's switch: no sign-in, the signed token names the person. NotFound for a bad token."""
    user = _user_of_token(session, token)
    actor = Actor(role=user.role, label=f"unsubscribe-link:user:{user.id}", user_id=user.id, name=user.name)
    return _set_preference(session, user, on=on, actor=actor)


def set_own_notifications(session: Session, *, actor: Actor, on: bool) -> NotificationPreference:
    """A signed-in person's own switch (the portal's)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound(t("Only a signed-in person has notification settings."))
    return _set_preference(session, user, on=on, actor=actor)


# ---------------------------------------------------------------- sending --------------------------------------


@dataclass(frozen=True)
class _Ticket:
    row: Ticket
    requester: User
    desk: str


def _load(session: Session, event: Event) -> _Ticket | None:
    from autocrm.services.setup import company_name

    ticket = session.get(Ticket, event.ticket_id) if event.ticket_id is not None else None
    requester = session.get(User, ticket.requester_id) if ticket is not None else None
    if ticket is None or requester is None:
        return None  # deleted since: nothing to tell anyone
    return _Ticket(ticket, requester, company_name(session))


def _thread_headers(session: Session, ticket_id: int, recipient: str) -> dict[str, str]:
    """In-Reply-To and References: the earlier mails of the ticket between the desk and `recipient`, both ways
    (what the desk sent them and what it received from them), so their mail client threads the conversation."""
    sent = session.exec(
        select(OutboundMailRecord.sent_at, OutboundMailRecord.message_id)
        .where(OutboundMailRecord.ticket_id == ticket_id, OutboundMailRecord.recipient == recipient)
        .order_by(col(OutboundMailRecord.id).desc())
        .limit(_THREAD_DEPTH)
    ).all()
    received = session.exec(
        select(InboundMail.received_at, InboundMail.message_id)
        .where(
            InboundMail.ticket_id == ticket_id,
            InboundMail.sender == recipient,
            col(InboundMail.status).in_([InboundStatus.created, InboundStatus.threaded]),
        )
        .order_by(col(InboundMail.id).desc())
        .limit(_THREAD_DEPTH)
    ).all()
    earlier = [message_id for _at, message_id in sorted([*sent, *received])][-_THREAD_DEPTH:]
    if not earlier:
        return {}
    return {"In-Reply-To": earlier[-1], "References": " ".join(earlier)}


def _files_of(session: Session, message_id: int) -> tuple[MailFile, ...]:
    """The files attached to a reply, to travel with its mail (up to the mail size a server takes)."""
    store, files, total = get_file_store(), [], 0
    for row in session.exec(select(Attachment).where(Attachment.message_id == message_id).order_by(col(Attachment.id))):
        total += row.size
        if total > _MAIL_FILES_MAX_BYTES:
            break  # the rest stay one click away on the ticket's page, which the mail links to
        try:
            files.append(MailFile(row.filename, row.content_type, store.get(row.storage_key)))
        except (KeyError, OSError):
            log.warning("Attachment %s is missing from the file store: mailed without it", row.id)
    return tuple(files)


# Changes that arrive in bulk from another system: mailing each would flood the people in them.
_SILENT_VIA = frozenset({"import"})


def _wants_mail(event: Event, recipient: User) -> bool:
    return event.via not in _SILENT_VIA and recipient.is_active and recipient.email_notifications


def _should_mail(event: Event, recipient: User) -> bool:
    return _wants_mail(event, recipient) and recipient.id != event.actor_user_id


def _facts(ticket: _Ticket, recipient: User, *, for_customer: bool) -> TicketFacts:
    settings = get_settings()
    page = routes.portal_ticket(ticket.row.id or 0) if for_customer else routes.agent_ticket(ticket.row.id or 0)
    return TicketFacts(
        desk=ticket.desk,
        number=ticket.row.number,
        subject=ticket.row.subject,
        link=settings.base_url + page,
        recipient_name=recipient.name,
        unsubscribe_link=unsubscribe_link(recipient) if for_customer else None,
    )


def _send(
    session: Session,
    event: Event,
    ticket: _Ticket,
    recipient: User,
    *,
    kind: str,
    rendered: Rendered,
    customer: bool,
    conversation_message_id: int | None = None,
    attachments: tuple[MailFile, ...] = (),
) -> None:
    already = session.exec(
        select(OutboundMailRecord.id).where(OutboundMailRecord.event_id == event.id, OutboundMailRecord.kind == kind)
    ).first()
    if already is not None:
        return  # this event's mail went out on an earlier run
    number, ticket_id = ticket.row.number, ticket.row.id or 0
    message_id = message_id_for(number, event.id, kind)
    headers = _thread_headers(session, ticket_id, recipient.email)
    headers["X-AutoCRM-Ticket"] = reply_token(number)
    headers["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders do not answer it
    if customer:
        one_click = routes.notifications_one_click_off_link(get_settings().base_url, unsubscribe_token(recipient))
        headers["List-Unsubscribe"] = f"<{one_click}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # The row first: a concurrent second run collides on its unique key instead of mailing twice.
    session.add(
        OutboundMailRecord(
            ticket_id=ticket_id,
            event_id=event.id,
            kind=kind,
            message_id=message_id,
            conversation_message_id=conversation_message_id,
            recipient_id=recipient.id,
            recipient=recipient.email,
        )
    )
    session.flush()
    get_mailer().send(
        OutboundMail(
            to=recipient.email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            reply_to=reply_to_address(number),
            sender_name=notification_templates.one_line(ticket.desk),
            headers=headers,
            attachments=attachments,
        )
    )


# ---------------------------------------------------------------- handlers -------------------------------------


def ticket_created(session: Session, event: Event) -> None:
    """The acknowledgement with the number: also when the requester opened it themselves, that is its point."""
    ticket = _load(session, event)
    if ticket is None:
        return
    requester = ticket.requester
    if not _wants_mail(event, requester):
        return
    with using_locale(requester.locale):
        rendered = notification_templates.ticket_created(_facts(ticket, requester, for_customer=True))
    _send(session, event, ticket, requester, kind="created", rendered=rendered, customer=True)


# What each listener is for, read off the event alone: `emit` writes no job for an event its listener would
# only look at and drop (a note is never mailed, a change of tags mails no one).


def is_public_staff_reply(event: Event) -> bool:
    return not event.data.get("internal", True) and event.data.get("author_kind") != "customer"


def changes_status(event: Event) -> bool:
    return _change(event, "status") is not None


def assigns_someone(event: Event) -> bool:
    assignee = _change(event, "assignee_id")
    return assignee is not None and assignee[1] is not None and assignee[1] != assignee[0]


def agent_replied(session: Session, event: Event) -> None:
    """A public reply by staff (or the desk's bot, a rule): its text to the requester. Never a note."""
    if not is_public_staff_reply(event):
        return
    ticket = _load(session, event)
    message = session.get(Message, event.data.get("message_id"))
    if ticket is None or message is None or message.internal or message.ticket_id != ticket.row.id:
        return  # the stored row decides too: a note is never mailed, whatever the event said
    if not _should_mail(event, ticket.requester):
        return
    author = session.get(User, message.author_id) if message.author_id is not None else None
    with using_locale(ticket.requester.locale):
        rendered = notification_templates.agent_replied(
            _facts(ticket, ticket.requester, for_customer=True),
            author=author.name if author is not None else ticket.desk,
            reply=message.body_text,
        )
    _send(
        session,
        event,
        ticket,
        ticket.requester,
        kind="reply",
        rendered=rendered,
        customer=True,
        conversation_message_id=message.id,
        attachments=_files_of(session, stored_id(message.id)),
    )


def _change(event: Event, field: str) -> tuple[Any, Any] | None:
    changes = event.data.get("changes") or {}
    pair = changes.get(field)
    return (pair[0], pair[1]) if isinstance(pair, list | tuple) and len(pair) == 2 else None


def _is_solved(session: Session, status_key: Any) -> bool:
    status = session.get(TicketStatus, status_key) if isinstance(status_key, str) else None
    return status is not None and status.category == StatusCategory.solved


def ticket_solved(session: Session, event: Event) -> None:
    """The status moved into the solved category: tell the requester, with the link to rate the help."""
    status = _change(event, "status")
    if status is None or not _is_solved(session, status[1]) or _is_solved(session, status[0]):
        return
    ticket = _load(session, event)
    if ticket is None or not _should_mail(event, ticket.requester):
        return
    with using_locale(ticket.requester.locale):
        rendered = notification_templates.ticket_solved(_facts(ticket, ticket.requester, for_customer=True))
    _send(session, event, ticket, ticket.requester, kind="solved", rendered=rendered, customer=True)


def ticket_assigned(session: Session, event: Event) -> None:
    """Someone else assigned the ticket to an agent: tell that agent."""
    assignee_change = _change(event, "assignee_id")
    if assignee_change is None or not assigns_someone(event):
        return
    ticket = _load(session, event)
    assignee = session.get(User, assignee_change[1])
    if ticket is None or assignee is None or not assignee.role.is_staff or not _should_mail(event, assignee):
        return
    by = session.get(User, event.actor_user_id) if event.actor_user_id is not None else None
    with using_locale(assignee.locale):
        rendered = notification_templates.ticket_assigned(
            _facts(ticket, assignee, for_customer=False),
            assigned_by=by.name if by is not None else t("The desk"),
            requester=f"{ticket.requester.name} <{ticket.requester.email}>",
        )
    _send(session, event, ticket, assignee, kind="assigned", rendered=rendered, customer=False)


def wants_mention_mail(event: Event) -> bool:
    return event.data.get("kind") == "mention"


def agent_mentioned(session: Session, event: Event) -> None:
    """A teammate @mentioned an agent in a note (`inbox.notify_mentions` made the bell's row): the same by mail,
    unless they turned notification mails off. Never to a customer: mentions are of staff, in notes."""
    notification = session.get(InboxNotification, event.data.get("notification_id"))
    if notification is None or notification.ticket_id is None:
        return
    recipient = session.get(User, notification.user_id)
    ticket = _load(session, event)
    if ticket is None or recipient is None or not recipient.role.is_staff:
        return
    if not (_wants_mail(event, recipient) and recipient.id != notification.actor_user_id):
        return
    with using_locale(recipient.locale):
        rendered = notification_templates.mentioned(
            _facts(ticket, recipient, for_customer=False),
            by=notification.actor_name or t("A teammate"),
            excerpt=notification.excerpt,
        )
    _send(session, event, ticket, recipient, kind="mention", rendered=rendered, customer=False)
