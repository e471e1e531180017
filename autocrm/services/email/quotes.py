"""Quoted-reply stripping: only a reply's own words land in the timeline (the raw message keeps the rest).

`mail-parser-reply` knows the attribution lines of many clients and languages ("On ... wrote:", Outlook's
"From: ... Sent: ..." block, "-----Original Message-----"). It reads from the top, so a bottom-posted reply
(Thunderbird's "On ... wrote:" / "> quote" / answer) keeps the quote: the lines quoted with ">" and the
attribution line right above them are dropped here too.

A mail sent as HTML only quotes with <blockquote> (Gmail, Thunderbird, Yandex, mail.ru) or under an Outlook
header block; its text has no ">" left to find. Each blockquote becomes one ">" line before the HTML becomes
text, so the same rules drop it and the attribution above it.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

from autocrm.services.content import html_to_text, sanitize_html

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "cs", "ru", "ja", "zh", "ko"]
_PARSER = EmailReplyParser(languages=LANGUAGES)
_ATTRIBUTION_LINES = 3  # an attribution wrapped by the client ("... <\nbob@example.com> wrote:")
_NAMES_SOMEONE = re.compile(r"@|\d")  # an attribution names an address or a date
# An Outlook-style header block above a forwarded or quoted mail, in the languages the parser above may miss
# (Windows Mail writes "От: ... / Отправлено: ... / Кому: ..."): a From line, then another "Label: value" line.
_FROM_LINE = re.compile(
    r"^\s*\*?(From|Von|De|От|Da|Van|Od|Från|Fra|Kimden|Feladó|Lähettäjä|差出人|发件人|寄件者|보낸 사람)\s*:\s*\S"
)
_HEADER_LINE = re.compile(r"^\s*\*?[^\s:]{2,24}( [^\s:]{2,16})?\s*:\s*\S")
# Invisible marks and no-break spaces that clients put inside header lines ("От:\xa0", "\u200e26\u200e июня").
_INVISIBLES = str.maketrans({"\u200e": None, "\u200f": None, "\xa0": " "})
_BLOCKQUOTE_TAG = re.compile(r"(?i)<(/?)blockquote\b[^>]*>")
_QUOTED_LINE = "<br>&gt; …<br>"


def _drop_attribution(kept: list[str]) -> None:
    """Removes the attribution line(s) above a quote: up to three lines ending with ":" that name a date or an
    address, in any language."""
    while kept and not kept[-1].strip():
        kept.pop()
    if not kept or not kept[-1].rstrip().endswith(":"):
        return
    block: list[str] = []
    while kept and kept[-1].strip() and len(block) < _ATTRIBUTION_LINES:
        block.insert(0, kept.pop())
        if _NAMES_SOMEONE.search(block[0]) and (len(block) > 1 or not kept or not kept[-1].strip()):
            return
    kept.extend(block)  # not an attribution after all: keep the words


def _without_quoted_lines(text: str) -> str:
    kept: list[str] = []
    quoting = False
    for line in text.split("\n"):
        if line.lstrip().startswith(">"):
            if not quoting:
                _drop_attribution(kept)
            quoting = True
            continue
        quoting = False
        kept.append(line)
    return "\n".join(kept)


def _before_header_block(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index and _FROM_LINE.match(line):
            following = [candidate for candidate in lines[index + 1 : index + 4] if candidate.strip()][:2]
            if any(_HEADER_LINE.match(candidate) for candidate in following):
                return "\n".join(lines[:index])
    return text


def new_text_of(text: str) -> str:
    """The new text of a reply; the whole text when nothing would be left (a mail that is only a quote)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLES)
    try:
        reply = _PARSER.parse_reply(text=normalized) or ""
    except Exception:  # a regular expression gone wrong on odd input must not lose the mail
        reply = normalized
    stripped = _before_header_block(_without_quoted_lines(reply)).strip()
    return stripped or normalized.strip()


def _blockquotes_as_quoted_lines(html: str) -> str:
    """Each outermost <blockquote> (nested ones with it) replaced by one ">" line; an unclosed one runs to the
    end, as a browser shows it."""
    kept: list[str] = []
    depth, start = 0, 0
    for tag in _BLOCKQUOTE_TAG.finditer(html):
        if not tag.group(1):
            if depth == 0:
                kept.append(html[start : tag.start()])
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                kept.append(_QUOTED_LINE)
                start = tag.end()
    kept.append(_QUOTED_LINE if depth else html[start:])
    return "".join(kept)


def new_text_of_html(html: str) -> str:
    """The new text of a reply sent as HTML only."""
    return new_text_of(html_to_text(sanitize_html(_blockquotes_as_quoted_lines(html))))
