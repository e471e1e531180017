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
- **replies**: public replies the agent wrote in the period;
- **handling time**: over those solved tickets on which presence recorded the agent's work (`ticket_work`: the
  ticket open in a visible tab, or a reply being written; see `services/presence.py`), the seconds the agent
  worked each one before its solve, as a median (and a mean); `handled` says how many tickets it is over.
Times are wall-clock seconds until business calendars exist (the SLA work of the admin issue).

Each call also gives the same figures for the period just before (for "change from last period") and a series
by day, week or month in the reader's time zone.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import Integer, Text, and_, case, cast, literal, or_, true
from sqlalchemy import select as core_select
from sqlmodel import Session, col, func, select

from autocrm.core.i18n import t
from autocrm.models import (
    AuditEntry,
    Message,
    SatisfactionRating,
    StatusCategory,
    Team,
    TeamMembership,
    Ticket,
    TicketSla,
    TicketWork,
    User,
)
from autocrm.models.enums import STAFF_ROLES
from autocrm.services import desk, teams
from autocrm.services.actor import TICKETS_READ, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.inputs import is_valid_id
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
    handled: int = 0  # solved tickets with recorded handling time
    handling_median_seconds: float | None = None
    handling_mean_seconds: float | None = None


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
    work: dict[int, float]  # solved ticket id -> the agent's recorded seconds on it before its solve


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


def resolution_seconds(created: datetime, solved: datetime) -> float:
    """A ticket's resolution time, as every figure here counts it: created to (last) solved, never negative."""
    return max(0.0, (solved - created).total_seconds())


def _seconds(pairs: Iterable[tuple[datetime, datetime]]) -> list[float]:
    return [max(0.0, (after - before).total_seconds()) for before, after in pairs]


def _figures(rows: _Rows, start: datetime, end: datetime) -> Figures:
    def inside(moment: datetime) -> bool:
        return start <= moment < end

    solves = [(tid, created, solved) for tid, created, solved in rows.solves if inside(solved)]
    resolution = [resolution_seconds(created, solved) for _, created, solved in solves]
    first = _seconds((created, responded) for created, responded in rows.first_responses if inside(responded))
    scores = [score for at, score in rows.ratings if inside(at)]
    reopened = sum(1 for tid, _, _ in solves if tid in rows.reopened_ids)
    handling = [rows.work[tid] for tid, _, _ in solves if tid in rows.work]
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
        handled=len(handling),
        handling_median_seconds=statistics.median(handling) if handling else None,
        handling_mean_seconds=statistics.fmean(handling) if handling else None,
    )


def _work(session: Session, agent_id: int, ticket_ids: list[int]) -> dict[int, float]:
    """The agent's recorded handling time on each of these tickets before its solve (tickets without any left out)."""
    work: dict[int, float] = {}
    for chunk_start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[chunk_start : chunk_start + 500]
        query = (
            select(TicketWork.ticket_id, func.sum(TicketWork.seconds))
            .join(Ticket, col(Ticket.id) == col(TicketWork.ticket_id))
            .where(
                TicketWork.user_id == agent_id,
                col(TicketWork.ticket_id).in_(chunk),
                col(TicketWork.started_at) < col(Ticket.solved_at),
            )
            .group_by(col(TicketWork.ticket_id))
        )
        for ticket_id, seconds in session.exec(query):
            if seconds:
                work[int(ticket_id)] = float(seconds)
    return work


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
        work=_work(session, agent_id, [tid for tid, _, _ in solves]),
    )


def _period(
    start: datetime | None, end: datetime | None, time_zone: str, now: datetime | None
) -> tuple[ZoneInfo, datetime, datetime]:
    """The reader's zone and the checked period `[start, end)` (default: the 30 days before now)."""
    zone = _zone(time_zone)
    end = _aware(end, zone) if end is not None else (now or datetime.now(UTC))
    start = _aware(start, zone) if start is not None else end - timedelta(days=30)
    if start >= end:
        raise field_error("from", t("The period must start before it ends."))
    if end - start > MAX_PERIOD:
        raise field_error("from", t("Ask for at most 400 days at a time."))
    return zone, start, end


