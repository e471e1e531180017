"""A ticket's summary for the agent working it: the problem, what was tried, where it stands, what the customer
last asked, and the requester's previous tickets, each line with the messages it came from.

Without an LLM (the embedded default) it is extractive: sentences taken as written from the conversation, so
nothing in it is made up. With one, the model writes the four lines from the conversation (`prompts.SUMMARY`),
cached by the conversation's messages, so a new message makes a new summary and an unchanged ticket asks no
one; should the model fail or answer out of shape, the extractive summary is given instead.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import get_locale, t
from autocrm.models import Message, Role, Ticket
from autocrm.services import desk, tickets
from autocrm.services.actor import AI_USE, Actor
from autocrm.services.ai import cache, provider
from autocrm.services.ai.prompts import SUMMARY, language_name
from autocrm.services.tickets import MessagePublic

FEATURE = "summary"
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
QUESTION = re.compile(r"\?\s*$")
# A letter's salutation says nothing of the problem ("Hi,", "Dear Sam,", "Hola,", "Guten Tag,").
GREETING = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|hola|buenos días|buenas tardes|hallo|guten tag|"
    r"liebe[rs]?|sehr geehrte[rs]?|bonjour|bonsoir|cher|chère)\b[^,.!?\n]{0,40}[,.!\n]\s*",
    re.IGNORECASE,
)
LINE_CHARS = 280
TRIED_LINES = 3
PREVIOUS_TICKETS = 3
# What the model is shown: the latest messages, up to this much text, each cut to a length.
PROMPT_CHARS = 12_000
PROMPT_MESSAGE_CHARS = 2_000


class SummaryLine(BaseModel):
    text: str
    message_ids: list[int]  # the sources: the messages this line was taken from (or written from)


class PreviousTicketSummary(BaseModel):
    ticket_id: int
    number: int
    subject: str
    status_name: str
    problem: str


class TicketSummary(BaseModel):
    ticket_id: int
    problem: SummaryLine | None
    tried: list[SummaryLine]
    state: str
    last_ask: SummaryLine | None
    previous_tickets: list[PreviousTicketSummary]
    made_by: Literal["extractive", "llm"]
    model: str | None = None


def summarize(session: Session, *, actor: Actor, ticket_id: int) -> TicketSummary:
    """Staff only (scope `ai:use` for keys). Read-only: call it in a read session (the LLM is asked outside any
    write, and a new summary is cached in a transaction of its own)."""
    actor.require_scope(AI_USE)
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    messages = tickets.list_messages(session, actor=actor, ticket_id=ticket_id)
    extractive = _extractive(session, ticket, messages)
    if not messages or not provider.available(session, FEATURE):
        return extractive
    locale = get_locale()
    key = cache.key_for(FEATURE, SUMMARY.tag, ticket.id, ticket.status, [(m.id, m.body_text) for m in messages], locale)
    cached = cache.get(session, key)
    if cached is not None:
        return TicketSummary.model_validate(cached)
    try:
        completion = provider.complete(
            session,
            feature=FEATURE,
            prompt=SUMMARY,
            values={
                "language": language_name(locale),
                "subject": ticket.subject,
                "conversation": _transcript(messages),
            },
        )
    except provider.AiUnavailable:
        return extractive
    written = _from_model(completion.text, extractive, messages, completion.model)
    if written is None:
        return extractive
    cache.put(key, feature=FEATURE, subject_id=ticket.id, value=written.model_dump(mode="json"))
    return written


def _by_customer(message: MessagePublic) -> bool:
    return message.author is not None and message.author.role == Role.customer


def _sentences(text: str) -> list[str]:
    plain = GREETING.sub("", text.strip(), count=1)
    return [s.strip() for s in SENTENCE_END.split(" ".join(plain.split())) if s.strip()]


def _same_words(one: str, other: str) -> bool:
    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    return words(one) in words(other) or words(other) in words(one)


def _cut(text: str) -> str:
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _opening(text: str, sentences: int = 2) -> str:
    return _cut(" ".join(_sentences(text)[:sentences]))


def _opening_beyond_subject(text: str, subject: str) -> str:
    """A ticket's first sentence, unless it only says the subject again."""
    opening = _opening(text, 1)
    return "" if _same_words(opening, subject) else opening


