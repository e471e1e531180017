"""IMAP mailboxes: admins set them up (the password sealed at rest), test them, and the `email.poll` scheduled job
fetches their new mail.

A poll takes the folder's unseen messages in batches: each batch is written (`ingest`) and committed before the
server is told anything (flag \\Seen, or move to the processed folder), so a worker killed at any point leaves
the messages unseen on the server and the next poll fetches them again; those already written are known by
their Message-ID and written once. Messages are fetched with BODY.PEEK[], which does not set \\Seen by itself.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

from cryptography.fernet import InvalidToken
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from autocrm.core.db import read_session, stored_id, write_session
from autocrm.core.i18n import ngettext, t
from autocrm.core.sealing import sealer
from autocrm.models import EmailMailbox, MailboxSecurity
from autocrm.models.base import utcnow
from autocrm.services import audit
from autocrm.services.actor import CHANNELS_MANAGE, Actor
from autocrm.services.email.ingest import InboundResult, RawMail, ingest
from autocrm.services.errors import NotFound, ValidationFailed
from autocrm.services.inputs import ServiceInput, is_valid_id

log = logging.getLogger(__name__)

_SEAL_PURPOSE = "mailbox-password"
IMAP_TIMEOUT_SECONDS = 30
CHECK_TIMEOUT_SECONDS = 10  # an admin waits for the answer
POLL_BATCH = 50  # messages fetched, written and committed together (SQLite's write lock is held that long)
MAX_PER_POLL = 5000  # a huge backlog is worked through over several polls
SECURITY_CHOICES = (MailboxSecurity.ssl, MailboxSecurity.starttls, MailboxSecurity.none)
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9a-fA-F:.]+\]?$")


class MailboxCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=993, ge=1, le=65535)
    security: str = Field(default=MailboxSecurity.ssl, max_length=16)
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1000)
    folder: str = Field(default="INBOX", min_length=1, max_length=200)
    processed_folder: str | None = Field(default=None, max_length=200)
    enabled: bool = True


class MailboxUpdate(ServiceInput):
    """Only the fields sent change; a password sent replaces the stored one."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    host: str | None = Field(default=None, min_length=1, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: str | None = Field(default=None, max_length=16)
    username: str | None = Field(default=None, min_length=1, max_length=254)
    password: str | None = Field(default=None, min_length=1, max_length=1000)
    folder: str | None = Field(default=None, min_length=1, max_length=200)
    processed_folder: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None


class MailboxPublic(BaseModel):
    """A mailbox as admins see it: never its password."""

    id: int
    name: str
    host: str
    port: int
    security: str
    username: str
    folder: str
    processed_folder: str | None
    enabled: bool
    last_polled_at: datetime | None
    last_status: str
    last_ok: bool | None


class PollResult(BaseModel):
    mailbox_id: int
    fetched: int = 0
    results: list[InboundResult] = Field(default_factory=list)
    error: str | None = None


class ConnectionCheck(BaseModel):
    ok: bool
    message: str


def _public(row: EmailMailbox) -> MailboxPublic:
    return MailboxPublic.model_validate(row, from_attributes=True)


def _seal(password: str) -> str:
    return sealer(_SEAL_PURPOSE).encrypt(password.encode()).decode()


def _password_of(row: EmailMailbox) -> str:
    try:
        return sealer(_SEAL_PURPOSE).decrypt(row.password_sealed.encode()).decode()
    except InvalidToken:
        raise ValidationFailed(
            t("The stored password cannot be read (the secret key changed since): enter it again."),
            {"password": t("enter it again")},
        ) from None


def _clean(values: dict[str, object]) -> dict[str, object]:
    """Checks what an admin typed; one message per field that is wrong."""
    errors: dict[str, str] = {}
    cleaned = dict(values)
    for key in ("name", "host", "username", "folder", "processed_folder"):
        value = cleaned.get(key)
        if isinstance(value, str):
            value = value.strip()
            if not value.isprintable():
                errors[key] = t("Use plain text: no control characters.")
            cleaned[key] = value or None if key == "processed_folder" else value
    host = cleaned.get("host")
    if isinstance(host, str) and not _HOST.match(host):
        errors["host"] = t("Enter a host name like imap.example.com, or an IP address.")
    security = cleaned.get("security")
    if security is not None and security not in SECURITY_CHOICES:
        errors["security"] = t("Choose ssl, starttls or none.")
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else t("Some of the mailbox's settings need a fix.")
        raise ValidationFailed(message, errors)
    return cleaned


