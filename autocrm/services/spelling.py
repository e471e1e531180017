"""Spelling and repeated-word checks of a draft, with no LLM: the writing help every desk has, the rewrite's
fallback when no model is set up (and a check before sending when one is).

Spelling comes from `pyspellchecker` (word-frequency dictionaries shipped in the package, nothing downloaded),
loaded once per language and process (a second or two each, on first use), for English, German and French.
Not Spanish: its Spanish list lacks common words ("gracias", most verb forms) and marked 480 of 1,064 distinct
words of XQuAD's Spanish paragraphs unknown (English 10 of 886, German 8 of 553), so a Spanish draft is left to
the browser's own spell-check (the composer tells the browser its language) and only repeated words are
checked here. Hunspell's dictionaries know Spanish well, but its pure-Python port took 1-6 s per suggestion. A word is
flagged only when it is unknown to the language's dictionary AND not one of the draft's own context: the
ticket's conversation and the people on it (product names, the customer's name, their own spelling of an order
code), so what the customer wrote is never "corrected". Left alone: words with digits or inner capitals
(order codes, CamelCase), all-caps words (acronyms), capitalized words inside a sentence (names), links,
addresses and @mentions. A word written twice in a row ("the the") is flagged as repeated.

Issues carry their offsets in the text as given, so the composer can replace exactly that word.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field
from spellchecker import SpellChecker
from sqlmodel import Session

from autocrm.core.i18n import default_locale
from autocrm.models import User
from autocrm.services import tickets
from autocrm.services.actor import AI_USE, TICKETS_READ, Actor
from autocrm.services.inputs import DbId, ServiceInput

Locale = Literal["en", "es", "de", "fr"]
LOCALES: tuple[str, ...] = ("en", "es", "de", "fr")
SPELLING_LOCALES: tuple[str, ...] = ("en", "de", "fr")
MAX_TEXT = 20_000
MAX_ISSUES = 50
MAX_SUGGESTIONS = 3
# Longer words get no suggestions: pyspellchecker's edit-distance search grows with the word, and a word this
# long is rarely a typo of a dictionary word.
MAX_SUGGESTED_LENGTH = 20

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
# Whatever is not prose: links, addresses, @mentions, and tokens mixing letters and digits.
_SKIPPED = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w[\w.-]*|\w*\d\w*", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?…:]\s+|\n\s*)$")
_lock = threading.Lock()


class SpellingRequest(ServiceInput):
    text: str = Field(max_length=MAX_TEXT)
    # The draft's language. None: a public reply's is the requester's, a note's the desk's default.
    locale: Locale | None = None
    # The ticket the draft answers: its conversation and people are the draft's own words.
    ticket_id: DbId | None = None
    internal: bool = False


class SpellingIssue(BaseModel):
    kind: Literal["spelling", "repeated"]
    start: int
    end: int
    word: str
    suggestions: list[str]


class SpellingResult(BaseModel):
    locale: str
    # False: this language's spelling is left to the browser; only repeated words were checked.
    spelling_checked: bool
    issues: list[SpellingIssue]


@lru_cache(maxsize=len(LOCALES))
def _dictionary(locale: str) -> SpellChecker:
    return SpellChecker(language=locale, distance=2)


def dictionary(locale: str) -> SpellChecker:
    # One load per language and process, even when two tabs ask at once.
    with _lock:
        return _dictionary(locale)


def _folded(word: str) -> str:
    return word.replace("’", "'").lower()


def context_words(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(_folded(m.group()) for text in texts for m in _WORD.finditer(text or ""))


def _skipped_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SKIPPED.finditer(text)]


def _inside(spans: list[tuple[int, int]], start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def _left_alone(word: str, before: str) -> bool:
    if len(word) < 2 or word.isupper():
        return True
    if any(c.isupper() for c in word[1:]):
        return True
    # A capital inside a sentence is a name; at a sentence's start it is just a capital.
    return word[0].isupper() and not _SENTENCE_START.search(before)


def check(text: str, locale: str = "en", *, known: frozenset[str] = frozenset()) -> list[SpellingIssue]:
    """The draft's unknown words (with up to three suggestions, likeliest first) and repeated words."""
    spans = _skipped_spans(text)
    words = [m for m in _WORD.finditer(text) if not _inside(spans, m.start())]
    checker = dictionary(locale) if locale in SPELLING_LOCALES else None
    unknown = (
        checker.unknown(
            {_folded(m.group()) for m in words if not _left_alone(m.group(), text[max(0, m.start() - 3) : m.start()])}
        )
        if checker is not None
        else set()
    )
    issues: list[SpellingIssue] = []
    previous: re.Match[str] | None = None
    for match in words:
        word, folded = match.group(), _folded(match.group())
        between = text[previous.end() : match.start()] if previous else ""
        if previous and _folded(previous.group()) == folded and between.strip() == "" and "\n" not in between:
            issues.append(
                SpellingIssue(
                    kind="repeated",
                    start=previous.start(),
                    end=match.end(),
                    word=text[previous.start() : match.end()],
                    suggestions=[previous.group()],
                )
            )
        elif checker is not None and folded in unknown and folded not in known:
            issues.append(
                SpellingIssue(
                    kind="spelling",
                    start=match.start(),
                    end=match.end(),
                    word=word,
                    suggestions=_suggest(checker, word),
                )
            )
        previous = match
        if len(issues) == MAX_ISSUES:
            break
    return issues


