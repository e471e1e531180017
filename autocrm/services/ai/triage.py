"""Triage of a new ticket from the desk's resolved tickets: a suggested category, team, priority and skills, each
with a confidence, and the resolved tickets it was learned from.

History. Every solved or closed ticket has one `ticket_vector` row: the MiniLM vector (`core.embedding`,
offline) of its subject and first public message, written by the `ai.ticket_vector` after-commit job when the
ticket becomes resolved, touched when a resolved ticket's team, priority or fields change, deleted when it is
reopened (`store_vector`); `index_missing` backfills tickets resolved before this existed or imported in bulk
(`autocrm ai reindex`). The labels are read from the tickets themselves: `category` is the value of the custom
field with key `category` when the desk defines one (else no category is suggested), `team_id` and `priority`
the ticket's own, the skills those of its `ticket_routing` row.

Prediction. Each label is the argmax of a blend: the similarity-weighted vote of the `NEIGHBOURS` nearest
resolved tickets (cosine over the vectors) and a softmax regression trained on the same vectors and labels.
On BANKING77 (`bench/ai_eval_triage.py`) the neighbours alone reach about 0.925 accuracy, the classifier
alone 0.925 and the blend 0.935. The blend's weight, k and temperature were chosen on a dev split of the train
rows, never on the test rows (`bench/ai_triage_choice.py`: weight 0 to 1, k 5/10/20, temperature 0.02 to
0.1). Hashed word and character n-grams as more classifier input would cost ten times the training time and
memory; the sentence vector alone passes the target, so it is the only feature. Skills, a set per
ticket, come from the neighbours' vote alone.

Why an in-process numpy matrix and not Chroma (`core/vectors.py`): the classifier needs every vector in
memory anyway to be trained, a query is then one matrix-vector product (about 1 ms at 10,000 tickets) with no
filter to apply, and the rows are the record, so a process rebuilds its copy from them whenever they changed
(their count and newest `updated_at` tell it) without a second store to keep in step. The newest
`MAX_HISTORY` resolved tickets are kept, which bounds memory (77 MB of vectors).

Training costs seconds (5-20 s at 10,000 tickets on two busy cores), not milliseconds, so a process refits the
classifiers only when the history's size moved by `REFIT_FRACTION` since the last fit, `REFIT_SECONDS` have
passed or the `category` field came or went, and it does so in a thread: meanwhile the neighbours answer
from the current rows with the last fit's classifiers (none in a fresh process: the neighbours alone, about
a point of accuracy less), and a label the classifiers never saw is still found by the neighbours.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import monotonic, sleep
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import func as sa_func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id, write_session
from autocrm.core.embedding import MODEL_ID, embedder
from autocrm.core.i18n import t
from autocrm.models import Message, Skill, StatusCategory, Team, Ticket, TicketRouting, TicketStatus, TicketVector
from autocrm.models.base import utcnow
from autocrm.services import balancing, desk, tickets
from autocrm.services.actor import AI_USE, Actor
from autocrm.services.ai import provider
from autocrm.services.balancing import SkillNeed
from autocrm.services.errors import field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput

LISTENER = "ai.ticket_vector"
FEATURE = "triage"  # its switch in `provider.FEATURES`
CATEGORY_FIELD = "category"
RESOLVED = (StatusCategory.solved, StatusCategory.closed)
# The fields whose change can add a ticket to the history, drop it or change what it teaches.
_WATCHED = frozenset({"status", "subject", "priority", "team_id", "custom_fields"})
MAX_SUBJECT = 250
MAX_BODY = 20_000
# MiniLM reads 256 tokens; the rest of a long first message would be cut by the tokenizer anyway.
MAX_EMBEDDED_CHARS = 2_000
MAX_HISTORY = 50_000
INDEX_BATCH = 256
NEIGHBOURS = 10
SOURCES = 5
# A neighbour's vote weighs exp(similarity / temperature): at 0.05 a neighbour 0.05 closer counts e times more.
TEMPERATURE = 0.05
# The classifier's share of the blend; the neighbours' vote has the rest (chosen on dev: bench/ai_triage_choice.py).
CLASSIFIER_WEIGHT = 0.7
# A skill is suggested when neighbours holding this share of the vote required it.
SKILL_SHARE = 0.5
REFIT_FRACTION = 0.05
REFIT_SECONDS = 3600.0
EPOCHS = 150
L2 = 1e-5
LEARNING_RATE = 0.2

Embed = Callable[[list[str]], np.ndarray]


class TriageRequest(ServiceInput):
    """A new ticket as it stands: its subject and its first message (plain text)."""

    subject: str = Field(default="", max_length=MAX_SUBJECT)
    body: str = Field(default="", max_length=MAX_BODY)

    @model_validator(mode="after")
    def _something_to_read(self) -> TriageRequest:
        if not self.subject and not self.body:
            raise ValueError(t("Give a subject or a message to triage."))
        return self


class SimilarTicket(BaseModel):
    ticket_id: int
    number: int
    subject: str
    similarity: float


class SkillSuggestion(BaseModel):
    skill_id: int
    name: str
    level: int
    confidence: float


class TriageResult(BaseModel):
    """Suggestions, each with its confidence in [0, 1] (None: the history says nothing about that field)."""

    category: str | None
    category_confidence: float
    team_id: int | None
    team_confidence: float
    priority: str | None
    priority_confidence: float
    skills: list[SkillSuggestion]
    # The confidence of the category when the desk has one, else of the team, else of the priority.
    confidence: float
    similar_tickets: list[SimilarTicket]


def ticket_text(subject: str, body: str) -> str:
    """What a ticket is about, as embedded: the subject and the first message, once if they are the same."""
    subject, body = subject.strip(), body.strip()
    text = subject if not body or body == subject else f"{subject}\n{body}" if subject else body
    return text[:MAX_EMBEDDED_CHARS]


def _text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()


# --- the history: writing the vectors -----------------------------------------------------------------------


def wants_vector(event: Event) -> bool:
    """A new ticket, or a change that can make a ticket resolved, unresolved, or teach something else."""
    if event.type == "ticket.created":
        return True
    changes = event.data.get("changes") or {}
    return bool(_WATCHED.intersection(changes))


def store_vector(session: Session, event: Event) -> None:
    """The after-commit job: the ticket's vector written, refreshed or removed as its status now says."""
    if event.ticket_id is not None:
        _store(session, [event.ticket_id], embed=None)


