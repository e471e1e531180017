"""One raw RFC 822 message in, what the desk needs of it out: pure functions, no database.

The standard library's parser (policy `default`) does the MIME work; what it cannot decode (an unknown
charset, a header it chokes on) falls back to a lenient reading rather than losing the message. A message
without a usable sender raises `UnusableMail` with the reason the failed list shows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from autocrm.core.i18n import t
from autocrm.services.email.quotes import new_text_of, new_text_of_html

MAX_BODY_CHARS = 100_000  # what a ticket's message takes (`TicketCreate.body`)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_CID = re.compile(r"cid:([^\"'\s>)]+)", re.IGNORECASE)
# C0 controls other than tab and line breaks: a body carries none (NUL breaks PostgreSQL's text, and the rest
# are noise from broken encodings).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnusableMail(Exception):
    """The message cannot become a ticket; str(exc) is the reason, in words an admin understands."""


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None  # an inline image's Content-ID, without the brackets


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # "<...>"; a digest of the raw bytes when the header is missing
    sender: str  # the From address, lower-cased
    sender_name: str
    subject: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To: where a reply token may be
    in_reply_to: list[str]
    references: list[str]
    text: str  # the whole plain-text body (from the HTML when there is no text part)
    html: str | None  # the HTML body as sent (sanitized later, when it becomes a message)
    attachments: list[MailAttachment] = field(default_factory=list)
    noise: str | None = None  # why this is an auto-reply, a bounce or a bulk mail, else None
    text_from_html: bool = False  # no plain-text part: `text` was read from the HTML

    @property
    def new_text(self) -> str:
        """The reply's own words: quotes and the attribution line above them removed."""
        if self.text_from_html and self.html is not None:
            return new_text_of_html(self.html)
        return new_text_of(self.text)

    def html_with_images(self, urls: dict[str, str]) -> str | None:
        """The HTML with each `cid:` reference to an inline image replaced by the URL it is stored under."""
        if self.html is None:
            return None
        return _CID.sub(lambda m: urls.get(m.group(1).strip("<>"), m.group(0)), self.html)


def _split_head(raw: bytes) -> tuple[bytes, bytes]:
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return head, body
    return raw, b""


def message_id_of(raw: bytes) -> str:
    """The Message-ID a raw message is known by, even one that will not parse (threading looks replies up by it)."""
    head, _body = _split_head(raw)
    match = re.search(rb"(?im)^message-id:[ \t]*(<[^<>\s]{1,250}>)", head)
    if match is not None:
        return match.group(1).decode("ascii", "replace")
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@autocrm.invalid>"


def dedupe_key_of(raw: bytes) -> str:
    """What makes two deliveries one message: its Message-ID, From, Date and Subject as sent, and its body.
    Headers that servers add on the way (Received, Delivered-To, Return-Path) do not count, so the same message
    fetched twice or delivered by two routes is one; two messages sharing a Message-ID are two."""
    head, body = _split_head(raw)
    digest = hashlib.sha256(message_id_of(raw).encode())
    for name in (rb"from", rb"date", rb"subject"):
        match = re.search(rb"(?im)^" + name + rb":(.*(?:\r?\n[ \t].*)*)", head)
        digest.update(b"\0" + (b" ".join(match.group(1).split()) if match else b""))
    digest.update(b"\0" + body.replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def _header(message: Message, name: str) -> str:
    """A header as text, or "" when it is missing or cannot be decoded (broken encoded-words, stray bytes)."""
    try:
        value = message.get(name)
    except Exception:  # the header parser raises on some malformed input: take the raw value
        value = None
        for key, raw in message.raw_items() if isinstance(message, EmailMessage) else message.items():
            if key.lower() == name.lower():
                value = str(raw)
                break
    if value is None:
        return ""
    try:
        return " ".join(str(value).split())
    except Exception:
        return ""


def _raw_headers(message: Message) -> dict[str, str]:
    """Each header's first value as sent, by lower-case name: for the headers read only for tokens (ids, flags,
    addresses), which need none of the decoding the `default` policy's header parser does (and it is slow)."""
    found: dict[str, str] = {}
    items = message.raw_items() if isinstance(message, EmailMessage) else message.items()
    for name, value in items:
        found.setdefault(name.lower(), " ".join(str(value).split()))
    return found


def _ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value or "")


