"""Agent metrics: the figures behind the personal stats (and, for a set of agents, the team dashboards).

One definition of each figure, for one agent over a period `[start, end)`:
- **solved**: tickets assigned to the agent whose (last) solve falls in the period (`ticket.solved_at`; a
  reopened ticket loses its solve, and its next solve counts then);
- **resolution time**: created to solved, over those tickets;
- **first response time**: created to the first public staff reply, over the agent's tickets whose first
  response falls in the period;
- **reopen rate**: the share of those solved tickets that were ever moved from solved back to an unsolved
  status (from the audit trail);
- **satisfaction**: the ratings given in the period to tickets the agent worked: the average score (1-5) and
  CSAT, the share of 4 and 5;
- **replies**: public replies the agent wrote in the period.
Times are wall-clock seconds until business calendars exist (the SLA work of the admin issue). Handling time
needs presence, which the desk does not record yet, so it is not offered rather than guessed.

Each call also gives the same figures for the period just before (for "change from last period") and a series
by day, week or month in the reader's time zone.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlmodel import Session, col, select

from autocrm.core.i18n import t
from autocrm.models import AuditEntry, Message, SatisfactionRating, StatusCategory, Ticket, User
from autocrm.services import desk
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.tickets import PersonRef

Interval = Literal["day", "week", "month"]
MAX_PERIOD = timedelta(days=400)
MAX_BUCKETS = 400
_SOLVED = (StatusCategory.solved, StatusCategory.closed)


class Figures(BaseModel):
    solved: int
    replies: int
    first_responses: int
    first_response_median_seconds: float | None
    first_response_mean_seconds: float | None
    resolution_median_seconds: float | None
    resolution_mean_seconds: float | None
    reopened: int
    reopen_rate: float | None  # reopened / solved
    ratings: int
    satisfaction_average: float | None  # 1-5
    csat: float | None  # share of 4s and 5s


class SeriesPoint(Figures):
    start: datetime  # the bucket's first instant, in the requested time zone


class AgentMetrics(BaseModel):
    agent: PersonRef
    start: datetime
    end: datetime
    interval: Interval
    time_zone: str
    current: Figures
    previous: Figures  # the period of the same length just before `start`
    series: list[SeriesPoint]


@dataclass(frozen=True)
class _Rows:
    solves: list[tuple[int, datetime, datetime]]  # ticket id, created, solved
    first_responses: list[tuple[datetime, datetime]]  # created, first response
    replies: list[datetime]
    ratings: list[tuple[datetime, int]]
    reopened_ids: frozenset[int]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise field_error(
            "time_zone", t("Unknown time zone {name}: use an IANA name such as Europe/Berlin.", name=repr(name))
        ) from error


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _bucket_start(moment: datetime, interval: Interval, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    day = local.date()
    if interval == "week":
        day = day - timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _next_bucket(start: datetime, interval: Interval) -> datetime:
    day: date = start.date()
    if interval == "day":
        day += timedelta(days=1)
    elif interval == "week":
        day += timedelta(days=7)
    else:
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return datetime(day.year, day.month, day.day, tzinfo=start.tzinfo)


def _seconds(pairs: Iterable[tuple[datetime, datetime]]) -> list[float]:
    return [max(0.0, (after - before).total_seconds()) for before, after in pairs]


def _figures(rows: _Rows, start: datetime, end: datetime) -> Figures:
    def inside(moment: datetime) -> bool:
        return start <= moment < end

    solves = [(tid, created, solved) for tid, created, solved in rows.solves if inside(solved)]
    resolution = _seconds((created, solved) for _, created, solved in solves)
    first = _seconds((created, responded) for created, responded in rows.first_responses if inside(responded))
    scores = [score for at, score in rows.ratings if inside(at)]
    reopened = sum(1 for tid, _, _ in solves if tid in rows.reopened_ids)
    return Figures(
        solved=len(solves),
        replies=sum(1 for at in rows.replies if inside(at)),
        first_responses=len(first),
        first_response_median_seconds=statistics.median(first) if first else None,
        first_response_mean_seconds=statistics.fmean(first) if first else None,
        resolution_median_seconds=statistics.median(resolution) if resolution else None,
        resolution_mean_seconds=statistics.fmean(resolution) if resolution else None,
        reopened=reopened,
        reopen_rate=reopened / len(solves) if solves else None,
        ratings=len(scores),
        satisfaction_average=statistics.fmean(scores) if scores else None,
        csat=sum(1 for s in scores if s >= 4) / len(scores) if scores else None,
    )


def _reopened(session: Session, ticket_ids: list[int]) -> frozenset[int]:
    """The tickets among these that the audit trail shows moving from a solved status back to an unsolved one."""
    if not ticket_ids:
        return frozenset()
    solved_keys = {s.key for s in desk.statuses(session) if s.category in _SOLVED}
    reopened: set[int] = set()
    for chunk_start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[chunk_start : chunk_start + 500]
        entries = session.exec(
            select(AuditEntry.object_id, AuditEntry.changes).where(
                AuditEntry.object_type == "ticket", col(AuditEntry.object_id).in_(chunk)
            )
        )
        for object_id, changes in entries:
            status = (changes or {}).get("status")
            if object_id is not None and status and status[0] in solved_keys and status[1] not in solved_keys:
                reopened.add(object_id)
    return frozenset(reopened)


def _rows(session: Session, agent_id: int, start: datetime, end: datetime) -> _Rows:
    solves = [
        (int(tid), created, solved)
        for tid, created, solved in session.exec(
            select(Ticket.id, Ticket.created_at, Ticket.solved_at).where(
                Ticket.assignee_id == agent_id,
                col(Ticket.solved_at) >= start,
                col(Ticket.solved_at) < end,
            )
        )
        if tid is not None and solved is not None
    ]
    first_responses = [
        (created, responded)
        for created, responded in session.exec(
            select(Ticket.created_at, Ticket.first_response_at).where(
                Ticket.assignee_id == agent_id,
                col(Ticket.first_response_at) >= start,
                col(Ticket.first_response_at) < end,
            )
        )
        if responded is not None
    ]
    replies = list(
        session.exec(
            select(Message.created_at).where(
                Message.author_id == agent_id,
                col(Message.internal).is_(False),
                col(Message.created_at) >= start,
                col(Message.created_at) < end,
            )
        )
    )
    ratings = [
        (at, score)
        for at, score in session.exec(
            select(SatisfactionRating.created_at, SatisfactionRating.score).where(
                SatisfactionRating.agent_id == agent_id,
                col(SatisfactionRating.created_at) >= start,
                col(SatisfactionRating.created_at) < end,
            )
        )
    ]
    return _Rows(
        solves=solves,
        first_responses=first_responses,
        replies=replies,
        ratings=ratings,
        reopened_ids=_reopened(session, [tid for tid, _, _ in solves]),
    )


def _may_read(actor: Actor, agent_id: int) -> None:
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    if not actor.is_admin and actor.user_id != agent_id:
        raise PermissionDenied(t("Agents see their own figures; admins see everyone's."))


def agent_metrics(
    session: Session,
    *,
    actor: Actor,
    agent_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    interval: Interval = "day",
    time_zone: str = "UTC",
    now: datetime | None = None,
) -> AgentMetrics:
    """One agent's figures for `[start, end)` (default: the last 30 days), the period before, and a series."""
    _may_read(actor, agent_id)
    agent = session.get(User, agent_id)
    if agent is None or not agent.role.is_staff:
        raise NotFound(t("There is no agent #{agent_id}.", agent_id=agent_id))
    zone = _zone(time_zone)
    end = _aware(end, zone) if end is not None else (now or datetime.now(UTC))
    start = _aware(start, zone) if start is not None else end - timedelta(days=30)
    if start >= end:
        raise field_error("from", t("The period must start before it ends."))
    if end - start > MAX_PERIOD:
        raise field_error("from", t("Ask for at most 400 days at a time."))
    length = end - start
    rows = _rows(session, agent_id, start - length, end)
    series: list[SeriesPoint] = []
    bucket = _bucket_start(start, interval, zone)
    while bucket < end and len(series) < MAX_BUCKETS:
        following = _next_bucket(bucket, interval)
        figures = _figures(rows, max(bucket, start), min(following, end))
        series.append(SeriesPoint(start=bucket, **figures.model_dump()))
        bucket = following
    return AgentMetrics(
        agent=PersonRef(id=agent_id, name=agent.name, role=agent.role),
        start=start,
        end=end,
        interval=interval,
        time_zone=time_zone,
        current=_figures(rows, start, end),
        previous=_figures(rows, start - length, start),
        series=series,
    )
