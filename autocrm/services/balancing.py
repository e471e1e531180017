"""Load balancing: a team's unassigned tickets handed to the members who can take them.

A ticket is handed out when it is in a team whose `balancing` is not `manual`, has no assignee and is not
solved or closed. It goes only to a member who is active, `online` (`agents.set_availability`), on shift
(`teams.on_shift`), under their capacity (unsolved tickets assigned to them, `agents.set_capacity`) and has
every skill the ticket requires at its level (`set_requirements`, a routing rule's `required_skills`). Of
those, the ones whose own time zone is in working hours now (09:00-17:00 on a weekday: the team's zone when
they chose none) come first; then the team's mode decides:

- `round_robin`: the next member after the one who got the team's last ticket, in member order;
- `least_loaded`: the fewest unsolved tickets, round-robin order between equals;
- `skills_first`: the highest levels in the required skills, then the fewest unsolved tickets.

`assign_ticket` is an in-transaction listener after the routing rules: a new ticket (or one that got a team,
lost its assignee or was reopened) is assigned before anyone sees it, through `tickets.update_ticket` as the
system actor `balancing:<mode>:<team>` with `via="rule"`, so it is validated, audited, emitted and named in
the timeline like a rule's change. When nobody fits, the ticket waits unassigned in the team's queue and
`offer_waiting` hands it out later: after commit when someone could have become free (a ticket solved or
reassigned, an agent back online, a capacity raised, members or shifts changed) and every minute from the
schedule (`events/schedule.py`), which is what catches a shift starting.

The team's row is locked while it hands out (`FOR UPDATE` on PostgreSQL; SQLite has one writer), so two
tickets arriving at once neither both go to the same "least loaded" agent past their capacity nor skip a
turn of the round robin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import (
    AgentProfile,
    AgentSkill,
    Availability,
    Balancing,
    SlaPolicy,
    StatusCategory,
    Team,
    TeamMembership,
    Ticket,
    TicketPriority,
    TicketRouting,
    User,
)
from autocrm.models.base import utcnow
from autocrm.models.tickets import TicketStatus
from autocrm.services import agents, audit, events, teams, tickets
from autocrm.services.actor import TICKETS_WRITE, Actor
from autocrm.services.business_hours import Calendar
from autocrm.services.errors import DomainError, field_error
from autocrm.services.events import Event
from autocrm.services.inputs import DbId, ServiceInput

log = logging.getLogger(__name__)

LISTENER = "balancing.assign"
OFFER_LISTENER = "balancing.offer"
_DONE = (StatusCategory.solved, StatusCategory.closed)
# An agent's own working hours, for the preference of agents whose day it is.
LOCAL_DAY = (time(9), time(17))
# Waiting tickets one offer run hands out at most (the next run goes on).
OFFER_BATCH = 200


class SkillNeed(ServiceInput):
    skill_id: DbId
    level: int = Field(default=1, ge=1, le=5)


class RequirementsPublic(BaseModel):
    ticket_id: int
    required_skills: list[dict[str, int]]
    sla_policy_id: int | None


@dataclass
class MemberState:
    user_id: int
    on_shift: bool
    availability: Availability
    load: int
    capacity: int | None
    active: bool
    time_zone: str
    skills: dict[int, int] = field(default_factory=dict)

    @property
    def can_take(self) -> bool:
        return (
            self.active
            and self.on_shift
            and self.availability == Availability.online
            and (self.capacity is None or self.load < self.capacity)
        )

    def has(self, needs: list[dict[str, int]]) -> bool:
        return all(self.skills.get(need["skill_id"], 0) >= need["level"] for need in needs)


# ---- what a ticket needs ------------------------------------------------------------------------------


def requirements_of(session: Session, ticket_id: int) -> list[dict[str, int]]:
    """The skills the ticket needs; one deleted since (`agents.delete_skill`) is needed no more."""
    from autocrm.models import Skill

    row = session.get(TicketRouting, ticket_id)
    if row is None or not row.required_skills:
        return []
    wanted = [int(need["skill_id"]) for need in row.required_skills]
    existing = set(session.exec(select(Skill.id).where(col(Skill.id).in_(wanted))))
    return [need for need in row.required_skills if int(need["skill_id"]) in existing]


def get_requirements(session: Session, *, actor: Actor, ticket_id: int) -> RequirementsPublic:
    from autocrm.services.tickets.reads import visible_ticket

    visible_ticket(session, actor, ticket_id)
    actor.require_staff()
    row = session.get(TicketRouting, ticket_id)
    return RequirementsPublic(
        ticket_id=ticket_id,
        required_skills=list(row.required_skills) if row else [],
        sla_policy_id=row.sla_policy_id if row else None,
    )


_UNSET: Any = object()


def set_requirements(
    session: Session,
    *,
    actor: Actor,
    ticket_id: int,
    required_skills: list[SkillNeed] | None = None,
    sla_policy_id: int | None = _UNSET,
) -> RequirementsPublic:
    """The skills the ticket's assignee must have (None: unchanged, []: none) and the SLA policy that applies to it
    whatever the policies' conditions (None: the usual choice). Staff, like any change of a ticket."""
    from autocrm.models import Skill
    from autocrm.services.tickets.reads import visible_ticket

    visible_ticket(session, actor, ticket_id, scope=TICKETS_WRITE)
    actor.require_staff()
    row = session.get(TicketRouting, ticket_id)
    before: dict[str, Any] = {
        "required_skills": list(row.required_skills) if row else [],
        "sla_policy_id": row.sla_policy_id if row else None,
    }
    after = dict(before)
    if required_skills is not None:
        needs: dict[int, int] = {}
        for need in required_skills:
            if session.get(Skill, need.skill_id) is None:
                raise field_error("required_skills", t("There is no skill #{skill_id}.", skill_id=need.skill_id))
            needs[need.skill_id] = max(need.level, needs.get(need.skill_id, 0))
        after["required_skills"] = [{"skill_id": k, "level": v} for k, v in sorted(needs.items())]
    if sla_policy_id is not _UNSET:
        if sla_policy_id is not None and session.get(SlaPolicy, sla_policy_id) is None:
            raise field_error("sla_policy_id", t("There is no SLA policy #{policy_id}.", policy_id=sla_policy_id))
        after["sla_policy_id"] = sla_policy_id
    changes = audit.diff(before, after)
    if changes:
        row = row or TicketRouting(ticket_id=ticket_id)
        row.required_skills, row.sla_policy_id = after["required_skills"], after["sla_policy_id"]
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        audit.record(
            session, actor=actor, action="ticket.update", object_type="ticket", object_id=ticket_id, changes=changes
        )
        events.emit(
            session, "ticket.updated", actor=actor, ticket_id=ticket_id, data={"changes": audit.plain_changes(changes)}
        )
    return RequirementsPublic(
        ticket_id=ticket_id, required_skills=after["required_skills"], sla_policy_id=after["sla_policy_id"]
    )


