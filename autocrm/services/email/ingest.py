"""Mail in: every raw message becomes a ticket, a reply on one, or a row that says why not. Nothing is dropped.

`ingest` takes a batch of raw messages and writes them in the caller's transaction, each in a savepoint of its
own, so one commit covers a whole IMAP poll and a message that fails rolls back alone (it is then recorded as
`failed` with the reason, its raw bytes kept, for an admin to retry). A message is known by its Message-ID
with its From, Date, Subject and body (`inbound_mail.dedupe_key` is unique): the same message fetched twice, by a
worker killed before it flagged the mailbox or by two workers at once, is written once; two different messages
that share a Message-ID are both kept.

Threading, in this order (never by the subject's words alone):
1. In-Reply-To / References naming a Message-ID the desk sent (`outbound_mail`) or received (`inbound_mail`);
2. the signed ticket token of a Reply-To address the desk handed out (`+t12.abcdef...@`), in any recipient;
3. `[#1234]` in the subject, only when the sender is that ticket's requester (a number is easy to guess).
A reply from the requester joins the conversation (only its new text; the raw mail is attached); from anyone
else it is kept as an internal note, since a From line proves nothing. A reply to a closed ticket opens a
follow-up. A new sender becomes a customer nobody vouched for: the ticket waits for them to verify the address
before it shows in a portal (`verification.hold_if_unverified`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import filetype
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.core.i18n import format_number, t
from autocrm.core.settings import get_settings
from autocrm.models import (
    Attachment,
    Channel,
    InboundMail,
    InboundStatus,
    Message,
    OutboundMailRecord,
    Role,
    StatusCategory,
    Ticket,
    User,
)
from autocrm.models.base import utcnow
from autocrm.services import audit, desk, events, notifications
from autocrm.services.actor import CHANNELS_MANAGE, CHANNELS_WRITE, Actor
from autocrm.services.auth import normalize_email
from autocrm.services.content import html_to_text, sanitize_html
from autocrm.services.email.parse import (
    MailAttachment,
    ParsedMail,
    UnusableMail,
    dedupe_key_of,
    message_id_of,
    parse_mail,
    sender_of,
)
from autocrm.services.errors import Conflict, DomainError, NotFound, ValidationFailed, field_error
from autocrm.services.inputs import is_valid_id
from autocrm.services.mail import from_address
from autocrm.services.storage import get_file_store
from autocrm.services.tickets.shapes import ALLOWED_ATTACHMENT_TYPES, MessageCreate, TicketCreate
from autocrm.services.user_shapes import UserPublic

log = logging.getLogger(__name__)

VIA = "channel:email"
RAW_FILENAME = "original.eml"
_TOKEN = re.compile(r"\+(t\d{1,10}\.[0-9a-f]{6,64})@")
_NUMBER_IN_SUBJECT = re.compile(r"\[#(\d{1,10})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|vs|antw|fwd?|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


class InboundResult(BaseModel):
    """What became of one message: the REST endpoint's answer and the SMTP listener's log line."""

    status: str  # created | threaded | ignored | failed
    ticket_id: int | None = None
    message_id: int | None = None  # the conversation entry it added
    reason: str = ""
    inbound_id: int | None = None
    duplicate: bool = False  # this Message-ID was received before: nothing new was written


@dataclass(frozen=True)
class RawMail:
    data: bytes
    source: str  # imap | smtp | api
    mailbox_id: int | None = None


def channel_actor(user: User | UserPublic) -> Actor:
    """The requester writing by mail: a customer (or staff member) named by the mail's sender."""
    return Actor(role=user.role, label=f"email:user:{user.id}", user_id=user.id, name=user.name, via=VIA)


def _system_actor() -> Actor:
    return Actor.system("channel:email", via=VIA)


# ---------------------------------------------------------------- threading ------------------------------------


