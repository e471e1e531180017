"""Outbound mail behind one small interface. The embedded default writes .eml files to the outbox."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from autocrm.core.private_files import write_private_file
from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboundMail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    def send(self, mail: OutboundMail) -> None: ...


class OutboxMailer:
    """Writes each message to a file; nothing leaves the machine."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, mail: OutboundMail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Message-ID"] = f"<{uuid.uuid4()}@autocrm.local>"
        message.set_content(mail.text)
        path = self.folder / f"{uuid.uuid4().hex}.eml"
        write_private_file(path, bytes(message))  # it may carry a live reset link
        # The body may hold a secret link and the address is PII: log neither.
        log.warning("Outbound mail %r written to %s", mail.subject, path)


def get_mailer() -> Mailer:
    settings = get_settings()
    return OutboxMailer(settings.outbox_dir, f"{settings.company_name} <support@autocrm.local>")