def index_missing(session: Session, *, limit: int = INDEX_BATCH, embed: Embed | None = None) -> int:
    """Stores the vectors of up to `limit` resolved tickets that have none (or one of another model), and drops
    those of tickets no longer resolved; how many rows it wrote or dropped. Call until it returns 0, a
    transaction per call."""
    resolved = select(TicketStatus.key).where(col(TicketStatus.category).in_(RESOLVED))
    missing = (
        select(Ticket.id)
        .outerjoin(TicketVector, col(TicketVector.ticket_id) == col(Ticket.id))
        .where(col(Ticket.status).in_(resolved))
        .where(col(TicketVector.ticket_id).is_(None) | (col(TicketVector.model) != MODEL_ID))
        .order_by(col(Ticket.id))
        .limit(limit)
    )
    stale = (
        select(TicketVector.ticket_id)
        .join(Ticket, col(Ticket.id) == col(TicketVector.ticket_id))
        .where(col(Ticket.status).not_in(resolved))
        .limit(limit)
    )
    ids = [stored_id(i) for i in session.exec(missing)] + list(session.exec(stale))
    return _store(session, ids, embed=embed) if ids else 0


def _store(session: Session, ticket_ids: Sequence[int], *, embed: Embed | None) -> int:
    categories = {s.key for s in desk.vocabulary(session).statuses.values() if s.category in RESOLVED}
    tickets = {stored_id(row.id): row for row in session.exec(select(Ticket).where(col(Ticket.id).in_(ticket_ids)))}
    held = {
        row.ticket_id: row
        for row in session.exec(select(TicketVector).where(col(TicketVector.ticket_id).in_(ticket_ids)))
    }
    texts = _first_texts(session, [i for i, ticket in tickets.items() if ticket.status in categories])
    now = utcnow()
    to_embed: list[tuple[int, str, str]] = []
    written = 0
    for ticket_id in ticket_ids:
        ticket, row = tickets.get(ticket_id), held.get(ticket_id)
        if ticket is None or ticket.status not in categories:
            if row is not None:
                session.delete(row)
                written += 1
            continue
        text = texts[ticket_id]
        digest = _text_hash(text)
        if row is not None and row.text_hash == digest and row.model == MODEL_ID:
            # Same words, maybe other labels: a newer stamp tells every process to read the history again.
            row.updated_at = now
            session.add(row)
            written += 1
        else:
            to_embed.append((ticket_id, text, digest))
    if to_embed:
        vectors = (embed or embedder().embed)([text for _id, text, _digest in to_embed])
        for (ticket_id, _text, digest), vector in zip(to_embed, vectors, strict=True):
            row = held.get(ticket_id) or TicketVector(ticket_id=ticket_id, model=MODEL_ID, text_hash="", vector=b"")
            row.model, row.text_hash, row.updated_at = MODEL_ID, digest, now
            row.vector = np.asarray(vector, dtype=np.float32).tobytes()
            session.add(row)
            written += 1
    session.flush()
    return written