def _ticket_of_message_ids(session: Session, ids: list[str]) -> int | None:
    """The ticket of the latest message named (In-Reply-To first, then References from the newest)."""
    if not ids:
        return None
    found: dict[str, int] = {}
    for message_id, ticket_id in session.exec(
        select(OutboundMailRecord.message_id, OutboundMailRecord.ticket_id).where(
            col(OutboundMailRecord.message_id).in_(ids)
        )
    ):
        found[message_id] = ticket_id
    for message_id, inbound_ticket in session.exec(
        select(InboundMail.message_id, InboundMail.ticket_id).where(
            col(InboundMail.message_id).in_(ids), col(InboundMail.ticket_id).is_not(None)
        )
    ):
        found.setdefault(message_id, stored_id(inbound_ticket))
    return next((found[i] for i in ids if i in found), None)


def _ticket_by_number(session: Session, number: int) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.number == number)).first()


@dataclass(frozen=True)
class _Thread:
    ticket: Ticket
    how: str


def find_thread(session: Session, mail: ParsedMail, sender: User | UserPublic | None) -> _Thread | None:
    """The ticket `mail` answers, and how that was told; None for a new conversation."""
    ids = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    ticket_id = _ticket_of_message_ids(session, ids)
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is not None:
            return _Thread(ticket, t("In-Reply-To/References"))
    for recipient in mail.recipients:
        match = _TOKEN.search(recipient)
        number = notifications.ticket_number_of_reply_token(match.group(1)) if match else None
        ticket = _ticket_by_number(session, number) if number is not None else None
        if ticket is not None:
            return _Thread(ticket, t("the reply address's ticket token"))
    match = _NUMBER_IN_SUBJECT.search(mail.subject)
    if match is not None and sender is not None:
        ticket = _ticket_by_number(session, int(match.group(1)))
        if ticket is not None and ticket.requester_id == sender.id:
            return _Thread(ticket, t("[#{number}] in the subject, from its requester", number=ticket.number))
    return None


# ---------------------------------------------------------------- writing --------------------------------------


def _new_customer(session: Session, mail: ParsedMail) -> UserPublic:
    from autocrm.services.users import create_user

    try:
        normalize_email(mail.sender)
    except ValidationFailed:
        raise UnusableMail(
            t("The sender's address ({address}) is not a valid e-mail address.", address=mail.sender)
        ) from None
    return create_user(
        session,
        actor=_system_actor(),
        email=mail.sender,
        name=_display_name(mail),
        role=Role.customer,
        vouched=False,  # a From line proves nothing about who reads that mailbox
    )


def _display_name(mail: ParsedMail) -> str:
    name = "".join(ch for ch in mail.sender_name if ch.isprintable()).strip()
    return name[:200] or mail.sender.split("@")[0][:200]


def _subject_of(mail: ParsedMail) -> str:
    subject = " ".join("".join(ch if ch.isprintable() else " " for ch in mail.subject).split())
    return subject[:250] or t("(no subject)")


def _body_of_new(mail: ParsedMail) -> tuple[str, str]:
    """A new ticket's body and format: the HTML when the mail has one (sanitized on the way in), else the text."""
    if mail.html is not None and mail.html.strip():
        return mail.html, "html"
    return (mail.text.strip() or t("(This message has no text.)")), "text"