# ---- who can take a ticket ------------------------------------------------------------------------------


def _unsolved_statuses() -> Any:
    return select(TicketStatus.key).where(col(TicketStatus.category).not_in(list(_DONE)))


def open_loads(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Each agent's unsolved tickets (any status but solved and closed)."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(Ticket.assignee_id, func.count())
        .where(col(Ticket.assignee_id).in_(user_ids), col(Ticket.status).in_(_unsolved_statuses()))
        .group_by(col(Ticket.assignee_id))
    )
    return {stored_id(user_id): count for user_id, count in rows}


def team_pool(session: Session, team: Team, at: datetime) -> list[MemberState]:
    """Every member of the team and whether they can take a ticket now."""
    team_id = stored_id(team.id)
    member_ids = sorted(session.exec(select(TeamMembership.user_id).where(TeamMembership.team_id == team_id)))
    if not member_ids:
        return []
    working = teams.on_shift(session, team, at)
    loads = open_loads(session, member_ids)
    profiles = {
        p.user_id: p for p in session.exec(select(AgentProfile).where(col(AgentProfile.user_id).in_(member_ids)))
    }
    people = {stored_id(u.id): u for u in session.exec(select(User).where(col(User.id).in_(member_ids)))}
    skills: dict[int, dict[int, int]] = {}
    for user_id, skill_id, level in session.exec(
        select(AgentSkill.user_id, AgentSkill.skill_id, AgentSkill.level).where(col(AgentSkill.user_id).in_(member_ids))
    ):
        skills.setdefault(user_id, {})[skill_id] = level
    pool = []
    for user_id in member_ids:
        person = people[user_id]
        profile = profiles.get(user_id)
        pool.append(
            MemberState(
                user_id=user_id,
                on_shift=user_id in working,
                availability=profile.availability if profile else Availability.online,
                load=loads.get(user_id, 0),
                capacity=profile.max_open_tickets if profile else None,
                active=person.is_active and person.role.is_staff,
                time_zone=person.time_zone or team.time_zone,
                skills=skills.get(user_id, {}),
            )
        )
    return pool


