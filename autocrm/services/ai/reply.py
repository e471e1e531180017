"""A suggested reply for the agent to review: built from the best-matching approved macro and the public
articles that match the ticket, with the macro's placeholders filled for this ticket.

Without an LLM the draft is the macro's text followed by the articles' titles and links, in the requester's
language; with one, the model writes the draft from those same sources and the conversation. Either way the
sources are named beside it, nothing is sent, and when no macro or article matches there is no draft: the
agent is told so rather than given words from nowhere.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import BaseModel
from sqlmodel import Session

from autocrm.core.embedding import embedder
from autocrm.core.i18n import t, using_locale
from autocrm.models import User
from autocrm.services import macros, tickets
from autocrm.services.actor import AI_USE, Actor
from autocrm.services.ai import provider, suggestions
from autocrm.services.ai.prompts import SUGGEST_REPLY, language_name
from autocrm.services.content import html_to_editable_text
from autocrm.services.kb.articles import DEFAULT_LOCALE

FEATURE = "suggest_reply"
# A macro is used when its name and text are at least this close (cosine, MiniLM) to what the customer asked.
MACRO_FLOOR = 0.40
ARTICLES = 2
TAGS = re.compile(r"<[^>]+>")


class ReplySource(BaseModel):
    kind: Literal["macro", "article"]
    id: int
    title: str
    url: str | None = None  # an article's page; a macro has none


class SuggestedReply(BaseModel):
    ticket_id: int
    body: str  # plain text for the composer; empty when nothing matched
    sources: list[ReplySource]
    macro_id: int | None
    made_by: Literal["extractive", "llm", "none"]
    model: str | None = None


@lru_cache(maxsize=512)
def _macro_vector(macro_id: int, version: int, text: str) -> np.ndarray:  # noqa: ARG001 (the cache's key)
    return embedder().embed([text])[0]


def _best_macro(session: Session, actor: Actor, question: str) -> tuple[macros.MacroPublic, float] | None:
    usable = [m for m in macros.list_macros(session, actor=actor, usable_only=True) if m.usable]
    if not usable:
        return None
    asked = embedder().embed([question])[0]
    scored = []
    for macro in usable:
        text = f"{macro.latest.name}. {TAGS.sub(' ', macro.latest.body)}"
        scored.append((float(np.dot(asked, _macro_vector(macro.id, macro.latest.number, text))), macro))
    score, best = max(scored, key=lambda pair: pair[0])
    return (best, score) if score >= MACRO_FLOOR else None


def suggest_reply(session: Session, *, actor: Actor, ticket_id: int) -> SuggestedReply:
    """Staff only (keys: `ai:use`, `tickets:read` and `kb:read`). Read-only: the LLM is asked outside any write."""
    actor.require_scope(AI_USE)
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    messages = tickets.list_messages(session, actor=actor, ticket_id=ticket_id)
    from_requester = [
        m for m in messages if not m.internal and m.author is not None and m.author.id == ticket.requester.id
    ]
    question = suggestions.request_text(ticket.subject, from_requester[-1].body_text if from_requester else "")
    requester = session.get(User, ticket.requester.id)
    locale = (requester.locale if requester is not None else None) or DEFAULT_LOCALE
    matched = _best_macro(session, actor, question)
    preview = (
        macros.preview_macro(session, actor=actor, ticket_id=ticket_id, macro_id=matched[0].id) if matched else None
    )
    articles = [a for a in suggestions.for_ticket(session, actor=actor, ticket_id=ticket_id, limit=4) if a.link][
        :ARTICLES
    ]
    sources = ([ReplySource(kind="macro", id=preview.macro_id, title=preview.name)] if preview else []) + [
        ReplySource(kind="article", id=a.article_id, title=a.title, url=a.url) for a in articles
    ]
    if not sources:
        return SuggestedReply(ticket_id=ticket.id, body="", sources=[], macro_id=None, made_by="none")
    macro_text = html_to_editable_text(preview.body) if preview else ""
    if provider.available(session, FEATURE):
        try:
            completion = provider.complete(
                session,
                feature=FEATURE,
                prompt=SUGGEST_REPLY,
                values={
                    "language": language_name(locale),
                    "conversation": _transcript(ticket.requester.id, messages),
                    "macro": macro_text,
                    "articles": "\n".join(
                        f"- {a.title} ({a.link}): {html.unescape(TAGS.sub('', a.snippet))}" for a in articles
                    ),
                },
            )
            return SuggestedReply(
                ticket_id=ticket.id,
                body=completion.text,
                sources=sources,
                macro_id=preview.macro_id if preview else None,
                made_by="llm",
                model=completion.model,
            )
        except provider.AiUnavailable:
            pass  # the draft from the sources as they are
    parts = [macro_text] if macro_text else []
    if articles:
        with using_locale(locale):
            lead = (
                t("These articles explain it step by step:")
                if len(articles) > 1
                else t("This article explains it step by step:")
            )
        parts.append(lead + "\n" + "\n".join(f"{a.title}: {a.link}" for a in articles))
    return SuggestedReply(
        ticket_id=ticket.id,
        body="\n\n".join(parts),
        sources=sources,
        macro_id=preview.macro_id if preview else None,
        made_by="extractive",
    )


def _transcript(requester_id: int, messages: list[tickets.MessagePublic]) -> str:
    lines = []
    for message in messages[-12:]:
        if message.internal:
            continue
        who = "Customer" if message.author is not None and message.author.id == requester_id else "Agent"
        lines.append(f"[{who}] {message.body_text.strip()[:2_000]}")
    return "\n\n".join(lines)
