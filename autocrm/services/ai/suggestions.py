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
- `for_customer`: the portal home's "Articles for you": published public articles matching the signed-in
  customer's own recent requests (recent ones weigh more), in their language where translated, each saying
  which request it is for; the help centre's most read (or latest) articles when none match or there are no
  requests, saying so. Kept per process by what it was made from, as the home is opened often.

Every suggestion names its source: the article's title and address.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from autocrm import routes
from autocrm.core import fulltext
from autocrm.core.db import stored_id
from autocrm.core.embedding import DIMENSIONS, MODEL_ID, embedder
from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.core.validation_text import validation_message
from autocrm.models import KbArticle, KbChunk, KbDeflection, KbIndexState, Message, Role, User
from autocrm.models.base import utcnow
from autocrm.models.kb import ArticleStatus, ArticleVisibility
from autocrm.services import audit, tickets
from autocrm.services.actor import AI_USE, KB_READ, Actor
from autocrm.services.ai import cache
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.kb import SearchHit, index, search, stopwords
from autocrm.services.kb.articles import DEFAULT_LOCALE, LOCALES, article_url, prefer_locale

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
T = TypeVar("T")


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


# ---- articles for a customer, from their own requests (the portal's home) ------------------------------------

# The customer's latest requests read (by the last change they saw), each weighing half as much as one
# REQUEST_HALF_LIFE_DAYS more recent: an article for last week's request comes before one for last spring's.
MAX_REQUESTS = 10
REQUEST_HALF_LIFE_DAYS = 30.0
# Of each, its subject and the start of its first message: what it is about, and half the model's time of the
# MAX_QUERY_CHARS a request being written is searched by (ten of them go through the model at once).
REQUEST_CHARS = 300
# The floor of `MIN_RELEVANCE` (0.35) is for text someone is writing and reading suggestions for; the home shows
# articles nobody asked for, so it asks for more. bench/suggest_for_customer.py (bench/README.md): at 0.35 one
# customer in 30-40 whose 20 requests are about nothing the desk's FAQ holds was shown an article "because of"
# one, at 0.40 none in one run of two, at 0.45 none in both; the articles shown for FAQ requests were as often
# their own request's thread (0.963) at every floor up to 0.55.
HOME_MIN_RELEVANCE = 0.45
# Nearest passages looked at per request: enough for a few articles when each has a few passages in each of
# its translations.
PASSAGES_PER_REQUEST = 20
HOME_SUGGESTIONS = 4
SNIPPET_CHARS = 160
# The home is opened on every visit: what it picked is kept per process for this long, under a key of everything
# it was made from (the requests as the customer last saw them, the index generation, the language), then
# checked against the articles' current versions on every use.
CACHE_SECONDS = 300.0
CACHE_ENTRIES = 4096
VECTORS_KEPT = 5000  # 1.5 KB each
Reason = Literal["request", "popular", "latest"]


class RequestRef(BaseModel):
    """One of the customer's own requests, as they see it in the portal."""

    id: int
    number: int
    subject: str
    url: str


class CustomerSuggestion(BaseModel):
    """An article on the portal's home, and why it was picked: nothing the customer may not see."""

    article_id: int
    title: str
    snippet: str  # plain text
    url: str  # the help centre's page
    # `request`: it matches `request` (one of theirs); `popular`: among the help centre's most read articles;
    # `latest`: among its most recently updated ones (nothing has been read yet).
    reason: Reason
    request: RequestRef | None = None
    why: str  # the reason as a sentence, in the reader's language


class _Pick(BaseModel):
    article_id: int
    version: int
    title: str
    snippet: str
    url: str
    reason: Reason
    request: RequestRef | None = None


class _Kept(Generic[T]):
    """Values by key, each for `seconds` (None: as long as it is used), the least recently used dropped past
    `size`. Thread-safe: the pages' events and the API's worker threads share a process's copy."""

    def __init__(self, size: int, seconds: float | None = None) -> None:
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._size, self._seconds = size, seconds
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, value: T) -> None:
        expires = time.monotonic() + self._seconds if self._seconds is not None else float("inf")
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# What the home picked, by everything it was picked from; and each request's text's vector, by the text (a
# changed request picks again, but only a new text goes through the model).
PICKS: _Kept[list[_Pick]] = _Kept(CACHE_ENTRIES, CACHE_SECONDS)
REQUEST_VECTORS: _Kept[np.ndarray] = _Kept(VECTORS_KEPT)