def _ask(text: str) -> str:
    questions = [s for s in _sentences(text) if QUESTION.search(s)]
    return _cut(" ".join(questions[-2:])) if questions else _opening(text)


def _extractive(session: Session, ticket: tickets.TicketPublic, messages: list[MessagePublic]) -> TicketSummary:
    from_customer = [m for m in messages if _by_customer(m) and not m.internal]
    from_staff = [m for m in messages if not _by_customer(m) and m.author is not None]
    first = from_customer[0] if from_customer else (messages[0] if messages else None)
    last_ask = from_customer[-1] if from_customer else None
    return TicketSummary(
        ticket_id=ticket.id,
        problem=SummaryLine(text=_opening(first.body_text), message_ids=[first.id]) if first else None,
        tried=[
            SummaryLine(text=_opening(m.body_text, 1), message_ids=[m.id])
            for m in from_staff[-TRIED_LINES:]
            if m.body_text.strip()
        ],
        state=_state(ticket, messages),
        last_ask=SummaryLine(text=_ask(last_ask.body_text), message_ids=[last_ask.id])
        if last_ask is not None and last_ask is not first
        else None,
        previous_tickets=_previous(session, ticket),
        made_by="extractive",
    )


def _state(ticket: tickets.TicketPublic, messages: list[MessagePublic]) -> str:
    public = [m for m in messages if not m.internal]
    if ticket.status_category in ("solved", "closed"):
        return t("{status}: the ticket is resolved.", status=ticket.status_name)
    if public and _by_customer(public[-1]):
        return t("{status}: the customer wrote last and waits for an answer.", status=ticket.status_name)
    if public:
        return t("{status}: the desk answered last; waiting for the customer.", status=ticket.status_name)
    return t("{status}: nobody has answered yet.", status=ticket.status_name)


def _previous(session: Session, ticket: tickets.TicketPublic) -> list[PreviousTicketSummary]:
    others = session.exec(
        select(Ticket)
        .where(Ticket.requester_id == ticket.requester.id, col(Ticket.id) != ticket.id)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(PREVIOUS_TICKETS)
    ).all()
    statuses = {key: status.name for key, status in desk.vocabulary(session).statuses.items()}
    result = []
    for other in others:
        first = session.exec(
            select(Message.body_text)
            .where(Message.ticket_id == other.id, Message.internal == False)  # noqa: E712
            .order_by(col(Message.created_at), col(Message.id))
            .limit(1)
        ).first()
        result.append(
            PreviousTicketSummary(
                ticket_id=stored_id(other.id),
                number=other.number,
                subject=other.subject,
                status_name=statuses.get(other.status, other.status),
                problem=_opening_beyond_subject(first or "", other.subject),
            )
        )
    return result


def _transcript(messages: list[MessagePublic]) -> str:
    lines: list[str] = []
    budget = PROMPT_CHARS
    for message in reversed(messages):
        who = "Customer" if _by_customer(message) else ("Agent note" if message.internal else "Agent")
        line = f"[{who}] {message.body_text.strip()[:PROMPT_MESSAGE_CHARS]}"
        if len(line) > budget:
            break
        budget -= len(line)
        lines.append(line)
    return "\n\n".join(reversed(lines))


LABELS = {"problem": "Problem:", "tried": "Tried:", "state": "State:", "last_ask": "Last ask:"}


def _from_model(
    text: str, extractive: TicketSummary, messages: list[MessagePublic], model: str
) -> TicketSummary | None:
    """The model's four labelled lines, or None when it did not answer in that shape."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip().lstrip("-*• ").strip()
        for name, label in LABELS.items():
            if line.lower().startswith(label.lower()):
                found[name] = _cut(line[len(label) :].strip())
    if set(found) != set(LABELS):
        return None
    every = [m.id for m in messages]
    customer = [m.id for m in messages if _by_customer(m) and not m.internal]
    staff = [m.id for m in messages if not _by_customer(m)]
    return TicketSummary(
        ticket_id=extractive.ticket_id,
        problem=SummaryLine(text=found["problem"], message_ids=customer[:1] or every[:1]),
        tried=[SummaryLine(text=found["tried"], message_ids=staff)] if staff else [],
        state=found["state"],
        last_ask=SummaryLine(text=found["last_ask"], message_ids=customer[-1:]) if customer else None,
        previous_tickets=extractive.previous_tickets,
        made_by="llm",
        model=model,
    )
