"""In-app notifications (the bell): today, being @mentioned in an internal note.

A note mentions a teammate either as the editor writes it, `<span data-type="mention" data-id="12">@Ana</span>`,
or, in plain text (the API), as `@` followed by their e-mail address. `notify_mentions` is an after-commit,
rows-only listener on `message.created`: for each active staff member a note mentions (not its author) it adds
one inbox row per person and event (unique, so a second run adds nothing) and emits `notification.created`,
which the mail and the live bell follow. Mentions in public replies notify no one: the customer reads those.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select, update

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import InboxNotification, Message, User
from autocrm.models.base import utcnow
from autocrm.services import audit, events
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput

MENTION = "mention"
NOTIFICATION_CREATED = "notification.created"
MAX_MENTIONS = 20
EXCERPT_CHARS = 280
_MENTION_SPAN = re.compile(r"<span\b[^>]*\bdata-type=\"mention\"[^>]*>", re.IGNORECASE)
_DATA_ID = re.compile(r"\bdata-id=\"([1-9][0-9]{0,9})\"")
_MENTION_EMAIL = re.compile(r"(?<![\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


class InboxItem(BaseModel):
    id: int
    kind: str
    ticket_id: int | None
    message_id: int | None
    actor_name: str
    excerpt: str
    created_at: datetime
    read: bool


class InboxPage(BaseModel):
    items: list[InboxItem]
    unread: int


class MarkRead(ServiceInput):
    ids: list[DbId] = Field(default_factory=list, max_length=500)
    all: bool = False


def mentioned_ids(session: Session, *, body_html: str, body_text: str) -> list[int]:
    """The ids of the active staff a message mentions, in the order they appear, at most `MAX_MENTIONS`."""
    ids: list[int] = []
    for span in _MENTION_SPAN.findall(body_html):
        found = _DATA_ID.search(span)
        if found:
            ids.append(int(found.group(1)))
    emails = [address.lower() for address in _MENTION_EMAIL.findall(body_text)]
    if emails:
        by_email = dict(session.exec(select(User.email, User.id).where(col(User.email).in_(emails))).all())
        ids.extend(stored_id(by_email[e]) for e in emails if e in by_email)
    unique = list(dict.fromkeys(ids))[:MAX_MENTIONS]
    if not unique:
        return []
    staff = {
        stored_id(user.id)
        for user in session.exec(select(User).where(col(User.id).in_(unique)))
        if user.is_active and user.role.is_staff
    }
    return [i for i in unique if i in staff]


def wants_mentions(event: Event) -> bool:
    return bool(event.data.get("internal")) and event.data.get("author_kind") != "customer"


def notify_mentions(session: Session, event: Event) -> None:
    """After a note commits: an inbox row, and a `notification.created` event, for each teammate it mentions."""
    message = session.get(Message, event.data.get("message_id"))
    if message is None or not message.internal:
        return
    author = session.get(User, message.author_id) if message.author_id is not None else None
    excerpt = " ".join(message.body_text.split())
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[: EXCERPT_CHARS - 1] + "…"
    for user_id in mentioned_ids(session, body_html=message.body_html, body_text=message.body_text):
        if user_id == message.author_id:
            continue
        already = session.exec(
            select(InboxNotification.id).where(
                InboxNotification.user_id == user_id, InboxNotification.event_id == event.id
            )
        ).first()
        if already is not None:
            continue
        row = InboxNotification(
            user_id=user_id,
            kind=MENTION,
            event_id=event.id,
            ticket_id=message.ticket_id,
            message_id=message.id,
            actor_user_id=message.author_id,
            actor_name=author.name if author is not None else "",
            excerpt=excerpt,
        )
        session.add(row)
        session.flush()
        events.emit(
            session,
            NOTIFICATION_CREATED,
            actor=Actor.system("inbox"),
            ticket_id=message.ticket_id,
            data={"notification_id": row.id, "user_id": user_id, "kind": MENTION, "message_id": message.id},
        )


def _person(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied(t("Only people have an inbox: an API key has none."))
    return actor.user_id


def list_inbox(session: Session, *, actor: Actor, unread_only: bool = False, limit: int = 50) -> InboxPage:
    """The actor's notifications, newest first, and how many are unread."""
    user_id = _person(actor)
    statement = select(InboxNotification).where(InboxNotification.user_id == user_id)
    if unread_only:
        statement = statement.where(col(InboxNotification.read_at).is_(None))
    rows = session.exec(statement.order_by(col(InboxNotification.id).desc()).limit(max(1, min(limit, 200))))
    items = [
        InboxItem(
            id=stored_id(row.id),
            kind=row.kind,
            ticket_id=row.ticket_id,
            message_id=row.message_id,
            actor_name=row.actor_name,
            excerpt=row.excerpt,
            created_at=row.created_at,
            read=row.read_at is not None,
        )
        for row in rows
    ]
    return InboxPage(items=items, unread=unread_count(session, actor=actor))


def unread_count(session: Session, *, actor: Actor) -> int:
    user_id = _person(actor)
    return session.exec(
        select(func.count())
        .select_from(InboxNotification)
        .where(InboxNotification.user_id == user_id, col(InboxNotification.read_at).is_(None))
    ).one()


def mark_read(session: Session, *, actor: Actor, data: MarkRead) -> int:
    """Marks some (or all) of the actor's own notifications read; returns how many changed."""
    user_id = _person(actor)
    if not data.all and not data.ids:
        return 0
    statement = (
        update(InboxNotification)
        .where(col(InboxNotification.user_id) == user_id, col(InboxNotification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    if not data.all:
        statement = statement.where(col(InboxNotification.id).in_(data.ids))
    changed = session.exec(statement).rowcount
    if changed:
        audit.record(
            session,
            actor=actor,
            action="inbox.read",
            object_type="user",
            object_id=user_id,
            changes={"read": (None, "all" if data.all else sorted(data.ids))},
        )
        events.emit(session, "notification.read", actor=actor, data={"user_id": user_id, "count": int(changed)})
    return int(changed or 0)