def for_customer(
    session: Session, *, actor: Actor, locale: str | None = None, limit: int = HOME_SUGGESTIONS
) -> list[CustomerSuggestion]:
    """Up to `limit` published public articles for the signed-in customer, from their own latest requests (their
    subjects and first messages, recent ones weighing more), in `locale` (else their profile's language) where
    translated; the help centre's most read or latest articles fill what their requests leave."""
    actor.require_scope(AI_USE)
    actor.require_scope(KB_READ)
    if actor.is_staff or actor.user_id is None:
        raise PermissionDenied(
            t("Articles for you are picked from a customer's own requests: sign in to the portal as a customer.")
        )
    user = session.get(User, actor.user_id)
    language = _locale(locale or (user.locale if user is not None else None))
    limit = max(1, min(limit, 10))
    recent = tickets.customer_tickets(session, actor=actor, filters=tickets.TicketFilter(per_page=MAX_REQUESTS)).items
    state = session.get(KbIndexState, 1)
    key = cache.key_for(
        "for_customer",
        actor.user_id,
        language,
        limit,
        (state.index_key, state.generation) if state is not None else None,
        [(r.id, r.updated_at.isoformat(), r.subject) for r in recent],
    )
    picks = PICKS.get(key)
    if picks is None or not _still_published(session, picks):
        picks = _pick_for(session, actor=actor, recent=recent, language=language, limit=limit)
        PICKS.put(key, picks)
    return [
        CustomerSuggestion(**pick.model_dump(exclude={"version"}), why=_why(pick.reason, pick.request))
        for pick in picks
    ]


def _why(reason: Reason, request: RequestRef | None) -> str:
    if reason == "request" and request is not None:
        return t("Because of your request #{number} “{subject}”", number=request.number, subject=request.subject)
    if reason == "popular":
        return t("Among the most read in the help centre")
    return t("Latest in the help centre")


def _still_published(session: Session, picks: list[_Pick]) -> bool:
    """Whether every kept article is still published, public and at the version it was picked at (one changed
    since is picked again: its title or text may be other, or customers may no longer read it)."""
    if not picks:
        return True
    current = dict(
        session.exec(
            select(KbArticle.id, KbArticle.version).where(
                col(KbArticle.id).in_([p.article_id for p in picks]),
                KbArticle.status == ArticleStatus.published,
                KbArticle.visibility == ArticleVisibility.public,
            )
        ).all()
    )
    return all(current.get(p.article_id) == p.version for p in picks)


def request_weight(updated_at: datetime, now: datetime) -> float:
    """How much a request counts: 1 for one changed just now, halving every REQUEST_HALF_LIFE_DAYS before."""
    age_days = max((now - updated_at).total_seconds(), 0.0) / 86_400
    return float(0.5 ** (age_days / REQUEST_HALF_LIFE_DAYS))


def _first_words(session: Session, actor: Actor, ticket_ids: list[int]) -> dict[int, str]:
    """Per ticket, the first public message its requester wrote on it (what the request was about)."""
    if not ticket_ids:
        return {}
    first = (
        select(func.min(Message.id))
        .where(
            col(Message.ticket_id).in_(ticket_ids),
            Message.author_id == actor.user_id,
            col(Message.internal).is_(False),
        )
        .group_by(col(Message.ticket_id))
    )
    rows = session.exec(select(Message.ticket_id, Message.body_text).where(col(Message.id).in_(first))).all()
    return {stored_id(ticket_id): text for ticket_id, text in rows}


def _pick_for(
    session: Session, *, actor: Actor, recent: Sequence[tickets.CustomerTicket], language: str, limit: int
) -> list[_Pick]:
    picks = _from_requests(session, actor=actor, recent=recent, language=language, limit=limit)
    if len(picks) < limit:
        taken = {p.article_id for p in picks}
        picks += [
            p
            for p in _from_help_centre(session, language=language, limit=limit + len(taken))
            if p.article_id not in taken
        ][: limit - len(picks)]
    return picks


def _from_requests(
    session: Session, *, actor: Actor, recent: Sequence[tickets.CustomerTicket], language: str, limit: int
) -> list[_Pick]:
    """Articles above the relevance floor for the customer's requests: each request's best article first (the
    requests by their weighted best match), then the other matches by weighted relevance."""
    words = _first_words(session, actor, [r.id for r in recent])
    requests: list[tuple[tickets.CustomerTicket, str]] = []
    for ticket in recent:
        text = request_text(ticket.subject, words.get(ticket.id, ""))[:REQUEST_CHARS].strip()
        if means_something(text):
            requests.append((ticket, text))
    if not requests:
        return []
    # At most one batch through the model and one query of the vector index for all the requests.
    vectors = request_vectors([text for _ticket, text in requests])
    # Every language's passages: a request matches best the ones written in its own language (the model is
    # English-trained), and the article is shown in the reader's language whichever translation matched.
    nearest = index.nearest_to_vectors(
        session, vectors, locales=None, visibilities=(ArticleVisibility.public,), limit=PASSAGES_PER_REQUEST
    )
    chunk_ids = {chunk_id for row in nearest for chunk_id, cosine in row if cosine >= HOME_MIN_RELEVANCE}
    if not chunk_ids:
        return []
    group_of = dict(session.exec(select(KbChunk.id, KbChunk.group_id).where(col(KbChunk.id).in_(chunk_ids))).all())
    now = utcnow()
    # (request position, group) -> the best cosine of the group's passages for that request
    matches: dict[tuple[int, int], float] = {}
    for position, row in enumerate(nearest):
        for chunk_id, cosine in row:
            group = group_of.get(chunk_id)
            if group is not None and cosine >= HOME_MIN_RELEVANCE:
                matches[(position, group)] = max(matches.get((position, group), 0.0), cosine)
    weights = [request_weight(ticket.updated_at, now) for ticket, _text in requests]
    ranked = sorted(matches.items(), key=lambda item: (-weights[item[0][0]] * item[1], item[0]))
    chosen: list[tuple[int, int]] = []  # (request position, group), in the order shown
    for position, group in [pair for pair, _cosine in ranked]:  # each request's best article first
        if all(p != position for p, _g in chosen) and all(g != group for _p, g in chosen):
            chosen.append((position, group))
    for position, group in [pair for pair, _cosine in ranked]:
        if all(g != group for _p, g in chosen):
            chosen.append((position, group))
    articles = _in_language(session, [group for _p, group in chosen], language)
    picks = []
    for position, group in chosen:
        article = articles.get(group)
        if article is None:
            continue
        ticket = requests[position][0]
        picks.append(
            _pick(
                article,
                snippet=_best_passage(session, article, vectors[position]),
                reason="request",
                request=RequestRef(
                    id=ticket.id, number=ticket.number, subject=ticket.subject, url=routes.portal_ticket(ticket.id)
                ),
            )
        )
        if len(picks) == limit:
            break
    return picks


