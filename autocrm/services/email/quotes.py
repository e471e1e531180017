"""Quoted-reply stripping: only a reply's own words land in the timeline (the raw message keeps the rest).

`mail-parser-reply` knows the attribution lines of many clients and languages ("On ... wrote:", Outlook's
"From: ... Sent: ..." block, "-----Original Message-----"). It reads from the top, so a bottom-posted reply
(Thunderbird's "On ... wrote:" / "> quote" / answer) keeps the quote: the lines quoted with ">" and the
attribution line right above them are dropped here too.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "cs", "ru", "ja", "zh", "ko"]
_PARSER = EmailReplyParser(languages=LANGUAGES)
_ATTRIBUTION_LINES = 3  # an attribution wrapped by the client ("... <\nbob@example.com> wrote:")
_NAMES_SOMEONE = re.compile(r"@|\d")  # an attribution names an address or a date


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


def new_text_of(text: str) -> str:
    """The new text of a reply; the whole text when nothing would be left (a mail that is only a quote)."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        reply = _PARSER.parse_reply(text=normalized) or ""
    except Exception:  # a regular expression gone wrong on odd input must not lose the mail
        reply = normalized
    stripped = _without_quoted_lines(reply).strip()
    return stripped or normalized.strip()