def _get(session: Session, mailbox_id: int) -> EmailMailbox:
    row = session.get(EmailMailbox, mailbox_id) if is_valid_id(mailbox_id) else None
    if row is None:
        raise NotFound(t("Mailbox {id} not found.", id=mailbox_id))
    return row


def require_manager(actor: Actor) -> None:
    """Mailboxes hold passwords to the desk's mail: admins only, and an API key needs `channels:manage`."""
    actor.require_scope(CHANNELS_MANAGE)
    actor.require_admin()


def list_mailboxes(session: Session, *, actor: Actor) -> list[MailboxPublic]:
    require_manager(actor)
    return [_public(row) for row in session.exec(select(EmailMailbox).order_by(col(EmailMailbox.id)))]


def get_mailbox(session: Session, *, actor: Actor, mailbox_id: int) -> MailboxPublic:
    require_manager(actor)
    return _public(_get(session, mailbox_id))


def create_mailbox(session: Session, *, actor: Actor, data: MailboxCreate) -> MailboxPublic:
    require_manager(actor)
    values = _clean(data.model_dump(exclude={"password"}))
    now = utcnow()
    row = EmailMailbox(**values, password_sealed=_seal(data.password), created_at=now, updated_at=now)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="mailbox.create",
        object_type="email_mailbox",
        object_id=row.id,
        changes={key: (None, value) for key, value in values.items()},  # never the password
    )
    return _public(row)


def update_mailbox(session: Session, *, actor: Actor, mailbox_id: int, data: MailboxUpdate) -> MailboxPublic:
    require_manager(actor)
    row = _get(session, mailbox_id)
    sent = data.model_dump(exclude_unset=True, exclude={"password"})
    values = _clean(sent)
    changes: dict[str, tuple[object, object]] = {}
    for key, value in values.items():
        if value is None and key != "processed_folder":
            continue
        if getattr(row, key) != value:
            changes[key] = (getattr(row, key), value)
            setattr(row, key, value)
    if data.password is not None:
        row.password_sealed = _seal(data.password)
        changes["password"] = ("(hidden)", "(changed)")
    if changes:
        row.updated_at = utcnow()
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="mailbox.update",
            object_type="email_mailbox",
            object_id=row.id,
            changes=changes,
        )
    return _public(row)


def delete_mailbox(session: Session, *, actor: Actor, mailbox_id: int) -> None:
    """Stops fetching from it and forgets its password. What it brought stays: the tickets, and the received
    messages' records (their mailbox is then none)."""
    require_manager(actor)
    row = _get(session, mailbox_id)
    audit.record(
        session,
        actor=actor,
        action="mailbox.delete",
        object_type="email_mailbox",
        object_id=row.id,
        changes={"name": (row.name, None), "host": (row.host, None), "username": (row.username, None)},
    )
    session.delete(row)


# ---------------------------------------------------------------- IMAP -----------------------------------------


class MailboxError(Exception):
    """Connecting, logging in or selecting the folder failed; str(exc) says which, for the admin."""