def _may_read(session: Session, actor: Actor, agent_id: int) -> None:
    """Agents read their own figures, a team's leads its members' (the dashboard's drill-down), admins all."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    if actor.is_admin or actor.user_id == agent_id:
        return
    led = teams.led_team_ids(session, actor)
    query = select(TeamMembership.team_id).where(
        TeamMembership.user_id == agent_id, col(TeamMembership.team_id).in_(sorted(led))
    )
    if not led or session.exec(query).first() is None:
        raise PermissionDenied(t("Agents see their own figures; team leads their members'; admins everyone's."))


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
    _may_read(session, actor, agent_id)
    agent = session.get(User, agent_id)
    if agent is None or not agent.role.is_staff:
        raise NotFound(t("There is no agent #{agent_id}.", agent_id=agent_id))
    zone, start, end = _period(start, end, time_zone, now)
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


# ---- team and desk dashboards -------------------------------------------------------------------------
#
# The same definitions over a team's tickets (`ticket.team_id`) or the whole desk, counted and ranked in SQL so
# a year of a busy desk never comes into Python row by row:
# - **created**: tickets created in the period; **solved**, **first response** and **resolution** as above;
# - **backlog**: the unsolved tickets now (a status of the new, open, pending or on-hold category);
# - **SLA compliance**: of the tickets with an SLA solved in the period, the share that met every target: a
#   first response (or, with none, the solve) by its due time, the solve by the resolution due time, and no
#   next-response breach announced (`ticket_sla.breaches`);
# - **satisfaction**: the ratings given in the period to the team's tickets (CSAT, the share of 4s and 5s);
# - **agents**: each member's own figures, as their stats page shows them (their tickets in any team), so the
#   drill-down and the row agree.
# The series counts created and solved tickets per bucket, beside the same stretch of the period before.


class TeamFigures(BaseModel):
    created: int
    solved: int
    first_responses: int
    first_response_median_seconds: float | None
    resolution_median_seconds: float | None
    sla_met: int
    sla_breached: int
    sla_compliance: float | None  # met / (met + breached)
    ratings: int
    satisfaction_average: float | None
    csat: float | None


class FlowPoint(BaseModel):
    start: datetime  # the bucket's first instant, in the requested time zone
    created: int
    solved: int
    previous_created: int  # the same stretch of the period before
    previous_solved: int


class AgentRow(BaseModel):
    agent: PersonRef
    solved: int
    first_response_median_seconds: float | None
    resolution_median_seconds: float | None
    ratings: int
    csat: float | None


class TeamRef(BaseModel):
    id: int
    name: str


class TeamMetrics(BaseModel):
    team: TeamRef | None  # None: the whole desk
    start: datetime
    end: datetime
    interval: Interval
    time_zone: str
    backlog: int  # unsolved tickets now
    current: TeamFigures
    previous: TeamFigures  # the period of the same length just before `start`
    series: list[FlowPoint]
    agents: list[AgentRow]


def dashboard_teams(session: Session, *, actor: Actor) -> list[TeamRef]:
    """The teams whose dashboard this person may read: every team for admins, their own for team leads."""
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    query = select(Team.id, Team.name).order_by(func.lower(Team.name), col(Team.id))
    if not actor.is_admin:
        led = teams.led_team_ids(session, actor)
        if not led:
            return []
        query = query.where(col(Team.id).in_(sorted(led)))
    return [TeamRef(id=int(team_id), name=name) for team_id, name in session.exec(query) if team_id is not None]


def _may_read_team(session: Session, actor: Actor, team_id: int | None) -> Team | None:
    actor.require_scope(TICKETS_READ)
    actor.require_staff()
    team = session.get(Team, team_id) if team_id is not None and is_valid_id(team_id) else None
    if team_id is not None and team is None:
        raise NotFound(t("Team {team_id} not found.", team_id=team_id))
    if actor.is_admin:
        return team
    if team_id is None:
        raise PermissionDenied(t("Only admins see the whole desk's figures; team leads see their teams'."))
    if not teams.is_lead(session, actor, team_id):
        raise PermissionDenied(t("Only admins and this team's leads see its figures."))
    return team


def _between_seconds(session: Session, later: Any, earlier: Any) -> Any:
    """`later - earlier` in whole seconds, in SQL (each dialect has its own date arithmetic)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.floor(func.extract("epoch", later - earlier))
    return cast(func.strftime("%s", later), Integer) - cast(func.strftime("%s", earlier), Integer)


def _bucket_of(column: Any, bounds: list[datetime]) -> Any:
    """The index i with `bounds[i] <= column < bounds[i + 1]`, as a binary tree of CASEs (log2 tests a row)."""

    def tree(low: int, high: int) -> Any:
        if high - low == 1:
            return literal(low, Integer)
        middle = (low + high) // 2
        return case((column < bounds[middle], tree(low, middle)), else_=tree(middle, high))

    return tree(0, len(bounds) - 1)


