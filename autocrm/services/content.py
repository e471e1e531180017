"""Untrusted text and HTML in, safe HTML and plain text out."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

import nh3

from autocrm import routes

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    # A teammate mentioned in a note, as the editor marks them (`services/inbox.py` reads the id).
    "span": {"data-type", "data-id", "data-label"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_ATTACHMENT_SRC = re.compile(re.escape(routes.ATTACHMENT_FILE) + r"([1-9][0-9]{0,9})")
# The same file as the pages show it (the editor inserts pasted images so): kept as the canonical address.
_PAGE_FILE_SRC = re.compile(re.escape(routes.PAGE_FILE) + r"([1-9][0-9]{0,9})(?:\?preview=true)?")
# An attachment a sanitized body shows (its `src`, as `sanitize_html` leaves it).
SHOWN_ATTACHMENT = re.compile(r'<img\b[^>]*\bsrc="' + re.escape(routes.ATTACHMENT_FILE) + r'([1-9][0-9]{0,9})"')
_SHOWN_SRC = re.compile(r'(<img\b[^>]*\bsrc=")' + re.escape(routes.ATTACHMENT_FILE) + r'([1-9][0-9]{0,9})"')
# The attachments the message being cleaned may show as images (set per call by `sanitize_html`).
_shown_attachments: ContextVar[frozenset[int]] = ContextVar("shown_attachments", default=frozenset())
# A knowledge-base image (an uploaded `kb_media` file), as the article editor inserts it.
_KB_MEDIA_SRC = re.compile(re.escape(routes.KB_MEDIA) + r"([1-9][0-9]{0,9})")
# The images an article being cleaned may show (its uploaded `kb_media` images; set per call).
_shown_kb_media: ContextVar[frozenset[int]] = ContextVar("shown_kb_media", default=frozenset())
_KB_MEDIA_SHOWN = re.compile(r'<img\b[^>]*\bsrc="' + re.escape(routes.KB_MEDIA) + r'([1-9][0-9]{0,9})"')


def _safe_url(tag: str, attribute: str, value: str) -> str | None:
    """Links go to absolute http(s) or mailto URLs only; images are the ticket's own attachments only. A
    relative or protocol-relative URL would act on this app with the reader's cookies (`/api/session/...`),
    and a remote image tells its sender who read the message and when."""
    if tag == "a" and attribute == "href":
        url = urlsplit(value.strip())
        if (url.scheme in ("http", "https") and url.hostname) or (url.scheme == "mailto" and url.path):
            return value
        return None
    if tag == "img" and attribute == "src":
        match = _ATTACHMENT_SRC.fullmatch(value.strip()) or _PAGE_FILE_SRC.fullmatch(value.strip())
        if match and int(match.group(1)) in _shown_attachments.get():
            return routes.attachment_file(int(match.group(1)))
        kb_match = _KB_MEDIA_SRC.fullmatch(value.strip())
        if kb_match and int(kb_match.group(1)) in _shown_kb_media.get():
            return routes.kb_media(int(kb_match.group(1)))
        return None
    return value


# Built once: configuring a cleaner costs more than cleaning a typical message with it.
_HTML_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    attribute_filter=_safe_url,
    link_rel="noopener noreferrer nofollow",
)
_TEXT_CLEANER = nh3.Cleaner(tags=set())
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote|/pre)\s*>")


@contextmanager
def _showing(attachment_ids: frozenset[int], kb_media: frozenset[int]) -> Iterator[None]:
    token = _shown_attachments.set(attachment_ids)
    kb_token = _shown_kb_media.set(kb_media)
    try:
        yield
    finally:
        _shown_kb_media.reset(kb_token)
        _shown_attachments.reset(token)


def sanitize_html(raw: str, *, images: frozenset[int] = frozenset(), kb_media: frozenset[int] = frozenset()) -> str:
    """Keep formatting, drop scripts, event handlers and every URL but absolute links; `images` are the
    attachment ids whose files the HTML may show, `kb_media` the knowledge base's uploaded images it may show
    (an article's); any other image is dropped."""
    with _showing(images, kb_media):
        return _HTML_CLEANER.clean(raw).strip()


def kb_media_named(raw: str) -> set[int]:
    """The knowledge-base uploads (`kb_media` ids) untrusted HTML names anywhere: the candidates the caller
    checks before `sanitize_html` (which keeps only an image's exact address)."""
    return {int(m.group(1)) for m in _KB_MEDIA_SRC.finditer(raw)}


def kb_media_shown(safe_html: str) -> set[int]:
    """The knowledge-base uploads a sanitized body shows as images."""
    return {int(m.group(1)) for m in _KB_MEDIA_SHOWN.finditer(safe_html)}


def mentions_images(raw: str) -> bool:
    """Whether sanitizing `raw` needs to know which attachments it may show."""
    return "<img" in raw.lower()


_WHITESPACE = re.compile(r"\s+")
_PREFORMATTED = re.compile(r"(?is)(<pre\b.*?</pre\s*>)")
_PARAGRAPH_END = re.compile(r"(?i)</p\s*>")


def _collapsed(safe_html: str) -> str:
    """Line breaks and runs of spaces in HTML source are one space (outside <pre>): only tags break lines. A
    mail client's HTML wraps its source anywhere, "From:<newline>Alexander L" included."""
    parts = _PREFORMATTED.split(safe_html)
    return "".join(part if index % 2 else _WHITESPACE.sub(" ", part) for index, part in enumerate(parts))


def shown_on_pages(safe_html: str) -> str:
    """A sanitized body whose images load in the app's pages (through the session cookie, not an API key)."""
    return _SHOWN_SRC.sub(lambda m: m.group(1) + routes.page_file(int(m.group(2))) + '"', safe_html)


def html_to_text(safe_html: str, *, paragraph_gaps: bool = False) -> str:
    """The text of sanitized HTML, a line per block; `paragraph_gaps` leaves a blank line after each paragraph."""
    flat = _collapsed(safe_html)
    if paragraph_gaps:
        flat = _PARAGRAPH_END.sub("</p>\n", flat)
    with_breaks = _BLOCK_END.sub(lambda m: m.group(0) + "\n", flat)
    text = html.unescape(_TEXT_CLEANER.clean(with_breaks))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_editable_text(safe_html: str) -> str:
    """The text a person edits in a text area (a macro filling the composer): paragraphs a blank line apart,
    which `text_to_html` reads back as paragraphs."""
    return html_to_text(safe_html, paragraph_gaps=True)


def text_to_html(text: str) -> str:
    """Plain text (a textarea, an e-mail) as paragraphs, every character escaped."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