def request_vectors(texts: list[str]) -> np.ndarray:
    """One unit vector per text, from the process's copy where the text was embedded before, the others
    embedded together."""
    keys = [cache.key_for("request_vector", MODEL_ID, text) for text in texts]
    kept = [REQUEST_VECTORS.get(key) for key in keys]
    missing = [position for position, vector in enumerate(kept) if vector is None]
    if missing:
        made = embedder().embed([texts[position] for position in missing])
        for position, vector in zip(missing, made, strict=True):
            REQUEST_VECTORS.put(keys[position], vector)
            kept[position] = vector
    return np.vstack([v for v in kept if v is not None]) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)


def _in_language(session: Session, groups: list[int], language: str) -> dict[int, KbArticle]:
    """Per translation group, its published public article in `language`, else in the desk's default language."""
    if not groups:
        return {}
    rows = session.exec(
        select(KbArticle)
        .where(
            col(KbArticle.group_id).in_(groups),
            KbArticle.status == ArticleStatus.published,
            KbArticle.visibility == ArticleVisibility.public,
            col(KbArticle.locale).in_({language, DEFAULT_LOCALE}),
        )
        .order_by(col(KbArticle.id))
    ).all()
    return {stored_id(a.group_id): a for a in prefer_locale(rows, language)}


def _best_passage(session: Session, article: KbArticle, vector: np.ndarray | None = None) -> str:
    """The article's passage closest to `vector`, shortened; its opening passage without a vector or when none
    is embedded yet."""
    rows = session.exec(
        select(KbChunk.text, KbChunk.embedding).where(KbChunk.article_id == article.id).order_by(col(KbChunk.position))
    ).all()
    best, best_score = "", -1.0
    for text, embedding in rows:
        if not text:
            continue
        score = -1.0
        if embedding and vector is not None:
            score = float(np.dot(np.frombuffer(embedding, dtype=np.float32), vector))
        if not best or score > best_score:
            best, best_score = text, score
    return _shorten(best or article.body_text)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def _pick(article: KbArticle, *, snippet: str, reason: Reason, request: RequestRef | None = None) -> _Pick:
    return _Pick(
        article_id=stored_id(article.id),
        version=article.version,
        title=article.title,
        snippet=snippet,
        url=article_url(article),
        reason=reason,
        request=request,
    )


def _from_help_centre(session: Session, *, language: str, limit: int) -> list[_Pick]:
    """The translation groups read most (their readings in every language added up), then the most recently
    updated: what a customer with nothing to go on may look for. Only groups read at least once are `popular`."""
    views = func.sum(KbArticle.views)
    helpful = func.sum(KbArticle.helpful_yes - KbArticle.helpful_no)
    latest = func.max(KbArticle.updated_at)
    groups = session.exec(
        select(KbArticle.group_id, views, helpful, latest)
        .where(KbArticle.status == ArticleStatus.published, KbArticle.visibility == ArticleVisibility.public)
        .group_by(col(KbArticle.group_id))
        .order_by(views.desc(), helpful.desc(), latest.desc(), col(KbArticle.group_id).desc())
        .limit(limit)
    ).all()
    read = {stored_id(group) for group, group_views, _helpful, _latest in groups if (group_views or 0) > 0}
    popular = [stored_id(g) for g, *_rest in groups if stored_id(g) in read]
    unread = [
        stored_id(g) for g, *_rest in sorted(groups, key=lambda row: row[3], reverse=True) if stored_id(g) not in read
    ]
    articles = _in_language(session, popular + unread, language)
    picks = []
    for group in popular + unread:
        article = articles.get(group)
        if article is not None:
            picks.append(
                _pick(article, snippet=_best_passage(session, article), reason="popular" if group in read else "latest")
            )
    return picks