def first_text(session: Session, ticket_id: int, subject: str) -> str:
    """What a ticket is about as triage reads it (`ticket_text` of its subject and first public message)."""
    return _first_texts(session, [ticket_id]).get(ticket_id, ticket_text(subject, ""))


def _first_texts(session: Session, ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's subject and first public message, as `ticket_text` joins them."""
    if not ticket_ids:
        return {}
    first = (
        select(col(Message.ticket_id), sa_func.min(col(Message.id)).label("message_id"))
        .where(col(Message.ticket_id).in_(ticket_ids), col(Message.internal).is_(False))
        .group_by(col(Message.ticket_id))
        .subquery()
    )
    bodies = dict(
        session.execute(select(Message.ticket_id, Message.body_text).join(first, first.c.message_id == Message.id))
        .tuples()
        .all()
    )
    subjects = dict(
        session.execute(select(Ticket.id, Ticket.subject).where(col(Ticket.id).in_(ticket_ids))).tuples().all()
    )
    return {stored_id(i): ticket_text(subject, bodies.get(i, "")) for i, subject in subjects.items()}


# --- the history: a process's copy, and what it learned -----------------------------------------------------


@dataclass
class _Classifier:
    """Softmax regression over the sentence vector, trained on the history's labels."""

    labels: list[Any]
    weights: np.ndarray  # 384 x labels
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return _softmax(np.einsum("ij,jk->ik", features, self.weights) + self.bias)


@dataclass
class _Fit:
    """A database's classifiers, shared by its successive history copies in this process. Swapped whole when a
    fit ends, so a reader sees the old ones or the new ones, never half of each."""

    classifiers: dict[str, _Classifier] = field(default_factory=dict)
    size: int = 0  # the history size they were trained on
    at: float = 0.0  # monotonic time the fit started
    running: bool = False
    category_defined: bool = False


@dataclass
class _History:
    fingerprint: tuple[int, Any, bool]
    ids: list[int]
    numbers: list[int]
    subjects: list[str]
    matrix: np.ndarray  # one unit vector per resolved ticket
    labels: dict[str, list[Any]]  # "category" / "team_id" / "priority" -> one value (or None) per ticket
    skills: list[list[tuple[int, int]]]  # (skill id, level) required on each ticket
    fit: _Fit = field(default_factory=_Fit)


_histories: dict[str, _History] = {}
_fits: dict[str, _Fit] = {}
_lock = threading.Lock()


def _fingerprint(session: Session) -> tuple[int, Any, bool]:
    count, newest = session.execute(select(func.count(), func.max(TicketVector.updated_at))).one()
    return count, newest, CATEGORY_FIELD in desk.custom_field_definitions(session)


def history(session: Session, *, wait_for_fit: bool = False) -> _History:
    """This process's copy of the history, caught up with the rows. A refit that is due runs in a thread of its
    own (the neighbours answer meanwhile, with the previous classifiers if any), or here with `wait_for_fit`."""
    url = str(session.get_bind().engine.url)
    fingerprint = _fingerprint(session)
    with _lock:
        known = _histories.get(url)
        if known is None or known.fingerprint != fingerprint:
            known = _load(session, fingerprint)
            known.fit = _fits.setdefault(url, _Fit())
            _histories[url] = known
        fit = known.fit
        start = not fit.running and _refit_due(fit, known)
        if start:
            fit.running = True
    if start:
        if wait_for_fit:
            _fit(known)
        else:
            threading.Thread(target=_fit, args=(known,), name="triage-fit", daemon=True).start()
    elif wait_for_fit:
        while fit.running:
            sleep(0.05)
    return known


def forget() -> None:
    """Drops every process copy (tests and benches that reuse a database URL)."""
    with _lock:
        _histories.clear()
        _fits.clear()


def _refit_due(fit: _Fit, known: _History) -> bool:
    if not known.ids:
        return False
    moved = abs(len(known.ids) - fit.size) >= max(1, REFIT_FRACTION * max(fit.size, 1))
    return moved or monotonic() - fit.at >= REFIT_SECONDS or known.fingerprint[2] != fit.category_defined


def _load(session: Session, fingerprint: tuple[int, Any, bool]) -> _History:
    # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
    rows = session.execute(
        core_select(
            col(Ticket.id),
            col(Ticket.number),
            col(Ticket.subject),
            col(Ticket.team_id),
            col(Ticket.priority),
            col(Ticket.custom_fields),
            col(TicketVector.vector),
        )
        .join(TicketVector, col(TicketVector.ticket_id) == col(Ticket.id))
        .order_by(col(TicketVector.updated_at).desc(), col(Ticket.id).desc())
        .limit(MAX_HISTORY)
    ).all()
    ids = [stored_id(row[0]) for row in rows]
    with_category = fingerprint[2]
    routing = (
        {
            r.ticket_id: [(int(s["skill_id"]), int(s.get("level", 1))) for s in r.required_skills if "skill_id" in s]
            for r in session.exec(select(TicketRouting).where(col(TicketRouting.ticket_id).in_(ids)))
        }
        if ids
        else {}
    )
    matrix = (
        np.vstack([np.frombuffer(row[6], dtype=np.float32) for row in rows])
        if rows
        else np.zeros((0, 384), dtype=np.float32)
    )
    return _History(
        fingerprint=fingerprint,
        ids=ids,
        numbers=[row[1] for row in rows],
        subjects=[row[2] for row in rows],
        matrix=matrix,
        labels={
            "category": [_category_of(row[5]) if with_category else None for row in rows],
            "team_id": [row[3] for row in rows],
            "priority": [row[4] for row in rows],
        },
        skills=[routing.get(i, []) for i in ids],
    )


def _category_of(custom_fields: dict[str, Any] | None) -> str | None:
    value = (custom_fields or {}).get(CATEGORY_FIELD)
    return str(value) if value not in (None, "") else None


def _fit(history_: _History) -> None:
    """Trains a classifier per label with two values or more in the history, then swaps them in."""
    fit = history_.fit
    started = monotonic()
    classifiers: dict[str, _Classifier] = {}
    try:
        for name, values in history_.labels.items():
            known = [i for i, value in enumerate(values) if value is not None]
            labels = sorted({values[i] for i in known}, key=str)
            if len(labels) < 2:
                continue
            index = {label: position for position, label in enumerate(labels)}
            targets = np.array([index[values[i]] for i in known])
            weights, bias = _train(history_.matrix[known], targets, len(labels))
            classifiers[name] = _Classifier(labels=labels, weights=weights, bias=bias)
        fit.classifiers, fit.size, fit.at = classifiers, len(history_.ids), started
        fit.category_defined = history_.fingerprint[2]
    finally:
        fit.running = False


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


def _train(features: np.ndarray, targets: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Adam on the cross-entropy; a fixed number of epochs, so a refit's cost is known."""
    rows, dimensions = features.shape
    weights = np.zeros((dimensions, classes), dtype=np.float32)
    bias = np.zeros(classes, dtype=np.float32)
    onehot = np.eye(classes, dtype=np.float32)[targets]
    moments = [np.zeros_like(weights), np.zeros_like(bias)]
    squares = [np.zeros_like(weights), np.zeros_like(bias)]
    for epoch in range(1, EPOCHS + 1):
        error = (_softmax(features @ weights + bias) - onehot) / rows
        gradients = ((weights, features.T @ error + L2 * weights), (bias, error.sum(axis=0)))
        for i, (param, grad) in enumerate(gradients):
            moments[i] = 0.9 * moments[i] + 0.1 * grad
            squares[i] = 0.999 * squares[i] + 0.001 * grad * grad
            step = (moments[i] / (1 - 0.9**epoch)) / (np.sqrt(squares[i] / (1 - 0.999**epoch)) + 1e-8)
            param -= (LEARNING_RATE * step).astype(np.float32)
    return weights, bias


# --- triage -------------------------------------------------------------------------------------------------


def enabled(session: Session) -> bool:
    """Whether admins leave triage on (`provider`'s switches: the AI kill switch and triage's own)."""
    return provider.switches(session).allows(FEATURE)


def require_enabled(session: Session) -> None:
    if not enabled(session):
        raise provider.AiUnavailable(
            t("An administrator has switched this AI feature off."), {"reason": "switched_off"}
        )


def triage(
    session: Session, *, actor: Actor, data: TriageRequest, exclude_ticket_id: int | None = None
) -> TriageResult:
    """Suggestions for a new ticket from the resolved tickets most like it. Staff only; `AiUnavailable` while
    admins have switched triage off, as on the ticket page and in rules. `exclude_ticket_id` keeps a ticket out
    of its own neighbours (a resolved ticket triaged again is in the history)."""
    actor.require_scope(AI_USE)
    actor.require_staff()
    require_enabled(session)
    return suggest(session, ticket_text(data.subject, data.body), exclude_ticket_id=exclude_ticket_id)


def for_rules(session: Session, *, subject: str, body: str, ticket_id: int | None = None) -> TriageResult | None:
    """What routing rules and SLA conditions test (they act as the system): the suggestions for a ticket's
    subject and first message, None while admins have switched triage off."""
    if not enabled(session):
        return None
    return suggest(session, ticket_text(subject, body), exclude_ticket_id=ticket_id)


def position(known: _History, ticket_id: int | None) -> int | None:
    if ticket_id is None:
        return None
    try:
        return known.ids.index(ticket_id)
    except ValueError:
        return None


def _nothing() -> TriageResult:
    return TriageResult(
        category=None,
        category_confidence=0.0,
        team_id=None,
        team_confidence=0.0,
        priority=None,
        priority_confidence=0.0,
        skills=[],
        confidence=0.0,
        similar_tickets=[],
    )


def suggest(session: Session, text: str, *, exclude_ticket_id: int | None = None) -> TriageResult:
    """The suggestions for a ticket's text (`ticket_text`); no role check, the callers make theirs."""
    known = history(session)
    excluded = position(known, exclude_ticket_id)
    candidates = len(known.ids) - (0 if excluded is None else 1)
    if candidates <= 0 or not text:
        return _nothing()
    query = embedder().embed([text])[0]
    similarities, nearest, votes = neighbours(known.matrix, query, exclude=excluded)
    features = query[None, :]
    suggested: dict[str, tuple[Any, float]] = {}
    for name, values in known.labels.items():
        suggested[name] = _suggest(values, nearest, votes, known.fit.classifiers.get(name), features)
    category, team, priority = suggested["category"], suggested["team_id"], suggested["priority"]
    overall = next((s[1] for s in (category, team, priority) if s[0] is not None), 0.0)
    return TriageResult(
        category=category[0],
        category_confidence=category[1],
        team_id=team[0],
        team_confidence=team[1],
        priority=priority[0],
        priority_confidence=priority[1],
        skills=_skills(session, known, nearest, votes),
        confidence=overall,
        similar_tickets=[
            SimilarTicket(
                ticket_id=known.ids[i],
                number=known.numbers[i],
                subject=known.subjects[i],
                similarity=round(float(similarities[i]), 4),
            )
            for i in nearest[:SOURCES]
        ],
    )


def neighbours(
    matrix: np.ndarray,
    query: np.ndarray,
    *,
    k: int = NEIGHBOURS,
    temperature: float = TEMPERATURE,
    exclude: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every history row's cosine to the query, the `k` nearest rows (closest first, never the row `exclude`)
    and their votes."""
    # einsum's own single-threaded loop, not BLAS: on a busy machine BLAS's threads wake slowly (matmul p50 4-16 ms,
    # p95 100-230 ms against 1.3 ms and 5-9 ms at 10,000 tickets).
    similarities = np.einsum("ij,j->i", matrix, query)
    if exclude is not None:
        similarities[exclude] = -np.inf
    k = min(k, len(similarities) - (0 if exclude is None else 1))
    nearest = np.argpartition(-similarities, k - 1)[:k]
    nearest = nearest[np.argsort(-similarities[nearest])]
    votes = np.exp((similarities[nearest] - similarities[nearest[0]]) / temperature)
    return similarities, nearest, votes


def _suggest(
    values: list[Any],
    nearest: np.ndarray,
    votes: np.ndarray,
    classifier: _Classifier | None,
    features: np.ndarray,
    *,
    classifier_weight: float | None = None,
) -> tuple[Any, float]:
    """The label and its confidence: the neighbours' weighted vote, blended with the classifier's probability."""
    tally: dict[Any, float] = {}
    for position, weight in zip(nearest, votes, strict=True):
        value = values[position]
        if value is not None:
            tally[value] = tally.get(value, 0.0) + float(weight)
    total = float(votes.sum())
    scores = {label: share / total for label, share in tally.items()}
    weight = CLASSIFIER_WEIGHT if classifier_weight is None else classifier_weight
    if classifier is not None:
        probabilities = classifier.probabilities(features)[0]
        blended = {label: (1 - weight) * share for label, share in scores.items()}
        for label, probability in zip(classifier.labels, probabilities, strict=True):
            blended[label] = blended.get(label, 0.0) + weight * float(probability)
        scores = blended
    if not scores:
        return None, 0.0
    label = max(scores, key=lambda key: scores[key])
    return label, round(min(1.0, scores[label]), 4)


def _skills(session: Session, known: _History, nearest: np.ndarray, votes: np.ndarray) -> list[SkillSuggestion]:
    total = float(votes.sum())
    share: dict[int, float] = {}
    levels: dict[int, list[int]] = {}
    for position, weight in zip(nearest, votes, strict=True):
        for skill_id, level in known.skills[position]:
            share[skill_id] = share.get(skill_id, 0.0) + float(weight) / total
            levels.setdefault(skill_id, []).append(level)
    chosen = {skill_id: value for skill_id, value in share.items() if value >= SKILL_SHARE}
    if not chosen:
        return []
    names = dict(session.execute(select(Skill.id, Skill.name).where(col(Skill.id).in_(chosen))).tuples().all())
    return sorted(
        (
            SkillSuggestion(
                skill_id=skill_id,
                name=names[skill_id],
                level=int(np.median(levels[skill_id])),
                confidence=round(min(1.0, value), 4),
            )
            for skill_id, value in chosen.items()
            if skill_id in names
        ),
        key=lambda s: -s.confidence,
    )


# --- triage of a ticket on its page -------------------------------------------------------------------------


SuggestedField = Literal["category", "team_id", "priority", "skill"]


class TicketSuggestion(BaseModel):
    """One suggestion that would change the ticket, as the agent reads it."""

    field: SuggestedField
    value: str  # the category, the team's id, the priority's key, the skill's id
    label: str  # the category, the team's name, the priority's name, the skill's name
    level: int = 0  # a skill's level
    confidence: float
    # What the ticket has now: the category, team or priority name ("" for none), the skill's level (0: not needed).
    current: str = ""
    current_level: int = 0


class TicketTriage(BaseModel):
    ticket_id: int
    # What triage suggests that the ticket does not have yet (a suggestion it already has is left out).
    suggestions: list[TicketSuggestion]
    # The fields whose suggestion the ticket already has, in the order above.
    agreed: list[SuggestedField]
    # The resolved tickets most like this one; none when the desk has no resolved ticket to learn from.
    similar_tickets: list[SimilarTicket]


class TriageApply(ServiceInput):
    """The suggestions an agent chose to apply (what `for_ticket` offered)."""

    category: str | None = Field(default=None, min_length=1, max_length=200)
    team_id: DbId | None = None
    priority: str | None = Field(default=None, min_length=1, max_length=40)
    skills: list[SkillNeed] = Field(default_factory=list, max_length=20)


def for_ticket(session: Session, *, actor: Actor, ticket_id: int) -> TicketTriage:
    """Triage of a ticket from its subject and first public message, for the agent on its page: only what
    would change it. Staff with `ai:use`; `AiUnavailable` while admins have switched triage off."""
    actor.require_scope(AI_USE)
    actor.require_staff()
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    require_enabled(session)
    text = first_text(session, ticket_id, ticket.subject)
    result = suggest(session, text, exclude_ticket_id=ticket_id)
    offered: list[TicketSuggestion] = []
    agreed: list[SuggestedField] = []
    if result.category is not None:
        if str(ticket.custom_fields.get(CATEGORY_FIELD) or "") == result.category:
            agreed.append("category")
        else:
            offered.append(
                TicketSuggestion(
                    field="category",
                    value=result.category,
                    label=result.category,
                    confidence=result.category_confidence,
                    current=str(ticket.custom_fields.get(CATEGORY_FIELD) or ""),
                )
            )
    if result.team_id is not None:
        team = session.get(Team, result.team_id)
        if ticket.team is not None and ticket.team.id == result.team_id:
            agreed.append("team_id")
        elif team is not None:  # a team deleted since is no suggestion
            offered.append(
                TicketSuggestion(
                    field="team_id",
                    value=str(result.team_id),
                    label=team.name,
                    confidence=result.team_confidence,
                    current=ticket.team.name if ticket.team is not None else "",
                )
            )
    if result.priority is not None:
        if ticket.priority == result.priority:
            agreed.append("priority")
        else:
            offered.append(
                TicketSuggestion(
                    field="priority",
                    value=result.priority,
                    label=desk.priority_named(session, result.priority).name,
                    confidence=result.priority_confidence,
                    current=ticket.priority_name,
                )
            )
    needed = {
        int(need["skill_id"]): int(need.get("level", 1)) for need in balancing.requirements_of(session, ticket_id)
    }
    for skill in result.skills:
        if needed.get(skill.skill_id, 0) >= skill.level:
            if "skill" not in agreed:
                agreed.append("skill")
        else:
            offered.append(
                TicketSuggestion(
                    field="skill",
                    value=str(skill.skill_id),
                    label=skill.name,
                    level=skill.level,
                    confidence=skill.confidence,
                    current_level=needed.get(skill.skill_id, 0),
                )
            )
    return TicketTriage(ticket_id=ticket_id, suggestions=offered, agreed=agreed, similar_tickets=result.similar_tickets)


def apply_to_ticket(session: Session, *, actor: Actor, ticket_id: int, data: TriageApply) -> tickets.TicketPublic:
    """Writes the chosen suggestions as the agent's own change of the ticket: the category, team and priority
    through `update_ticket`, the skills (added to those it already needs) through `balancing.set_requirements`,
    so each is validated, audited and on the timeline like any other change."""
    changes: dict[str, Any] = {}
    if data.category is not None:
        if CATEGORY_FIELD not in desk.custom_field_definitions(session):
            raise field_error("category", t("This desk has no category field."))
        changes["custom_fields"] = {CATEGORY_FIELD: data.category}
    if data.team_id is not None:
        changes["team_id"] = data.team_id
    if data.priority is not None:
        changes["priority"] = data.priority
    if not changes and not data.skills:
        raise field_error("suggestions", t("Choose a suggestion to apply."))
    if data.skills:
        # What the ticket needs first, so load balancing (which acts once it has a team) knows it.
        held = [SkillNeed(**need) for need in balancing.requirements_of(session, ticket_id)]
        balancing.set_requirements(session, actor=actor, ticket_id=ticket_id, required_skills=held + data.skills)
    if changes:
        return tickets.update_ticket(session, actor=actor, ticket_id=ticket_id, data=tickets.TicketUpdate(**changes))
    return tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)


def index_all(*, progress: Callable[[int], None] | None = None, embed: Embed | None = None) -> int:
    """`index_missing` until nothing is left, a transaction per batch (so a desk keeps working meanwhile and
    an interrupted run is finished by running it again); how many rows were written or dropped."""
    done = 0
    while True:
        with write_session() as session:
            made = index_missing(session, embed=embed)
        if not made:
            return done
        done += made
        if progress is not None:
            progress(done)
