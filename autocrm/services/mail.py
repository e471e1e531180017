"""Outbound mail behind one small interface.

The embedded default writes .eml files to the data dir's outbox; with `AUTOCRM_SMTP_URL` set, mail goes to that
SMTP server (`smtp://` plain or with `?starttls=1`, `smtps://` over TLS from the first byte; user and password in
the URL log in). The URL carries a password, so nothing here logs it or the addresses and bodies of mails.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from autocrm.core.private_files import write_private_file
from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)

DEFAULT_FROM = "support@autocrm.local"
SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class MailFile:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class OutboundMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None  # "<...@host>"; unset: a fresh one
    reply_to: str | None = None
    sender_name: str | None = None  # the display name of From; unset: AUTOCRM_COMPANY_NAME
    headers: dict[str, str] = field(default_factory=dict)  # In-Reply-To, References, List-Unsubscribe, ...
    attachments: tuple[MailFile, ...] = ()  # the files of the reply it carries


class Mailer(Protocol):
    def send(self, mail: OutboundMail) -> None: ...


def from_address() -> str:
    settings = get_settings()
    return parseaddr(settings.mail_from or DEFAULT_FROM)[1] or DEFAULT_FROM


def build_message(mail: OutboundMail) -> EmailMessage:
    """The MIME message of `mail`: plain text, plus an HTML alternative when it has one."""
    settings = get_settings()
    configured_name, address = parseaddr(settings.mail_from or DEFAULT_FROM)
    message = EmailMessage()
    message["From"] = formataddr((mail.sender_name or configured_name or settings.company_name, address))
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id or f"<{uuid.uuid4()}@{address.rpartition('@')[2] or 'autocrm.local'}>"
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for file in mail.attachments:
        maintype, _, subtype = file.content_type.partition("/")
        message.add_attachment(
            file.data, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=file.filename
        )
    return message


class OutboxMailer:
    """Writes each message to a file; nothing leaves the machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, mail: OutboundMail) -> None:
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        write_private_file(path, bytes(build_message(mail)))  # it may carry a live reset link
        # The body may hold a secret link and the address is PII: log neither.
        log.warning("Outbound mail %r written to %s", mail.subject, path)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)
    ca_file: str | None  # a CA bundle to trust instead of the system's (a private relay's own CA)


def parse_smtp_url(url: str) -> SmtpTarget:
    """ValueError (naming no part of the URL: it may hold a password) unless `url` is a usable smtp[s]:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("AUTOCRM_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit_tls else 25)
    except ValueError:
        raise ValueError("AUTOCRM_SMTP_URL has a port that is not a number") from None
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit_tls,
        starttls=not implicit_tls and query.get("starttls", "0").lower() in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        ca_file=query.get("cafile") or None,
    )


class SmtpMailer:
    """Sends each message through one SMTP connection of its own (mail is rare next to the web's requests)."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.target.ca_file)

    def send(self, mail: OutboundMail) -> None:
        target = self.target
        message = build_message(mail)
        client: smtplib.SMTP
        if target.implicit_tls:
            client = smtplib.SMTP_SSL(
                target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS, context=self._tls_context()
            )
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS)
        with client:
            if target.starttls:
                client.starttls(context=self._tls_context())
            if target.username is not None:
                client.login(target.username, target.password or "")
            client.send_message(message)
        log.info("Outbound mail %r sent through %s:%s", mail.subject, target.host, target.port)


def get_mailer() -> Mailer:
    settings = get_settings()
    if settings.smtp_url:
        return SmtpMailer(parse_smtp_url(settings.smtp_url))
    return OutboxMailer(settings.outbox_dir)