@contextmanager
def _connected(row: EmailMailbox, *, timeout: float = IMAP_TIMEOUT_SECONDS) -> Iterator[imaplib.IMAP4]:
    try:
        client: imaplib.IMAP4
        if row.security == MailboxSecurity.ssl:
            context = ssl.create_default_context()
            client = imaplib.IMAP4_SSL(row.host, row.port, ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(row.host, row.port, timeout=timeout)
            if row.security == MailboxSecurity.starttls:
                client.starttls(ssl_context=ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise MailboxError(
            t("Cannot connect to {host}:{port}: {reason}", host=row.host, port=row.port, reason=exc)
        ) from None
    try:
        try:
            client.login(row.username, _password_of(row))
        except imaplib.IMAP4.error:
            raise MailboxError(t("The server refused the user name or password.")) from None
        status, _ = client.select(_quoted(row.folder))
        if status != "OK":
            raise MailboxError(t("The folder “{folder}” does not exist on the server.", folder=row.folder))
        yield client
    finally:
        with suppress(OSError, imaplib.IMAP4.error):  # the connection is gone already: nothing left to close
            client.logout()


@contextmanager
def connected_mailbox(mailbox_id: int) -> Iterator[imaplib.IMAP4]:
    """A signed-in connection with the mailbox's folder selected (for a channel that stays connected: IDLE)."""
    with read_session() as session:
        row = _get(session, mailbox_id)
    with _connected(row) as client:
        yield client


def enabled_mailbox_ids() -> list[int]:
    """The mailboxes mail is fetched from (for the channels' own processes: no person asks)."""
    with read_session() as session:
        return [stored_id(i) for i in session.exec(select(EmailMailbox.id).where(col(EmailMailbox.enabled).is_(True)))]


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unseen_uids(client: imaplib.IMAP4) -> list[bytes]:
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK":
        raise MailboxError(t("The server refused to list unseen messages."))
    return data[0].split() if data and data[0] else []


def _fetch(client: imaplib.IMAP4, uids: list[bytes]) -> dict[bytes, bytes]:
    """The raw bytes of each message, by UID (one FETCH for the batch; PEEK leaves \\Seen unset)."""
    status, data = client.uid("FETCH", b",".join(uids).decode(), "(UID BODY.PEEK[])")
    if status != "OK":
        raise MailboxError(t("The server refused to send the messages."))
    found: dict[bytes, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = re.search(rb"UID (\d+)", item[0])
            if match is not None:
                found[match.group(1)] = item[1]
    return found


def _mark_done(client: imaplib.IMAP4, row: EmailMailbox, uids: list[bytes]) -> None:
    """Tells the server the messages are taken: moved to the processed folder, or flagged \\Seen."""
    if not uids:
        return
    uid_set = b",".join(uids).decode()
    if row.processed_folder:
        status, _ = client.uid("MOVE", uid_set, _quoted(row.processed_folder))
        if status == "OK":
            return
        log.warning("Mailbox %s: MOVE to %r refused; flagging the messages seen", row.id, row.processed_folder)
    client.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Seen)")


def check_connection(*, actor: Actor, mailbox_id: int) -> ConnectionCheck:
    """Connects, logs in and opens the folder; says how many messages wait there, and records the outcome.
    Its own transactions, so no write lock is held while the server answers."""
    require_manager(actor)
    with read_session() as session:
        row = _get(session, mailbox_id)
    try:
        with _connected(row, timeout=CHECK_TIMEOUT_SECONDS) as client:
            waiting = len(_unseen_uids(client))
        check = ConnectionCheck(
            ok=True,
            message=ngettext(
                "Connected: {n} unread message in {folder}.",
                "Connected: {n} unread messages in {folder}.",
                waiting,
                folder=row.folder,
            ),
        )
    except MailboxError as exc:
        check = ConnectionCheck(ok=False, message=str(exc)[:500])
    except (OSError, imaplib.IMAP4.error) as exc:
        check = ConnectionCheck(ok=False, message=t("The connection broke: {reason}", reason=exc)[:500])
    with write_session() as session:
        stored = _get(session, mailbox_id)
        stored.last_status, stored.last_ok = check.message, check.ok
        session.add(stored)
    return check


def poll_mailbox(mailbox_id: int, *, limit: int = MAX_PER_POLL) -> PollResult:
    """Fetches up to `limit` unseen messages of the mailbox, each batch written in a write transaction of its
    own and committed before the server is told. Its own transactions, not a caller's: between batches no
    write lock is held while the server answers (on SQLite, the one writer's turn goes back to the others)."""
    result = PollResult(mailbox_id=mailbox_id)
    with read_session() as session:
        row = _get(session, mailbox_id)
    try:
        with _connected(row) as client:
            uids = _unseen_uids(client)[:limit]
            for start in range(0, len(uids), POLL_BATCH):
                batch = uids[start : start + POLL_BATCH]
                raws = _fetch(client, batch)
                taken = [uid for uid in batch if uid in raws]
                with write_session() as session:
                    result.results += ingest(
                        session, [RawMail(data=raws[uid], source="imap", mailbox_id=mailbox_id) for uid in taken]
                    )
                # Committed: the tickets exist now, and only now may the server forget the messages.
                _mark_done(client, row, taken)
                result.fetched += len(taken)
    except MailboxError as exc:
        result.error = str(exc)[:500]
    except (OSError, imaplib.IMAP4.error) as exc:
        result.error = t("The connection broke: {reason}", reason=exc)[:500]
    with write_session() as session:
        row = _get(session, mailbox_id)
        row.last_polled_at = utcnow()
        row.last_ok = result.error is None
        row.last_status = result.error or ngettext(
            "Fetched {n} new message.", "Fetched {n} new messages.", result.fetched
        )
        session.add(row)
    return result


def poll_all(_session: Session) -> None:
    """The `email.poll` scheduled job: every enabled mailbox, one after the other. It leaves the job's own
    transaction alone (nothing in it until the runner marks the job done) and writes in its own, per batch."""
    with read_session() as session:
        ids = session.exec(select(EmailMailbox.id).where(col(EmailMailbox.enabled).is_(True))).all()
    for mailbox_id in ids:
        outcome = poll_mailbox(stored_id(mailbox_id))
        if outcome.error:
            log.warning("Mailbox %s: %s", mailbox_id, outcome.error)