def _count_groups(session: Session, key: Any, where: list[Any]) -> dict[int, int]:
    """Rows per value of `key` (grouped over a subquery: PostgreSQL will not match two CASEs' parameters)."""
    inner = select(key.label("g")).where(*where).subquery()
    query = select(inner.c.g, func.count()).group_by(inner.c.g)
    return {int(group): int(n) for group, n in session.exec(query).all()}


def _counts(session: Session, column: Any, bounds: list[datetime], scope: list[Any]) -> dict[int, int]:
    return _count_groups(session, _bucket_of(column, bounds), [column >= bounds[0], column < bounds[-1], *scope])


def _medians(session: Session, seconds: Any, key: Any, where: list[Any]) -> dict[Any, float]:
    """The median of `seconds` per value of `key` (the middle row, or the mean of the middle two), with window
    functions both dialects have; SQLite has no percentile."""
    ranked = (
        core_select(
            key.label("g"),
            seconds.label("s"),
            func.row_number().over(partition_by=key, order_by=seconds).label("rn"),
            func.count().over(partition_by=key).label("n"),
        )
        .where(*where)
        .subquery()
    )
    query = (
        core_select(ranked.c.g, func.avg(ranked.c.s))
        .where(ranked.c.rn >= (ranked.c.n + 1) // 2, ranked.c.rn <= (ranked.c.n + 2) // 2)
        .group_by(ranked.c.g)
    )
    return {group: float(median) for group, median in session.execute(query).all()}


def desk_resolution_median(session: Session, *, since: datetime | None = None) -> float | None:
    """The median resolution time (`resolution_seconds`) of the desk's tickets solved since then (all when None)."""
    solved_at = col(Ticket.solved_at)
    where = [solved_at.is_not(None)] + ([solved_at >= since] if since is not None else [])
    medians = _medians(
        session, _between_seconds(session, solved_at, col(Ticket.created_at)), literal(1, Integer), where
    )
    return next(iter(medians.values()), None)


def _ratings(session: Session, key: Any, where: list[Any]) -> dict[Any, tuple[int, float | None, float | None]]:
    inner = select(key.label("g"), col(SatisfactionRating.score).label("score")).where(*where).subquery()
    query = select(
        inner.c.g, func.count(), func.avg(inner.c.score), func.sum(case((inner.c.score >= 4, 1), else_=0))
    ).group_by(inner.c.g)
    out: dict[Any, tuple[int, float | None, float | None]] = {}
    for group, n, average, good in session.exec(query).all():
        out[group] = (int(n), float(average) if n else None, int(good or 0) / n if n else None)
    return out


def _team_figures(
    session: Session, scope: list[Any], start: datetime, end: datetime
) -> tuple[TeamFigures, TeamFigures]:
    """The figures of `[start, end)` and of the period of the same length before it, a few grouped queries."""
    before = start - (end - start)

    def period(column: Any) -> Any:
        return case((column < start, 0), else_=1)

    def inside(column: Any) -> list[Any]:
        return [column >= before, column < end]

    solved_at, created_at = col(Ticket.solved_at), col(Ticket.created_at)
    first_at = col(Ticket.first_response_at)

    def count_by_period(column: Any) -> dict[int, int]:
        return _count_groups(session, period(column), [*inside(column), *scope])

    created, solved, first = count_by_period(created_at), count_by_period(solved_at), count_by_period(first_at)
    resolution = _medians(
        session, _between_seconds(session, solved_at, created_at), period(solved_at), [*inside(solved_at), *scope]
    )
    response = _medians(
        session, _between_seconds(session, first_at, created_at), period(first_at), [*inside(first_at), *scope]
    )
    met = and_(
        or_(
            col(TicketSla.first_response_due_at).is_(None),
            func.coalesce(first_at, solved_at) <= col(TicketSla.first_response_due_at),
        ),
        or_(col(TicketSla.resolution_due_at).is_(None), solved_at <= col(TicketSla.resolution_due_at)),
        ~cast(TicketSla.breaches, Text).like("%next_response@%"),
    )
    with_sla = (
        select(period(solved_at).label("g"), case((met, 1), else_=0).label("ok"))
        .join(TicketSla, col(TicketSla.ticket_id) == col(Ticket.id))
        .where(*inside(solved_at), col(TicketSla.policy_id).is_not(None), *scope)
        .subquery()
    )
    sla = {
        int(key): (int(n_met or 0), int(n - (n_met or 0)))
        for key, n, n_met in session.exec(
            select(with_sla.c.g, func.count(), func.sum(with_sla.c.ok)).group_by(with_sla.c.g)
        ).all()
    }
    rated_at = col(SatisfactionRating.created_at)
    ratings = _ratings(
        session,
        period(rated_at),
        [col(SatisfactionRating.ticket_id) == col(Ticket.id), *inside(rated_at), *scope],
    )

    def figures(key: int) -> TeamFigures:
        met_count, breached = sla.get(key, (0, 0))
        n_ratings, average, csat = ratings.get(key, (0, None, None))
        return TeamFigures(
            created=int(created.get(key, 0)),
            solved=int(solved.get(key, 0)),
            first_responses=int(first.get(key, 0)),
            first_response_median_seconds=response.get(key),
            resolution_median_seconds=resolution.get(key),
            sla_met=met_count,
            sla_breached=breached,
            sla_compliance=met_count / (met_count + breached) if met_count + breached else None,
            ratings=n_ratings,
            satisfaction_average=average,
            csat=csat,
        )

    return figures(1), figures(0)


def _agent_rows(session: Session, team: Team | None, start: datetime, end: datetime) -> list[AgentRow]:
    """Each member's own figures for the period (the desk: every active staff member), busiest first."""
    people = select(User.id, User.name, User.role).where(col(User.is_active).is_(True))
    if team is not None:
        people = people.join(TeamMembership, col(TeamMembership.user_id) == col(User.id)).where(
            TeamMembership.team_id == team.id
        )
    else:
        people = people.where(col(User.role).in_(list(STAFF_ROLES)))
    members = [(int(uid), name, role) for uid, name, role in session.exec(people) if uid is not None]
    if not members:
        return []
    ids = [uid for uid, _, _ in members]
    solved_at, created_at, first_at = col(Ticket.solved_at), col(Ticket.created_at), col(Ticket.first_response_at)
    assignee = col(Ticket.assignee_id)
    # The desk's rows: every assignee's, kept for the staff listed (an IN over all the staff would walk the
    # assignee index through every ticket they ever had instead of the period's rows).
    mine = [assignee.in_(ids)] if team is not None else []
    solved = dict(
        session.exec(
            select(assignee, func.count()).where(solved_at >= start, solved_at < end, *mine).group_by(assignee)
        ).all()
    )
    resolution = _medians(
        session,
        _between_seconds(session, solved_at, created_at),
        assignee,
        [solved_at >= start, solved_at < end, *mine],
    )
    response = _medians(
        session, _between_seconds(session, first_at, created_at), assignee, [first_at >= start, first_at < end, *mine]
    )
    rated_at = col(SatisfactionRating.created_at)
    ratings = _ratings(
        session,
        col(SatisfactionRating.agent_id),
        [col(SatisfactionRating.agent_id).in_(ids) if team is not None else true(), rated_at >= start, rated_at < end],
    )
    rows = [
        AgentRow(
            agent=PersonRef(id=uid, name=name, role=role),
            solved=int(solved.get(uid, 0)),
            first_response_median_seconds=response.get(uid),
            resolution_median_seconds=resolution.get(uid),
            ratings=ratings.get(uid, (0, None, None))[0],
            csat=ratings.get(uid, (0, None, None))[2],
        )
        for uid, name, role in members
    ]
    return sorted(rows, key=lambda row: (-row.solved, row.agent.name.lower(), row.agent.id))


def _bounds(start: datetime, end: datetime, interval: Interval, zone: ZoneInfo) -> list[datetime]:
    """The buckets' edges: the period's start, each bucket start inside it, its end."""
    bounds = [start]
    bucket = _next_bucket(_bucket_start(start, interval, zone), interval)
    while bucket < end and len(bounds) < MAX_BUCKETS:
        bounds.append(bucket)
        bucket = _next_bucket(bucket, interval)
    return [*bounds, end]


def team_metrics(
    session: Session,
    *,
    actor: Actor,
    team_id: int | None,
    start: datetime | None = None,
    end: datetime | None = None,
    interval: Interval = "day",
    time_zone: str = "UTC",
    now: datetime | None = None,
) -> TeamMetrics:
    """A team's figures (or, with no team, the whole desk's) for `[start, end)` (default: the last 30 days),
    the period before, created and solved per bucket, and each member's figures. Admins read every team and
    the desk; a team's leads read theirs."""
    team = _may_read_team(session, actor, team_id)
    zone, start, end = _period(start, end, time_zone, now)
    length = end - start
    scope = [col(Ticket.team_id) == team.id] if team is not None else []
    current, previous = _team_figures(session, scope, start, end)
    bounds = _bounds(start, end, interval, zone)
    # The period before, cut at the same offsets, then this period's edges: one contiguous run of buckets.
    all_bounds = [edge - length for edge in bounds[:-1]] + bounds
    buckets = len(bounds) - 1
    created = _counts(session, col(Ticket.created_at), all_bounds, scope)
    solved = _counts(session, col(Ticket.solved_at), all_bounds, scope)
    series = [
        FlowPoint(
            start=_bucket_start(bounds[index], interval, zone),
            created=created.get(buckets + index, 0),
            solved=solved.get(buckets + index, 0),
            previous_created=created.get(index, 0),
            previous_solved=solved.get(index, 0),
        )
        for index in range(buckets)
    ]
    unsolved = [s.key for s in desk.statuses(session) if s.category not in _SOLVED]
    backlog = session.exec(
        select(func.count()).select_from(Ticket).where(col(Ticket.status).in_(unsolved), *scope)
    ).one()
    return TeamMetrics(
        team=TeamRef(id=int(team.id or 0), name=team.name) if team is not None else None,
        start=start,
        end=end,
        interval=interval,
        time_zone=time_zone,
        backlog=int(backlog),
        current=current,
        previous=previous,
        series=series,
        agents=_agent_rows(session, team, start, end),
    )


def _csv_seconds(value: float | None) -> str:
    return str(round(value)) if value is not None else ""


def _csv_share(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else ""


def team_metrics_csv(result: TeamMetrics) -> str:
    """The dashboard as a spreadsheet: the figures beside the period before, the series, then the agents;
    times in seconds and shares from 0 to 1, as the API gives them. Headers in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out)
    now, before = result.current, result.previous
    writer.writerow([t("Figure"), t("This period"), t("Period before")])
    writer.writerow([t("Backlog (unsolved now)"), result.backlog, ""])
    for label, current_value, previous_value in (
        (t("Created"), now.created, before.created),
        (t("Solved"), now.solved, before.solved),
        (
            t("First response, median (seconds)"),
            _csv_seconds(now.first_response_median_seconds),
            _csv_seconds(before.first_response_median_seconds),
        ),
        (
            t("Resolution, median (seconds)"),
            _csv_seconds(now.resolution_median_seconds),
            _csv_seconds(before.resolution_median_seconds),
        ),
        (t("SLA met"), now.sla_met, before.sla_met),
        (t("SLA breached"), now.sla_breached, before.sla_breached),
        (t("SLA compliance (share)"), _csv_share(now.sla_compliance), _csv_share(before.sla_compliance)),
        (t("Ratings"), now.ratings, before.ratings),
        (t("CSAT (share of 4 and 5)"), _csv_share(now.csat), _csv_share(before.csat)),
    ):
        writer.writerow([label, current_value, previous_value])
    writer.writerow([])
    writer.writerow(
        [t("Period starting"), t("Created"), t("Solved"), t("Created, period before"), t("Solved, period before")]
    )
    for point in result.series:
        writer.writerow(
            [point.start.isoformat(), point.created, point.solved, point.previous_created, point.previous_solved]
        )
    writer.writerow([])
    writer.writerow(
        [
            t("Agent"),
            t("Solved"),
            t("First response, median (seconds)"),
            t("Resolution, median (seconds)"),
            t("Ratings"),
            t("CSAT (share of 4 and 5)"),
        ]
    )
    for row in result.agents:
        writer.writerow(
            [
                row.agent.name,
                row.solved,
                _csv_seconds(row.first_response_median_seconds),
                _csv_seconds(row.resolution_median_seconds),
                row.ratings,
                _csv_share(row.csat),
            ]
        )
    return out.getvalue()


def csv_filename(result: TeamMetrics) -> str:
    """`autocrm-<team id or desk>-<first day>-<last day>.csv`, safe in any Content-Disposition."""
    who = f"team-{result.team.id}" if result.team is not None else "desk"
    first = result.start.astimezone(ZoneInfo(result.time_zone)).date()
    last = (result.end - timedelta(microseconds=1)).astimezone(ZoneInfo(result.time_zone)).date()
    return f"autocrm-{who}-{first.isoformat()}-{last.isoformat()}.csv"