def _decoded(part: Message) -> str:
    """A text part's content: its declared charset when Python knows it, else UTF-8 with replacements."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
    except Exception:  # an unknown charset or a broken transfer encoding: decode it leniently below
        content = None
    if isinstance(content, str):
        return content
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return " ".join(str(name).split()) if name else None


def _bytes_of(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0) if part.is_multipart() else None
        if isinstance(inner, Message):
            return inner.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return str(part.get_payload() or "").encode("utf-8", "replace")


def _noise(message: Message, raw: dict[str, str], sender: str) -> str | None:
    auto = raw.get("auto-submitted", "").lower()
    if auto and auto != "no":
        return t("auto-submitted mail ({kind})", kind=auto)
    if raw.get("x-autoreply") or raw.get("x-autorespond"):
        return t("an auto-reply (X-Autoreply)")
    precedence = raw.get("precedence", "").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return t("bulk mail (Precedence: {precedence})", precedence=precedence)
    if message.get_content_type() == "multipart/report":
        return t("a delivery report (bounce)")
    local = sender.partition("@")[0]
    if local in ("mailer-daemon", "postmaster") or raw.get("return-path") == "<>":
        return t("a delivery report (bounce)")
    return None


def parse_mail(raw: bytes) -> ParsedMail:
    """The parts of `raw` a ticket needs. Raises `UnusableMail` when it cannot become one."""
    if not raw.strip():
        raise UnusableMail(t("The message is empty."))
    message = message_from_bytes(raw, policy=policy.default)
    headers = _raw_headers(message)
    froms = getaddresses([_header(message, "From") or _header(message, "Sender")])
    name, sender = next(((n, a) for n, a in froms if "@" in a), ("", ""))
    sender = sender.strip().lower()
    if "@" not in sender or " " in sender:
        # A From without angle brackets, or headers cut short by a broken line: look for the address itself.
        sender = sender_of(raw)
    if not sender or len(sender) > 254 or " " in sender:
        raise UnusableMail(t("The message has no sender address (From) to answer."))
    header_id = _ids(headers.get("message-id", ""))
    subject = _header(message, "Subject")[:250]
    recipients = [
        address.lower()
        for _name, address in getaddresses(
            [headers.get(h, "") for h in ("to", "cc", "delivered-to", "x-original-to", "envelope-to")]
        )
        if "@" in address
    ]

    text_part = html_part = None
    if isinstance(message, EmailMessage):
        try:
            text_part = message.get_body(preferencelist=("plain",))
            html_part = message.get_body(preferencelist=("html",))
        except Exception:
            text_part = html_part = None
    if text_part is None and html_part is None and not message.is_multipart():
        # A single part with a broken or unusual Content-Type: read it as text.
        text_part = message
    html = _decoded(html_part) if html_part is not None else None
    if text_part is not None:
        text = _decoded(text_part)
    elif html is not None:
        from autocrm.services.content import html_to_text, sanitize_html

        text = html_to_text(sanitize_html(html))
    else:
        text = ""

    attachments: list[MailAttachment] = []
    for part in message.walk():
        if part is message or part in (text_part, html_part) or part.get_content_maintype() == "multipart":
            continue
        if part.get_content_type() == "message/delivery-status":
            continue
        content_id = (_header(part, "Content-ID").strip("<> ") or None) if part.get("Content-ID") else None
        filename = _filename(part)
        if filename is None and part.get_content_maintype() == "text" and content_id is None:
            # An unnamed text part beside the body (a signature, a second alternative): keep it, named.
            filename = f"part-{len(attachments) + 1}.txt"
        data = _bytes_of(part)
        if not data:
            continue
        default_name = "message.eml" if part.get_content_type() == "message/rfc822" else "attachment"
        attachments.append(
            MailAttachment(
                filename=(filename or content_id or default_name)[:255],
                content_type=part.get_content_type()[:120],
                data=data,
                content_id=content_id,
            )
        )

    return ParsedMail(
        message_id=header_id[0] if header_id else message_id_of(raw),
        sender=sender,
        sender_name=" ".join(name.split())[:200],
        subject=subject,
        recipients=recipients,
        in_reply_to=_ids(headers.get("in-reply-to", "")),
        references=_ids(headers.get("references", "")),
        text=_CONTROLS.sub("", text)[:MAX_BODY_CHARS],
        html=_CONTROLS.sub("", html)[:MAX_BODY_CHARS] if html is not None else None,
        text_from_html=text_part is None and html is not None,
        attachments=attachments,
        noise=_noise(message, headers, sender),
    )


_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def sender_of(raw: bytes) -> str:
    """The From address of a message that may not parse at all ("" when none): the first address on a From line
    of its head, however that line is written."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("utf-8", "replace")
    match = re.search(r"(?im)^from\s*:(.*(?:\n[ \t].*)*)", head)
    if match is None:
        return ""
    address = parseaddr(match.group(1))[1]
    if "@" not in address or " " in address:
        found = _ADDRESS.search(match.group(1))
        address = found.group(0) if found else ""
    return address.lower()[:254]