def _in_local_day(state: MemberState, at: datetime) -> bool:
    try:
        return Calendar.office(state.time_zone, *LOCAL_DAY).is_open(at)
    except Exception:  # a zone the system no longer knows: no preference either way
        return False


def _round_robin_key(team: Team, member_ids: list[int]) -> dict[int, int]:
    """Each member's place in the rotation: the one after the last to get a ticket comes first."""
    ordered = sorted(member_ids)
    last = team.last_assigned_id
    start = next((i for i, user_id in enumerate(ordered) if last is not None and user_id > last), 0)
    rotated = ordered[start:] + ordered[:start]
    return {user_id: place for place, user_id in enumerate(rotated)}


def choose(
    team: Team,
    pool: list[MemberState],
    needs: list[dict[str, int]],
    at: datetime,
    *,
    skip: frozenset[int] = frozenset(),
) -> MemberState | None:
    """The member the team's mode picks for a ticket with these needs, or None when nobody fits."""
    fit = [m for m in pool if m.can_take and m.has(needs) and m.user_id not in skip]
    if not fit:
        return None
    in_day = [m for m in fit if _in_local_day(m, at)]
    fit = in_day or fit
    place = _round_robin_key(team, [m.user_id for m in pool])
    if team.balancing == Balancing.round_robin:
        return min(fit, key=lambda m: place[m.user_id])
    if team.balancing == Balancing.least_loaded:
        return min(fit, key=lambda m: (m.load, place[m.user_id]))

    def skill_score(member: MemberState) -> int:
        return sum(member.skills.get(need["skill_id"], 0) for need in needs)

    return min(fit, key=lambda m: (-skill_score(m), m.load, place[m.user_id]))


# ---- handing out -------------------------------------------------------------------------------------------


