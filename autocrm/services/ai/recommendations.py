"""For an agent, from their own work: queue filters worth saving as a view, and personal tips with the figures
behind each. No LLM: counts and medians over the desk's own records, so every suggestion says what it stands on.

- **Recommended filters**: the tags (alone, or with a priority above the default) and teams of the tickets the
  agent was assigned in the last weeks, most frequent first, skipping what one of their views already shows.
- **Tips**: the agent's median first response per weekday against the team's (everyone's) over the same weeks,
  where theirs is clearly slower on enough tickets to mean something.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

from babel.dates import get_day_names
from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core import i18n
from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import Team, Ticket, TicketTag, User
from autocrm.models.base import utcnow
from autocrm.services import desk, views
from autocrm.services.actor import AI_USE, TICKETS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied
from autocrm.services.tickets import UNSOLVED_CATEGORIES

FILTER_DAYS = 30
MIN_TICKETS = 3
MIN_SHARE = 0.15
TIP_WEEKS = 8
# A weekday becomes a tip when the agent's median is this much above the team's, on at least this many tickets.
SLOWER_BY = 1.25
MIN_DAY_TICKETS = 5


class RecommendedFilter(BaseModel):
    label: str
    filters: dict[str, Any]  # a saved view's filters (`TicketFilter`'s shape)
    tickets: int  # of the agent's tickets in the period
    share: float
    reason: str


class PersonalTip(BaseModel):
    text: str
    figures: dict[str, Any]  # what the tip says, as numbers: the weekday, both medians in seconds, the counts


class AgentRecommendations(BaseModel):
    agent_id: int
    filters: list[RecommendedFilter]
    tips: list[PersonalTip]


def _agent(session: Session, actor: Actor, agent_id: int | None) -> Actor | None:
    """Whose work the suggestions come from: the acting person's own by default; admins may ask for any
    agent's (as for an agent's figures). None: nobody's (an API key acting for no one)."""
    actor.require_staff()
    if agent_id is None or agent_id == actor.user_id:
        return actor if actor.user_id is not None else None
    if not actor.is_admin:
        raise PermissionDenied(t("Agents see their own recommendations; admins see everyone's."))
    agent = session.get(User, agent_id)
    if agent is None or not agent.role.is_staff:
        raise NotFound(t("There is no agent #{agent_id}.", agent_id=agent_id))
    return Actor.for_user(agent)


def for_agent(session: Session, *, actor: Actor, agent_id: int) -> AgentRecommendations:
    """The REST shape: one agent's recommended filters and tips (`ai:use` and `tickets:read`)."""
    actor.require_scope(AI_USE)
    actor.require_scope(TICKETS_READ)
    return AgentRecommendations(
        agent_id=agent_id,
        filters=recommended_filters(session, actor=actor, agent_id=agent_id),
        tips=personal_tips(session, actor=actor, agent_id=agent_id),
    )


def recommended_filters(
    session: Session, *, actor: Actor, agent_id: int | None = None, limit: int = 3
) -> list[RecommendedFilter]:
    """Staff only: from the agent's own tickets (the acting person's unless an admin names another agent)."""
    agent = _agent(session, actor, agent_id)
    if agent is None or agent.user_id is None:
        return []
    since = utcnow() - timedelta(days=FILTER_DAYS)
    mine = session.exec(
        select(Ticket.id, Ticket.priority, Ticket.team_id).where(
            Ticket.assignee_id == agent.user_id, col(Ticket.updated_at) >= since
        )
    ).all()
    if len(mine) < MIN_TICKETS:
        return []
    priority_of = {stored_id(ticket_id): priority for ticket_id, priority, _team in mine}
    tags = session.exec(
        select(TicketTag.ticket_id, TicketTag.tag).where(col(TicketTag.ticket_id).in_(list(priority_of)))
    ).all()
    vocabulary = desk.vocabulary(session)
    default_rank = next((p.rank for p in vocabulary.priorities.values() if p.is_default), 0)
    raised = {key for key, p in vocabulary.priorities.items() if p.rank > default_rank}
    unsolved = sorted(c.value for c in UNSOLVED_CATEGORIES)
    counts: Counter[tuple[str, ...]] = Counter()
    for ticket_id, tag in tags:
        counts[("tag", tag)] += 1
        if priority_of[ticket_id] in raised:
            counts[("tag+priority", tag, priority_of[ticket_id])] += 1
    teams = dict(_team_names(session))
    for _ticket, _priority, team_id in mine:
        if team_id is not None:
            counts[("team", str(team_id))] += 1
    existing = [view.filters for view in views.list_views(session, actor=agent)]
    found = []
    for key, count in counts.most_common():
        share = count / len(mine)
        if count < MIN_TICKETS or share < MIN_SHARE:
            continue
        filters, label = _filter_for(key, vocabulary, teams, unsolved)
        if not label or any(_covers(view, filters) for view in existing):
            continue
        found.append(
            RecommendedFilter(
                label=label,
                filters=filters,
                tickets=count,
                share=round(share, 3),
                reason=t(
                    "{count} of your {total} tickets in the last {days} days",
                    count=i18n.format_number(count),
                    total=i18n.format_number(len(mine)),
                    days=FILTER_DAYS,
                ),
            )
        )
        if len(found) == limit:
            break
    return found


