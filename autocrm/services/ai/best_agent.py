"""The suggested agent (and team) for a ticket, from who resolved the tickets most like it, how fast and how
well rated. No LLM: the ticket's nearest resolved neighbours in triage's history (`triage.history`, MiniLM
vectors of solved and closed tickets) are read for their resolving assignee, their resolution time
(`metrics.resolution_seconds`) against the desk's median over the last `MEDIAN_DAYS` days
(`metrics.desk_resolution_median`) and their satisfaction rating when they have one.

Score. Each neighbour at least `MIN_SIMILARITY` like the ticket gives its assignee (and its team) its
similarity times a speed factor (2m / (m + t): 1 at the desk's median m, up to 2 for an instant solve, toward
0 for a slow one) times a rating factor (score / 4: 1.25 for a 5, 0.25 for a 1, 1 when unrated). An agent's
score is the sum over their neighbours, so several similar tickets solved well beat one. Ties go by name then
id: the same data gives the same answer.

Who may be suggested: active staff who are members of the ticket's team, or (a ticket with no team yet) of a
team. Agents who can take a ticket now (online, on shift, under capacity: `balancing.team_pool`) come first;
the best one by score is shown even when away, off shift or full, with that said in the reason, so nobody is
hidden. With fewer than `MIN_SIMILAR` similar resolved tickets nothing is suggested and the note says so.

The ticket page shows it (staff, `tickets:read`; admins switching triage off switch this off too) and a
routing rule's `assign_suggested` action assigns the best agent who can take it now (`for_rules`).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from autocrm.core import i18n
from autocrm.core.db import stored_id
from autocrm.core.embedding import embedder
from autocrm.core.i18n import t
from autocrm.models import SatisfactionRating, Team, TeamMembership, Ticket, User
from autocrm.models.base import utcnow
from autocrm.models.enums import Availability
from autocrm.services import balancing, metrics, tickets
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.ai import triage
from autocrm.services.balancing import MemberState
from autocrm.services.tickets import PersonRef, TeamRef

# How many nearest resolved tickets are read, and how like the ticket one must be to count as similar
# (MiniLM cosine: unrelated short texts sit around 0-0.2, the same request in other words above 0.4).
NEIGHBOURS = 20
MIN_SIMILARITY = 0.3
# Fewer similar resolved tickets than this (with an assignee who may take it) suggest nobody.
MIN_SIMILAR = 2
MAX_AGENTS = 3
# The desk's median resolution time is over the tickets solved in this many days (all of them when none was).
MEDIAN_DAYS = 90

Status = Literal["available", "away", "offline", "off_shift", "full"]


class SuggestedAgent(BaseModel):
    agent: PersonRef
    score: float
    solved: int  # similar resolved tickets they resolved
    median_seconds: float | None  # their median resolution time over those
    rating: float | None  # the average rating over those that were rated
    ratings: int
    status: Status  # `available`: can take a ticket now
    reason: str  # "Solved 4 similar tickets, median 2 hours, rated 4.8/5" in the reader's language


class SuggestedTeam(BaseModel):
    team: TeamRef
    score: float
    solved: int
    median_seconds: float | None
    rating: float | None
    reason: str


class AgentSuggestions(BaseModel):
    ticket_id: int
    # Best first: those who can take it now, then the best one by score when they cannot.
    agents: list[SuggestedAgent]
    team: SuggestedTeam | None
    similar: int  # the similar resolved tickets it learned from
    note: str  # why nothing is suggested ("" when something is)


@dataclass
class _Tally:
    score: float = 0.0
    seconds: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)
    solved: int = 0


@dataclass
class _Neighbour:
    ticket_id: int
    similarity: float
    assignee_id: int | None
    team_id: int | None
    seconds: float | None
    rating: int | None


def _nothing(ticket_id: int, note: str) -> AgentSuggestions:
    return AgentSuggestions(ticket_id=ticket_id, agents=[], team=None, similar=0, note=note)


def _neighbours(session: Session, text: str, exclude_ticket_id: int | None) -> list[_Neighbour]:
    """The resolved tickets at least `MIN_SIMILARITY` like the text, closest first."""
    known = triage.history(session)
    excluded = triage.position(known, exclude_ticket_id)
    if not text or len(known.ids) - (0 if excluded is None else 1) <= 0:
        return []
    query = embedder().embed([text])[0]
    similarities, nearest, _votes = triage.neighbours(known.matrix, query, k=NEIGHBOURS, exclude=excluded)
    close = [(known.ids[i], float(similarities[i])) for i in nearest if similarities[i] >= MIN_SIMILARITY]
    if not close:
        return []
    ids = [ticket_id for ticket_id, _ in close]
    rows = {
        stored_id(row[0]): row
        for row in session.execute(
            core_select(
                col(Ticket.id),
                col(Ticket.assignee_id),
                col(Ticket.team_id),
                col(Ticket.created_at),
                col(Ticket.solved_at),
            ).where(col(Ticket.id).in_(ids))
        ).all()
    }
    rated = dict(
        session.execute(
            core_select(col(SatisfactionRating.ticket_id), col(SatisfactionRating.score)).where(
                col(SatisfactionRating.ticket_id).in_(ids)
            )
        )
        .tuples()
        .all()
    )
    out = []
    for ticket_id, similarity in close:
        row = rows.get(ticket_id)
        if row is None:
            continue
        _id, assignee_id, team_id, created, solved = row
        seconds = metrics.resolution_seconds(created, solved) if created and solved else None
        out.append(_Neighbour(ticket_id, round(similarity, 4), assignee_id, team_id, seconds, rated.get(ticket_id)))
    return out


def _weight(neighbour: _Neighbour, median: float | None) -> float:
    speed = 1.0
    if neighbour.seconds is not None and median:
        speed = 2 * median / (median + neighbour.seconds)
    rating = neighbour.rating / 4 if neighbour.rating is not None else 1.0
    return neighbour.similarity * speed * rating


def _tally(neighbours: list[_Neighbour], key: str, median: float | None) -> dict[int, _Tally]:
    tallies: dict[int, _Tally] = {}
    for neighbour in neighbours:
        who = getattr(neighbour, key)
        if who is None:
            continue
        tally = tallies.setdefault(who, _Tally())
        tally.score += _weight(neighbour, median)
        tally.solved += 1
        if neighbour.seconds is not None:
            tally.seconds.append(neighbour.seconds)
        if neighbour.rating is not None:
            tally.scores.append(neighbour.rating)
    return tallies


def _reason(tally: _Tally, status: Status = "available", state: MemberState | None = None) -> str:
    parts = [i18n.ngettext("Solved {n} similar ticket", "Solved {n} similar tickets", tally.solved)]
    if tally.seconds:
        parts.append(t("median {duration}", duration=i18n.format_duration(statistics.median(tally.seconds))))
    if tally.scores:
        parts.append(t("rated {rating}/5", rating=i18n.format_number(round(statistics.fmean(tally.scores), 1))))
    if status == "away":
        parts.append(t("away now"))
    elif status == "offline":
        parts.append(t("offline now"))
    elif status == "off_shift":
        parts.append(t("off shift now"))
    elif status == "full" and state is not None:
        parts.append(t("at capacity ({load} of {capacity} open)", load=state.load, capacity=state.capacity or 0))
    return ", ".join(parts)


def _status(state: MemberState) -> Status:
    if state.can_take:
        return "available"
    if state.availability == Availability.away:
        return "away"
    if state.availability != Availability.online:
        return "offline"
    if not state.on_shift:
        return "off_shift"
    return "full"


def _candidates(session: Session, team_id: int | None, agent_ids: list[int]) -> dict[int, MemberState]:
    """Each agent who may be suggested and their state now: members of the ticket's team, or of any team
    (the state of the team in which they can take it, if one)."""
    if team_id is not None:
        team_ids = [team_id]
    else:
        team_ids = sorted(
            set(session.exec(select(TeamMembership.team_id).where(col(TeamMembership.user_id).in_(agent_ids))).all())
        )
    now = utcnow()
    states: dict[int, MemberState] = {}
    for team in session.exec(select(Team).where(col(Team.id).in_(team_ids)).order_by(col(Team.id))):
        for state in balancing.team_pool(session, team, now):
            if state.user_id not in agent_ids or not state.active:
                continue
            held = states.get(state.user_id)
            if held is None or (state.can_take and not held.can_take):
                states[state.user_id] = state
    return states


def suggest(session: Session, *, ticket_id: int, text: str, team_id: int | None) -> AgentSuggestions:
    """The suggestions for a ticket of this text (`triage.ticket_text`) and team; no role check, the callers
    make theirs."""
    neighbours = _neighbours(session, text, ticket_id)
    agent_ids = sorted({n.assignee_id for n in neighbours if n.assignee_id is not None})
    states = _candidates(session, team_id, agent_ids) if agent_ids else {}
    usable = [n for n in neighbours if n.assignee_id in states]
    if len(usable) < MIN_SIMILAR:
        return _nothing(ticket_id, t("Too few similar solved tickets to suggest an agent yet."))
    median = metrics.desk_resolution_median(session, since=utcnow() - timedelta(days=MEDIAN_DAYS))
    if median is None:
        median = metrics.desk_resolution_median(session)
    people = {stored_id(user.id): user for user in session.exec(select(User).where(col(User.id).in_(list(states))))}
    tallies = _tally(usable, "assignee_id", median)

    def rank(user_id: int) -> tuple[float, str, int]:
        return (-tallies[user_id].score, people[user_id].name.lower(), user_id)

    ranked = sorted(tallies, key=rank)
    available = [uid for uid in ranked if states[uid].can_take]
    chosen = available[:MAX_AGENTS]
    if ranked[0] not in chosen:  # the best is away or full: shown, and said so, after those who can take it
        chosen = [*chosen[: MAX_AGENTS - 1], ranked[0]]
    agents = []
    for user_id in chosen:
        tally, state = tallies[user_id], states[user_id]
        status = _status(state)
        agents.append(
            SuggestedAgent(
                agent=PersonRef(id=user_id, name=people[user_id].name),
                score=round(tally.score, 4),
                solved=tally.solved,
                median_seconds=statistics.median(tally.seconds) if tally.seconds else None,
                rating=round(statistics.fmean(tally.scores), 2) if tally.scores else None,
                ratings=len(tally.scores),
                status=status,
                reason=_reason(tally, status, state),
            )
        )
    return AgentSuggestions(
        ticket_id=ticket_id, agents=agents, team=_best_team(session, neighbours, median), similar=len(usable), note=""
    )


def _best_team(session: Session, neighbours: list[_Neighbour], median: float | None) -> SuggestedTeam | None:
    tallies = _tally(neighbours, "team_id", median)
    names = dict(
        session.execute(core_select(col(Team.id), col(Team.name)).where(col(Team.id).in_(list(tallies)))).tuples().all()
    )
    ranked = sorted((tid for tid in tallies if tid in names), key=lambda tid: (-tallies[tid].score, names[tid], tid))
    if not ranked:
        return None
    tally = tallies[ranked[0]]
    return SuggestedTeam(
        team=TeamRef(id=ranked[0], name=names[ranked[0]]),
        score=round(tally.score, 4),
        solved=tally.solved,
        median_seconds=statistics.median(tally.seconds) if tally.seconds else None,
        rating=round(statistics.fmean(tally.scores), 2) if tally.scores else None,
        reason=_reason(tally),
    )


def suggest_agent(session: Session, *, actor: Actor, ticket_id: int) -> AgentSuggestions:
    """Up to three agents (and the best team) for the ticket, each with a score and the reason. Staff with
    `tickets:read` who may see the ticket; `AiUnavailable` while admins have switched triage off."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    ticket = tickets.get_ticket(session, actor=actor, ticket_id=ticket_id)
    triage.require_enabled(session)
    text = triage.first_text(session, ticket_id, ticket.subject)
    return suggest(session, ticket_id=ticket_id, text=text, team_id=ticket.team.id if ticket.team else None)


def for_rules(session: Session, *, ticket_id: int, subject: str, body: str, team_id: int | None) -> int | None:
    """The agent a rule's `assign_suggested` gives the ticket: the best who can take it now; None when there is
    no such agent, too little history, or triage is switched off."""
    if not triage.enabled(session):
        return None
    found = suggest(session, ticket_id=ticket_id, text=triage.ticket_text(subject, body), team_id=team_id)
    return next((a.agent.id for a in found.agents if a.status == "available"), None)


__all__ = ["AgentSuggestions", "SuggestedAgent", "SuggestedTeam", "for_rules", "suggest", "suggest_agent"]
