"""Knowledge-base articles suggested while a customer writes a request (deflection) and beside a ticket for staff.

Retrieval only, so it works with no LLM configured: the knowledge base's hybrid search (`kb.search`) finds the
candidates and a floor on their dense relevance (the cosine between what was written and the article's best
passage) keeps unrelated text from showing anything. Fused search scores are ranks, not relevance: every
question has a first hit, however far off, so the floor is read from the vectors instead.

- `for_request`: what the portal shows under a request being written. It reads as a visitor whoever asks, so
  only published public articles come back, in `RequestSuggestion`s that carry nothing a customer may not see.
- `record_deflection`: the customer said an article answered the question and left without filing. One row
  per customer, article and draft (`kb_deflection`), audited; `deflections` gives staff the counts per article.
- `for_ticket`: staff only; articles they may read (internal ones too) that match the ticket's subject and its
  latest customer message, in the requester's language where translated, each saying whether it is internal
  (an internal article's link must never go into a public reply).

Every suggestion names its source: the article's title and address.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from autocrm.core import fulltext
from autocrm.core.db import stored_id
from autocrm.core.embedding import embedder
from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.core.validation_text import validation_message
from autocrm.models import KbArticle, KbChunk, KbDeflection, Role, User
from autocrm.models.kb import ArticleStatus, ArticleVisibility
from autocrm.services import audit, tickets
from autocrm.services.actor import AI_USE, KB_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.kb import SearchHit, search, stopwords
from autocrm.services.kb.articles import DEFAULT_LOCALE, LOCALES, article_url

# Who `for_request` reads as: a visitor of the help centre, so a staff member trying the portal sees what
# customers see and no customer's tab ever holds an internal article (Reflex sends every state var).
VISITOR = Actor(role=Role.customer, label="request-suggestions")
# Under two words that say something ("Hi", "my order") a request means nothing yet.
MIN_CONTENT_WORDS = 2
MIN_CHARS = 8
# The cosine between what was written and an article's best passage below which the article is not shown.
# Measured with bench/suggest_floor.py on bench/kb_data (figures in bench/README.md): at 0.35 the right
# StackFAQ thread is still among the three shown for 0.990 of the rephrased questions (0.991 with no floor),
# and every one of 400 XQuAD Wikipedia questions (about nothing the FAQ holds) shows nothing (0.958 at 0.25,
# 0.037 with no floor). Higher floors buy silence only where a neighbouring thread is left, at a cost:
# 0.40 already loses 0.5% of the right answers.
MIN_RELEVANCE = 0.35
# What is searched: the subject and the start of the body (MiniLM reads 256 tokens; the keyword list the
# first words), so a long description does not drown its subject.
MAX_QUERY_CHARS = 600
MAX_STORED_QUERY = 500
CANDIDATES = 12
DRAFT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class RequestSuggestion(BaseModel):
    """An article shown to a customer writing a request: nothing they may not read in the help centre."""

    article_id: int
    title: str
    snippet: str  # plain text, HTML-escaped, the request's words in <mark>
    url: str  # the help centre's page


class TicketSuggestion(BaseModel):
    """An article suggested to staff for a ticket."""

    article_id: int
    title: str
    snippet: str
    locale: str
    url: str  # the page on this desk (the help centre's, or the staff's knowledge base for an internal one)
    link: str  # the full address, for a reply; empty for an internal article, which customers cannot open
    internal: bool
    relevance: float


class DeflectionRecorded(BaseModel):
    article_id: int
    counted: bool  # False when this draft had already counted for the article


class ArticleDeflections(BaseModel):
    article_id: int
    title: str
    url: str
    deflections: int


class RequestDraft(ServiceInput):
    """A request being written, as the API takes it (the portal hands the same fields to `for_request`)."""

    subject: str = Field(default="", max_length=250)
    body: str = Field(default="", max_length=20_000)
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    limit: int = Field(default=3, ge=1, le=10)


class DeflectionCreate(ServiceInput):
    article_id: DbId
    query: str = Field(default="", max_length=20_000)
    draft_key: str = Field(min_length=8, max_length=64, pattern=DRAFT_KEY.pattern)


def request_text(subject: str, body: str) -> str:
    """What a request being written is searched by: its subject, then the start of its body."""
    # NUL never reaches PostgreSQL (it refuses it in a query's text); whitespace runs become one space.
    text = f"{subject}\n{body}".replace("\x00", " ")
    return " ".join(text.split())[:MAX_QUERY_CHARS].strip()


def means_something(text: str) -> bool:
    """Whether text is long enough to search by: a few characters and at least two words about something."""
    if len(text) < MIN_CHARS:
        return False
    words = fulltext.terms(text)
    return len([w for w in words if w not in stopwords.STOP_WORDS and len(w) > 1]) >= MIN_CONTENT_WORDS


def relevance(session: Session, query: str, article_ids: list[int]) -> dict[int, float]:
    """Per article, the cosine between the query and its best embedded passage (0 when none is embedded yet)."""
    if not article_ids:
        return {}
    rows = session.exec(
        select(KbChunk.article_id, KbChunk.embedding).where(
            col(KbChunk.article_id).in_(article_ids), col(KbChunk.embedding).is_not(None)
        )
    ).all()
    best = dict.fromkeys(article_ids, 0.0)
    if not rows:
        return best
    vector = embedder().embed([query])[0]
    for article_id, embedding in rows:
        score = float(np.dot(np.frombuffer(embedding or b"", dtype=np.float32), vector))
        best[article_id] = max(best[article_id], score)
    return best


def _relevant(session: Session, *, reader: Actor, query: str, locale: str, limit: int) -> list[tuple[SearchHit, float]]:
    found = search(session, actor=reader, q=query, locale=locale, limit=max(limit, CANDIDATES))
    scores = relevance(session, query, [hit.article_id for hit in found.items])
    kept = [(hit, scores[hit.article_id]) for hit in found.items if scores[hit.article_id] >= MIN_RELEVANCE]
    return kept[:limit]


def _locale(locale: str | None) -> str:
    """One of the knowledge base's languages ("es-MX" reads Spanish), else the desk's default."""
    language = (locale or "")[:2].lower()
    return language if language in LOCALES else DEFAULT_LOCALE


def for_request(
    session: Session, *, actor: Actor, subject: str, body: str, locale: str | None, limit: int = 3
) -> list[RequestSuggestion]:
    """Published public articles that may answer the request being written; none while it says too little."""
    actor.require_scope(AI_USE)
    actor.require_scope(KB_READ)
    query = request_text(subject, body)
    if not means_something(query):
        return []
    hits = _relevant(session, reader=VISITOR, query=query, locale=_locale(locale), limit=max(1, min(limit, 10)))
    return [
        RequestSuggestion(article_id=hit.article_id, title=hit.title, snippet=hit.snippet, url=hit.url)
        for hit, _score in hits
    ]


def record_deflection(
    session: Session, *, actor: Actor, article_id: int, query: str, draft_key: str
) -> DeflectionRecorded:
    """The customer writing `draft_key` said the article answered it and left without filing: counted once per
    customer, article and draft, and audited."""
    actor.require_scope(AI_USE)
    actor.require_scope(KB_READ)
    if actor.is_staff or actor.user_id is None:
        raise PermissionDenied(t("Only customers writing a request can say an article answered it."))
    try:
        data = DeflectionCreate(article_id=article_id, query=query, draft_key=draft_key)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise field_error(str(error["loc"][0]), validation_message(error)) from None
    article = session.get(KbArticle, data.article_id)
    if article is None or article.status != ArticleStatus.published or article.visibility != ArticleVisibility.public:
        raise NotFound(t("No such article."), {"article_id": data.article_id})
    already = session.exec(
        select(KbDeflection.id).where(
            KbDeflection.user_id == actor.user_id,
            KbDeflection.article_id == data.article_id,
            KbDeflection.draft_key == data.draft_key,
        )
    ).first()
    if already is not None:
        return DeflectionRecorded(article_id=data.article_id, counted=False)
    row = KbDeflection(
        article_id=data.article_id,
        user_id=actor.user_id,
        draft_key=data.draft_key,
        query=" ".join(data.query.split())[:MAX_STORED_QUERY],
        locale=article.locale,
    )
    try:
        with session.begin_nested():  # two clicks racing each other: the second finds the first's row
            session.add(row)
            session.flush()
    except IntegrityError:
        return DeflectionRecorded(article_id=data.article_id, counted=False)
    audit.record(
        session,
        actor=actor,
        action="kb_article.deflected",
        object_type="kb_article",
        object_id=data.article_id,
        changes={"deflections": (None, 1)},
    )
    return DeflectionRecorded(article_id=data.article_id, counted=True)


def deflections(
    session: Session,
    *,
    actor: Actor,
    since: datetime | None = None,
    until: datetime | None = None,
    article_id: int | None = None,
    limit: int = 50,
) -> list[ArticleDeflections]:
    """Per article, how many requests it answered in [since, until), most first (staff only)."""
    actor.require_scope(AI_USE)
    actor.require_scope(KB_READ)
    actor.require_staff()
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise field_error(name, t("Give a time with its time zone, such as 2026-12-01T00:00:00Z."))
    count = func.count(col(KbDeflection.id))
    statement = select(KbDeflection.article_id, count).group_by(col(KbDeflection.article_id))
    if since is not None:
        statement = statement.where(col(KbDeflection.created_at) >= since)
    if until is not None:
        statement = statement.where(col(KbDeflection.created_at) < until)
    if article_id is not None:
        statement = statement.where(KbDeflection.article_id == article_id)
    counted = session.exec(statement.order_by(count.desc(), col(KbDeflection.article_id)).limit(limit)).all()
    if not counted:
        return []
    articles = {
        stored_id(a.id): a
        for a in session.exec(select(KbArticle).where(col(KbArticle.id).in_([row[0] for row in counted]))).all()
    }
    return [
        ArticleDeflections(article_id=aid, title=articles[aid].title, url=article_url(articles[aid]), deflections=n)
        for aid, n in counted
        if aid in articles
    ]


def for_ticket(session: Session, *, actor: Actor, ticket_id: int, limit: int = 5) -> list[TicketSuggestion]:
    """Articles the staff member may read that match the ticket's subject and its latest customer message."""
    actor.require_scope(AI_USE)
    actor.require_scope(KB_READ)
    actor.require_staff()
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    conversation = tickets.list_messages(session, actor=actor, ticket_id=ticket_id)
    from_requester = [
        m for m in conversation if not m.internal and m.author is not None and m.author.id == ticket.requester.id
    ]
    latest = from_requester[-1].body_text if from_requester else ""
    query = request_text(ticket.subject, latest)
    if not means_something(query):
        return []
    requester = session.get(User, ticket.requester.id)
    locale = _locale(requester.locale if requester is not None else None)
    base = get_settings().base_url.rstrip("/")
    found = _relevant(session, reader=actor, query=query, locale=locale, limit=max(1, min(limit, 10)))
    visibility = dict(
        session.exec(
            select(KbArticle.id, KbArticle.visibility).where(col(KbArticle.id).in_([h.article_id for h, _ in found]))
        ).all()
    )
    suggestions = []
    for hit, score in found:
        internal = visibility.get(hit.article_id) != ArticleVisibility.public
        suggestions.append(
            TicketSuggestion(
                article_id=hit.article_id,
                title=hit.title,
                snippet=hit.snippet,
                locale=hit.locale,
                url=hit.url,
                link="" if internal else base + hit.url,
                internal=internal,
                relevance=round(score, 3),
            )
        )
    return suggestions
