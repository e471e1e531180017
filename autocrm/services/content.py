"""Untrusted text and HTML in, safe HTML and plain text out."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
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
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Built once: configuring a cleaner costs more than cleaning a typical message with it.
_HTML_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
)
_TEXT_CLEANER = nh3.Cleaner(tags=set())
_BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote|/pre)\s*>")


def sanitize_html(raw: str) -> str:
    """Keep formatting, drop scripts, event handlers and dangerous URLs."""
    return _HTML_CLEANER.clean(raw).strip()


def html_to_text(safe_html: str) -> str:
    with_breaks = _BLOCK_END.sub(lambda m: m.group(0) + "\n", safe_html)
    text = html.unescape(_TEXT_CLEANER.clean(with_breaks))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Plain text (a textarea, an e-mail) as paragraphs, every character escaped."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