def _store_attachments(
    session: Session, actor: Actor, ticket_id: int, message_id: int, mail: ParsedMail, row: InboundMail
) -> tuple[dict[str, str], list[str]]:
    """The mail's files as attachments of its message, the raw message first. Returns the URL of each inline
    image by Content-ID, and the names of files refused for their type."""
    files = [
        Attachment(
            ticket_id=ticket_id,
            message_id=message_id,
            filename=RAW_FILENAME,
            content_type="message/rfc822",
            size=row.raw_size,
            sha256=row.raw_sha256,
            storage_key=row.raw_key,
        )
    ]
    refused: list[str] = []
    limit = get_settings().attachment_max_bytes
    store = get_file_store()
    kept: list[MailAttachment] = []
    for item in mail.attachments:
        kind = filetype.guess(item.data)
        content_type = kind.mime if kind is not None else item.content_type
        if content_type.startswith("text/") and content_type not in ALLOWED_ATTACHMENT_TYPES:
            content_type = "text/plain"
        if content_type not in ALLOWED_ATTACHMENT_TYPES and content_type != "message/rfc822":
            refused.append(f"{item.filename} ({content_type})")
            continue
        if len(item.data) > limit:
            refused.append(t("{name} (larger than {size} MB)", name=item.filename, size=limit // (1024 * 1024)))
            continue
        kept.append(item)
        safe_name = re.sub(r"[^\w.\- ()]", "_", item.filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
        files.append(
            Attachment(
                ticket_id=ticket_id,
                message_id=message_id,
                filename=(safe_name or "file")[:255],
                content_type=content_type,
                size=len(item.data),
                sha256=hashlib.sha256(item.data).hexdigest(),
                storage_key=store.put(item.data),
            )
        )
    session.add_all(files)
    if len(files) == 1:
        # Only the original: the `inbound_mail` row records its arrival (ticket, message, file), so it is not
        # announced as a file someone attached (no audit entry, no `attachment.added` for webhooks to relay).
        return {}, refused
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="attachment.create",
        object_type="ticket",
        object_id=ticket_id,
        changes={"attachment": (None, [{"id": f.id, "filename": f.filename, "size": f.size} for f in files[1:]])},
    )
    for stored in files[1:]:
        events.emit(
            session,
            "attachment.added",
            actor=actor,
            ticket_id=ticket_id,
            data={"attachment_id": stored.id, "message_id": message_id, "content_type": stored.content_type},
        )
    urls = {
        item.content_id: routes.attachment_file(stored_id(stored.id))
        for item, stored in zip(kept, files[1:], strict=True)
        if item.content_id
    }
    return urls, refused


def _show_inline_images(session: Session, message_id: int, mail: ParsedMail, urls: dict[str, str]) -> None:
    """Rewrites the message's `cid:` images to its stored attachments, now that they have ids."""
    html = mail.html_with_images(urls)
    if html is None or not urls:
        return
    message = session.get(Message, message_id)
    if message is None:
        return
    shown = frozenset(int(url.rsplit("/", 1)[1]) for url in urls.values())
    message.body_html = sanitize_html(html, images=shown)
    message.body_text = html_to_text(message.body_html) or message.body_text
    session.add(message)


def _ticket_input(mail: ParsedMail, *, follow_up_of: Ticket | None) -> TicketCreate:
    """The new ticket's input, checked before anything is written (a new customer is made only for a mail whose
    ticket will be accepted)."""
    body, body_format = _body_of_new(mail)
    subject = _subject_of(mail)
    if follow_up_of is not None:
        subject = _REPLY_PREFIX.sub("", subject) or subject
    return TicketCreate(
        subject=subject,
        body=body,
        body_format=body_format,
        channel=Channel.email,
        follow_up_of_id=follow_up_of.id if follow_up_of is not None else None,
    )


def _open_ticket(session: Session, data: TicketCreate, requester: User | UserPublic) -> tuple[int, int]:
    from autocrm.services.tickets import create_ticket

    created = create_ticket(session, actor=_system_actor(), data=data.model_copy(update={"requester_id": requester.id}))
    first = session.exec(select(Message.id).where(Message.ticket_id == created.id).order_by(col(Message.id)))
    return created.id, stored_id(first.first())


def _reply(session: Session, mail: ParsedMail, ticket: Ticket, sender: User | UserPublic | None) -> tuple[int, str]:
    """Adds the reply's new text to `ticket`: as the requester's reply, or as a note when someone else wrote."""
    from autocrm.services.tickets import add_message

    text = mail.new_text or t("(This message has no text.)")
    if sender is not None and sender.id == ticket.requester_id and sender.is_active:
        added = add_message(
            session,
            actor=channel_actor(sender),
            ticket_id=stored_id(ticket.id),
            data=MessageCreate(body=text, body_format="text", channel=Channel.email),
        )
        return added.message.id, ""
    note = t("E-mail from {sender}, who is not this ticket's requester:", sender=mail.sender) + f"\n\n{text}"
    added = add_message(
        session,
        actor=_system_actor(),
        ticket_id=stored_id(ticket.id),
        data=MessageCreate(body=note, body_format="text", internal=True, channel=Channel.email),
    )
    return added.message.id, t("kept as an internal note: the sender is not the requester")


class _BatchFacts:
    """What every message of a batch asks the database, asked once for the batch: which Message-IDs the desk
    sent itself, and how much each sender wrote lately (kept up to date as the batch writes)."""

    def __init__(self, session: Session, raws: list[RawMail]) -> None:
        self.session = session
        ids = list({message_id_of(raw.data) for raw in raws})
        self.ours = set(
            session.exec(select(OutboundMailRecord.message_id).where(col(OutboundMailRecord.message_id).in_(ids)))
        )
        senders = list({sender_of(raw.data) for raw in raws})
        self.written = self._counts(senders)
        self.users = self._users(senders)

    def _users(self, emails: list[str]) -> dict[str, User | None]:
        found: dict[str, User | None] = dict.fromkeys(emails)
        for user in self.session.exec(select(User).where(col(User.email).in_(emails))):
            found[user.email] = user
        return found

    def user(self, email: str) -> User | None:
        """The account of the address, if it has one (from the batch's one look-up, or a look-up of its own).
        The rows are held here for the batch, so the ticket services find them in the session, not by a query."""
        if email not in self.users:
            self.users.update(self._users([email]))
        return self.users[email]

    def new_customer(self, mail: ParsedMail) -> User:
        created = _new_customer(self.session, mail)
        user = self.session.get(User, created.id)
        if user is None:
            raise UnusableMail(t("The sender's new account could not be read back."))
        self.users[mail.sender] = user
        return user

    def forget(self, email: str) -> None:
        """A message from this sender was rolled back (its new account too, perhaps): look the sender up again."""
        self.users.pop(email, None)

    def _counts(self, senders: list[str]) -> dict[str, int]:
        settings = get_settings()
        since = utcnow() - timedelta(seconds=settings.email_sender_window_seconds)
        counts = dict.fromkeys(senders, 0)
        rows = self.session.exec(
            select(InboundMail.sender, func.count())
            .where(
                col(InboundMail.sender).in_(senders),
                col(InboundMail.received_at) >= since,
                col(InboundMail.status).in_([InboundStatus.created, InboundStatus.threaded]),
            )
            .group_by(col(InboundMail.sender))
        )
        counts.update({sender: count for sender, count in rows})
        return counts

    def is_our_own(self, mail: ParsedMail) -> bool:
        return mail.sender == from_address() or mail.message_id in self.ours

    def over_rate_limit(self, sender: str) -> bool:
        if sender not in self.written:
            self.written.update(self._counts([sender]))
        return self.written[sender] >= get_settings().email_sender_limit

    def wrote(self, sender: str) -> None:
        self.written[sender] = self.written.get(sender, 0) + 1


def _route(session: Session, mail: ParsedMail, row: InboundMail, facts: _BatchFacts) -> None:
    """Decides and writes what `mail` becomes, filling in `row`. Raises on what must fail it."""
    if facts.is_our_own(mail):
        row.status, row.reason = InboundStatus.ignored, t("mail the desk sent itself")
        return
    if mail.noise is not None:
        row.status, row.reason = InboundStatus.ignored, mail.noise
        return
    if facts.over_rate_limit(mail.sender):
        row.status = InboundStatus.ignored
        row.reason = t("too many messages from this sender in a short time (the mail-storm limit)")
        return
    sender = facts.user(mail.sender)
    thread = find_thread(session, mail, sender)
    if thread is not None and desk.status_of(session, thread.ticket.status).category == StatusCategory.closed:
        data = _ticket_input(mail, follow_up_of=thread.ticket)
        requester = sender if sender is not None else facts.new_customer(mail)
        row.ticket_id, row.conversation_message_id = _open_ticket(session, data, requester)
        row.status, row.reason = (
            InboundStatus.created,
            t("a follow-up of closed ticket #{number}", number=thread.ticket.number),
        )
    elif thread is not None:
        row.conversation_message_id, note = _reply(session, mail, thread.ticket, sender)
        row.ticket_id = thread.ticket.id
        row.status = InboundStatus.threaded
        row.reason = t("by {how}", how=thread.how) + (f"; {note}" if note else "")
    else:
        data = _ticket_input(mail, follow_up_of=None)
        requester = sender if sender is not None else facts.new_customer(mail)
        if not requester.is_active:
            raise UnusableMail(t("The sender's account is deactivated."))
        row.ticket_id, row.conversation_message_id = _open_ticket(session, data, requester)
        row.status = InboundStatus.created
    urls, refused = _store_attachments(
        session, _system_actor(), stored_id(row.ticket_id), stored_id(row.conversation_message_id), mail, row
    )
    _show_inline_images(session, stored_id(row.conversation_message_id), mail, urls)
    if refused:
        kept_out = t("files not kept: {names}", names=", ".join(refused))
        row.reason = "; ".join(filter(None, [row.reason, kept_out]))[:500]


def _result(row: InboundMail, *, duplicate: bool = False) -> InboundResult:
    return InboundResult(
        status=row.status,
        ticket_id=row.ticket_id,
        message_id=row.conversation_message_id,
        reason=row.reason,
        inbound_id=row.id,
        duplicate=duplicate,
    )


def _reason_of(exc: Exception) -> str:
    if isinstance(exc, UnusableMail):
        return str(exc)
    if isinstance(exc, DomainError):
        details: dict[str, Any] = getattr(exc, "details", None) or {}
        extra = [f"{field}: {text}" for field, text in details.items() if text != exc.message]
        return " ".join([exc.message, *extra])
    return t("Unexpected error while reading the message: {error}", error=type(exc).__name__)


def _process(session: Session, raw: RawMail, fields: dict[str, Any], facts: _BatchFacts) -> InboundMail:
    """Parses and writes one message inside a savepoint; on failure the savepoint goes and the row says why."""
    row = InboundMail(**fields)
    try:
        with session.begin_nested():
            mail = parse_mail(raw.data)
            row.sender, row.subject = mail.sender, _subject_of(mail)
            _route(session, mail, row, facts)
            row.processed_at = utcnow()
            session.add(row)
            session.flush()
        if row.status in (InboundStatus.created, InboundStatus.threaded):
            facts.wrote(row.sender)
        return row
    except IntegrityError:
        facts.forget(row.sender)
        # Another worker wrote this Message-ID meanwhile (its row is the message's): report that one.
        earlier = session.exec(select(InboundMail).where(InboundMail.dedupe_key == fields["dedupe_key"])).first()
        if earlier is not None:
            return earlier
        exc_reason = t("The message collided with a row written at the same time; retry it.")
    except Exception as exc:  # every failure of one message is that message's, never the batch's
        if not isinstance(exc, UnusableMail | DomainError):
            log.exception("E-mail %s could not be read", fields["message_id"])
        exc_reason = _reason_of(exc)
        facts.forget(row.sender)
    failed = InboundMail(**fields)
    failed.status, failed.reason, failed.processed_at = InboundStatus.failed, exc_reason[:500], utcnow()
    session.add(failed)
    session.flush()
    return failed


def ingest(session: Session, raws: list[RawMail]) -> list[InboundResult]:
    """Writes each message of `raws` in the caller's transaction; one result per message, in order."""
    keys = [dedupe_key_of(raw.data) for raw in raws]
    known = {
        row.dedupe_key: row for row in session.exec(select(InboundMail).where(col(InboundMail.dedupe_key).in_(keys)))
    }
    results: list[InboundResult] = []
    store = get_file_store()
    facts = _BatchFacts(session, raws)
    for raw, key in zip(raws, keys, strict=True):
        earlier = known.get(key)
        if earlier is not None:
            results.append(_result(earlier, duplicate=True))
            continue
        fields: dict[str, Any] = {
            "message_id": message_id_of(raw.data),
            "dedupe_key": key,
            "source": raw.source,
            "mailbox_id": raw.mailbox_id,
            "raw_key": store.put(raw.data),
            "raw_size": len(raw.data),
            "raw_sha256": hashlib.sha256(raw.data).hexdigest(),
            "status": InboundStatus.failed,
            "sender": sender_of(raw.data),
        }
        row = _process(session, raw, fields, facts)
        results.append(_result(row, duplicate=row.raw_key != fields["raw_key"]))
        known[key] = row
    return results


def ingest_one(session: Session, raw: RawMail) -> InboundResult:
    return ingest(session, [raw])[0]


# ---------------------------------------------------------------- the failed list ------------------------------


class InboundMailPublic(BaseModel):
    id: int
    message_id: str
    source: str
    sender: str
    subject: str
    status: str
    reason: str
    ticket_id: int | None
    attempts: int
    received_at: datetime


def list_inbound(
    session: Session, *, actor: Actor, status: str | None = InboundStatus.failed, limit: int = 100
) -> list[InboundMailPublic]:
    """The latest messages received (by default the failed ones, for an admin to look at and retry)."""
    actor.require_scope(CHANNELS_MANAGE)
    actor.require_admin()
    query = select(InboundMail).order_by(col(InboundMail.received_at).desc(), col(InboundMail.id).desc())
    if status is not None:
        query = query.where(InboundMail.status == status)
    rows = session.exec(query.limit(max(1, min(limit, 500)))).all()
    return [InboundMailPublic.model_validate(row, from_attributes=True) for row in rows]


def retry_inbound(session: Session, *, actor: Actor, inbound_id: int) -> InboundResult:
    """Reads a failed message again from its raw bytes (after a fix, or a sender's account was reactivated)."""
    actor.require_scope(CHANNELS_MANAGE)
    actor.require_admin()
    row = session.get(InboundMail, inbound_id) if is_valid_id(inbound_id) else None
    if row is None:
        raise NotFound(t("Received message {id} not found.", id=inbound_id))
    if row.status != InboundStatus.failed:
        raise Conflict(t("Only a failed message can be retried: this one already became what it is."))
    try:
        data = get_file_store().get(row.raw_key)
    except (KeyError, OSError):
        raise Conflict(t("The raw message is missing from the file store: it cannot be read again.")) from None
    fields: dict[str, Any] = {
        "message_id": row.message_id,
        "dedupe_key": row.dedupe_key,
        "source": row.source,
        "mailbox_id": row.mailbox_id,
        "raw_key": row.raw_key,
        "raw_size": row.raw_size,
        "raw_sha256": row.raw_sha256,
        "status": InboundStatus.failed,
        "sender": row.sender,
        "attempts": row.attempts + 1,
        "received_at": row.received_at,
    }
    audit.record(session, actor=actor, action="email.retry", object_type="inbound_mail", object_id=row.id, changes={})
    session.delete(row)
    session.flush()
    raw = RawMail(data=data, source=row.source, mailbox_id=row.mailbox_id)
    retried = _process(session, raw, fields, _BatchFacts(session, [raw]))
    return _result(retried)


def receive(session: Session, *, actor: Actor, data: bytes, source: str = "api") -> InboundResult:
    """A raw message handed to the desk by a mail service (REST) or the SMTP listener: an integration's key with
    `channels:write`. A message that cannot be read is still stored and answers `failed` with the reason."""
    actor.require_scope(CHANNELS_WRITE)
    actor.require_staff()
    if len(data) > get_settings().email_max_bytes:
        raise field_error(
            "message",
            t("The message is larger than {limit} bytes.", limit=format_number(get_settings().email_max_bytes)),
        )
    return ingest_one(session, RawMail(data=data, source=source))