def _suggest(checker: SpellChecker, word: str) -> list[str]:
    if len(word) > MAX_SUGGESTED_LENGTH:
        return []
    folded = _folded(word)
    with _lock:  # pyspellchecker's candidate search is not documented as thread-safe
        candidates = checker.candidates(folded) or set()
    ranked = sorted(candidates - {folded}, key=lambda c: (-checker.word_usage_frequency(c), c))[:MAX_SUGGESTIONS]
    return [c[:1].upper() + c[1:] if word[:1].isupper() else c for c in ranked]


def check_draft(session: Session, *, actor: Actor, data: SpellingRequest) -> SpellingResult:
    """Staff (`ai:use`, with `tickets:read` for a ticket's draft): a draft's issues, the ticket's conversation and
    people counted as known words."""
    actor.require_scope(AI_USE)
    actor.require_staff()
    known: frozenset[str] = frozenset()
    locale: str | None = data.locale
    if data.ticket_id is not None:
        actor.require_scope(TICKETS_READ)
        ticket = tickets.get_ticket(session, actor=actor, ticket_id=data.ticket_id)
        messages = tickets.list_messages(session, actor=actor, ticket_id=data.ticket_id)
        people = [person for person in (ticket.requester, ticket.assignee) if person is not None]
        known = context_words(
            [ticket.subject, *(m.body_text for m in messages), *(f"{p.name} {p.email or ''}" for p in people)]
        )
        if locale is None and not data.internal:
            locale = _requester_locale(session, ticket.requester.id)
    chosen = locale or (default_locale() if default_locale() in LOCALES else "en")
    return SpellingResult(
        locale=chosen,
        spelling_checked=chosen in SPELLING_LOCALES,
        issues=check(data.text, chosen, known=known),
    )


def reply_locale(session: Session, *, actor: Actor, ticket_id: int) -> str:
    """The language a public reply on the ticket is written in: the requester's, else the desk's default."""
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    return _requester_locale(session, ticket.requester.id)


def _requester_locale(session: Session, requester_id: int) -> str:
    requester = session.get(User, requester_id)
    if requester is not None and requester.locale in LOCALES:
        return requester.locale
    return default_locale() if default_locale() in LOCALES else "en"


def replace(text: str, start: int, end: int, expected: str, replacement: str) -> str | None:
    """`text` with [start, end) replaced, if it still holds `expected` there (the draft may have changed)."""
    if not (0 <= start <= end <= len(text)) or text[start:end] != expected:
        return None
    return text[:start] + replacement + text[end:]