def _locked_team(session: Session, team_id: int) -> Team | None:
    return session.exec(
        select(Team).where(Team.id == team_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def _waits_for_balancing(session: Session, ticket: Ticket) -> bool:
    if ticket.team_id is None or ticket.assignee_id is not None:
        return False
    status = session.get(TicketStatus, ticket.status)
    return status is not None and status.category not in _DONE


def _give(session: Session, team: Team, ticket_id: int, member: MemberState) -> bool:
    """Assigns the ticket to the member as the team's balancer; False when the ticket service refused."""
    balancer = Actor.system(f"balancing:{team.balancing.value}:{team.name}", via="rule")
    try:
        with session.begin_nested():
            tickets.update_ticket(
                session, actor=balancer, ticket_id=ticket_id, data=tickets.TicketUpdate(assignee_id=member.user_id)
            )
    except DomainError as error:
        log.warning("Balancing could not assign ticket %s to %s: %s", ticket_id, member.user_id, error.code)
        return False
    member.load += 1
    team.last_assigned_id = member.user_id
    team.updated_at = utcnow()
    session.add(team)
    return True


def offer_ticket(
    session: Session, ticket_id: int, *, now: datetime | None = None, skip: frozenset[int] = frozenset()
) -> bool:
    """Hands the ticket to a member of its team if it waits for one and someone fits; True when it did."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not _waits_for_balancing(session, ticket):
        return False
    team = session.get(Team, ticket.team_id)
    if team is None or team.balancing == Balancing.manual:
        return False
    team = _locked_team(session, stored_id(team.id))
    if team is None:
        return False
    now = now or utcnow()
    member = choose(team, team_pool(session, team, now), requirements_of(session, ticket_id), now, skip=skip)
    return member is not None and _give(session, team, ticket_id, member)


def wants_assignment(event: Event) -> bool:
    if event.type == "ticket.created":
        return True
    changes = (event.data or {}).get("changes") or {}
    return bool({"team_id", "assignee_id", "status", "required_skills"} & set(changes))


def assign_ticket(session: Session, event: Event) -> bool:
    """The in-transaction listener: a ticket that waits in a balancing team gets its assignee now, if anyone fits."""
    if event.ticket_id is None:
        return False
    changes = (event.data or {}).get("changes") or {}
    # Whoever just handed the ticket back is not handed it again at once.
    unassigned = changes.get("assignee_id")
    skip = frozenset([unassigned[0]]) if unassigned and unassigned[1] is None and unassigned[0] else frozenset()
    return offer_ticket(session, event.ticket_id, skip=skip)


def waiting_count(session: Session, team_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.team_id == team_id,
            col(Ticket.assignee_id).is_(None),
            col(Ticket.status).in_(_unsolved_statuses()),
        )
    ).one()


def offer_waiting(session: Session, *, team_ids: set[int] | None = None, now: datetime | None = None) -> int:
    """Hands out the waiting tickets of the balancing teams (or of these), most urgent and oldest first, while
    someone fits. Returns how many were assigned."""
    now = now or utcnow()
    query = select(Team.id).where(col(Team.balancing) != Balancing.manual).order_by(col(Team.id))
    if team_ids is not None:
        query = query.where(col(Team.id).in_(sorted(team_ids)))
    assigned = 0
    for team_id in list(session.exec(query)):
        team = _locked_team(session, stored_id(team_id))
        if team is None:
            continue
        pool = team_pool(session, team, now)
        if not any(m.can_take for m in pool):
            continue
        waiting = session.exec(
            select(Ticket.id)
            .join(TicketPriority, col(TicketPriority.key) == col(Ticket.priority))
            .where(
                Ticket.team_id == team_id,
                col(Ticket.assignee_id).is_(None),
                col(Ticket.status).in_(_unsolved_statuses()),
            )
            .order_by(col(TicketPriority.rank).desc(), col(Ticket.created_at), col(Ticket.id))
            .limit(OFFER_BATCH - assigned)
        ).all()
        for ticket_id in waiting:
            member = choose(team, pool, requirements_of(session, stored_id(ticket_id)), now)
            if member is not None and _give(session, team, stored_id(ticket_id), member):
                assigned += 1
            if not any(m.can_take for m in pool):
                break
        if assigned >= OFFER_BATCH:
            break
    return assigned


def _teams_freed_by(session: Session, event: Event) -> set[int] | None:
    """The balancing teams in which the event may have made someone able to take a ticket (None: all)."""
    data = event.data or {}
    if event.type == agents.SKILL_DELETED:  # tickets anywhere may have needed it
        return None
    if event.type in (teams.MEMBERS_CHANGED, teams.SHIFTS_CHANGED, teams.TEAM_UPDATED):
        return {int(data["team_id"])} if data.get("team_id") else set()
    if "user_id" in data:  # availability, capacity, skills
        return teams.team_ids_of(session, [int(data["user_id"])])
    if event.ticket_id is None:
        return set()
    people: set[int] = set()
    assignee = (data.get("changes") or {}).get("assignee_id")
    if assignee:
        people.update(v for v in assignee if isinstance(v, int))
    ticket = session.get(Ticket, event.ticket_id)
    if ticket is not None and ticket.assignee_id is not None:
        people.add(ticket.assignee_id)
    return teams.team_ids_of(session, people)


def frees_someone(event: Event) -> bool:
    """Whether the event may have made an agent able to take a waiting ticket (what the after-commit offer hears)."""
    if event.type == "ticket.updated":
        changes = (event.data or {}).get("changes") or {}
        assignee = changes.get("assignee_id")
        # Assigned by balancing or anyone: only a ticket that left someone (reassigned, solved) frees them.
        return "status" in changes or bool(assignee and assignee[0] is not None)
    if event.type == "agent.availability_changed":
        return (event.data or {}).get("availability") == Availability.online.value
    return True


def offer_after(session: Session, event: Event) -> None:
    """The after-commit listener: waiting tickets of the teams the event touched are offered again."""
    team_ids = _teams_freed_by(session, event)
    if team_ids is None or team_ids:
        offer_waiting(session, team_ids=team_ids)


def run_offer(session: Session) -> None:
    """The scheduled offer: catches shifts that began since the last run (nothing else announces those)."""
    offer_waiting(session)
