"""E-mail as a channel: parsing, threading and storing inbound mail (`ingest`), IMAP mailboxes (`mailboxes`)."""

from autocrm.services.email.ingest import (
    InboundMailPublic,
    InboundResult,
    RawMail,
    find_thread,
    ingest,
    ingest_one,
    list_inbound,
    receive,
    retry_inbound,
)
from autocrm.services.email.parse import MailAttachment, ParsedMail, UnusableMail, parse_mail
from autocrm.services.email.quotes import new_text_of

__all__ = [
    "InboundMailPublic",
    "InboundResult",
    "MailAttachment",
    "ParsedMail",
    "RawMail",
    "UnusableMail",
    "find_thread",
    "ingest",
    "ingest_one",
    "list_inbound",
    "new_text_of",
    "parse_mail",
    "receive",
    "retry_inbound",
]