def _team_names(session: Session) -> list[tuple[str, str]]:
    return [(str(team_id), name) for team_id, name in session.exec(select(Team.id, Team.name)).all()]


def _filter_for(
    key: tuple[str, ...], vocabulary: desk.Vocabulary, teams: dict[str, str], unsolved: list[str]
) -> tuple[dict[str, Any], str]:
    base: dict[str, Any] = {"status_category": unsolved}
    if key[0] == "tag":
        return {**base, "tags_any": [key[1]]}, t("Tagged “{tag}”", tag=key[1])
    if key[0] == "tag+priority":
        priority = vocabulary.priorities.get(key[2])
        name = t(priority.name) if priority else key[2]
        return {**base, "tags_any": [key[1]], "priority": [key[2]]}, t("“{tag}”, {priority}", tag=key[1], priority=name)
    if key[0] == "team" and key[1] in teams:
        return {**base, "team_id": int(key[1])}, t("Team {team}", team=teams[key[1]])
    return {}, ""


def _covers(view_filters: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether a view already shows what the filter would: same tags, priority and team (its status aside)."""
    keys = ("tags_any", "priority", "team_id")
    return all(view_filters.get(k) == filters.get(k) for k in keys) and any(view_filters.get(k) for k in keys)


def personal_tips(session: Session, *, actor: Actor, agent_id: int | None = None) -> list[PersonalTip]:
    """Staff only: where the agent's first responses (the acting person's unless an admin names another agent)
    are slower than the team's, by weekday in the agent's own time zone, over the last weeks."""
    agent = _agent(session, actor, agent_id)
    if agent is None or agent.user_id is None:
        return []
    since = utcnow() - timedelta(weeks=TIP_WEEKS)
    rows = session.exec(
        select(Ticket.assignee_id, Ticket.created_at, Ticket.first_response_at).where(
            col(Ticket.created_at) >= since,
            col(Ticket.first_response_at).is_not(None),
            col(Ticket.assignee_id).is_not(None),
        )
    ).all()
    me = session.get(User, agent.user_id)
    zone = i18n.zone((me.time_zone if me else None) or i18n.default_time_zone())
    mine: dict[int, list[float]] = {}
    everyone: dict[int, list[float]] = {}
    for assignee, created, responded in rows:
        if responded is None or responded < created:
            continue
        weekday = created.astimezone(zone).weekday()
        seconds = (responded - created).total_seconds()
        everyone.setdefault(weekday, []).append(seconds)
        if assignee == agent.user_id:
            mine.setdefault(weekday, []).append(seconds)
    days = get_day_names("wide", locale=i18n.get_locale())
    tips = []
    for weekday in sorted(mine):
        own, team = mine[weekday], everyone[weekday]
        if len(own) < MIN_DAY_TICKETS or len(team) <= len(own):
            continue
        own_median, team_median = statistics.median(own), statistics.median(team)
        if team_median <= 0 or own_median < team_median * SLOWER_BY:
            continue
        tips.append(
            PersonalTip(
                text=t(
                    "Your first response on {day} takes {yours} (median of {count} tickets); the team's takes "
                    "{team}. Over the last {weeks} weeks.",
                    day=days[weekday],
                    yours=i18n.format_duration(own_median),
                    count=len(own),
                    team=i18n.format_duration(team_median),
                    weeks=TIP_WEEKS,
                ),
                figures={
                    "weekday": weekday,
                    "your_median_seconds": round(own_median),
                    "team_median_seconds": round(team_median),
                    "your_tickets": len(own),
                    "team_tickets": len(team),
                    "weeks": TIP_WEEKS,
                },
            )
        )
    return tips
