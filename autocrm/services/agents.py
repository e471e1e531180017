"""Agents as load balancing sees them: their skills (each at a level from 1 to 5), their capacity (the most
unsolved tickets they take at once) and their availability (online, away, offline), which they set
themselves.

The skill list is the desk's (admins keep it); an agent's skills and capacity are set by admins or by a lead
of a team the agent is in. Being online is not enough to get tickets: the agent must also be on shift in the
ticket's team (`teams.on_shift`) and under capacity (`services/balancing.py`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, col, delete, select

from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.models import AgentProfile, AgentSkill, Availability, Skill, Team, TeamMembership, User
from autocrm.models.base import utcnow
from autocrm.services import audit, events, teams
from autocrm.services.actor import USERS_READ, USERS_WRITE, Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput, is_valid_id, one_printable_line

AVAILABILITY_CHANGED = "agent.availability_changed"
CAPACITY_CHANGED = "agent.capacity_changed"
SKILLS_CHANGED = "agent.skills_changed"
MAX_SKILLS = 200
SKILL_DELETED = "skill.deleted"


class SkillPublic(BaseModel):
    id: int
    name: str


class SkillLevel(ServiceInput):
    skill_id: DbId
    level: int = Field(default=3, ge=1, le=5)


class AgentSkillPublic(BaseModel):
    skill_id: int
    name: str
    level: int


class AgentPublic(BaseModel):
    user_id: int
    name: str
    skills: list[AgentSkillPublic]
    max_open_tickets: int | None  # None: no limit
    availability: Availability
    team_ids: list[int]
    open_tickets: int


class AvailabilityPublic(BaseModel):
    availability: Availability
    changed_at: datetime | None
    # The teams whose shift the agent is on now; load balancing gives them tickets of these teams only.
    on_shift_team_ids: list[int]
    open_tickets: int
    max_open_tickets: int | None


# ---- the skill list --------------------------------------------------------------------------------------


def _skill_name(name: str) -> str:
    try:
        name = one_printable_line(name or "")
    except ValueError:
        name = ""
    if not name or len(name) > 120:
        raise field_error("name", t("Enter a name of 1 to 120 characters."))
    return name


def _skill(session: Session, skill_id: int) -> Skill:
    skill = session.get(Skill, skill_id) if is_valid_id(skill_id) else None
    if skill is None:
        raise NotFound(t("There is no skill #{skill_id}.", skill_id=skill_id))
    return skill


def list_skills(session: Session, *, actor: Actor) -> list[SkillPublic]:
    actor.require_staff()
    actor.require_scope(USERS_READ)
    return [SkillPublic(id=stored_id(s.id), name=s.name) for s in session.exec(select(Skill).order_by(col(Skill.name)))]


def create_skill(session: Session, *, actor: Actor, name: str) -> SkillPublic:
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    name = _skill_name(name)
    if session.exec(select(Skill.id).where(Skill.name == name)).first() is not None:
        raise Conflict(t("A skill named {name} already exists.", name=repr(name)), {"name": "taken"})
    skill = Skill(name=name)
    session.add(skill)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="skill.create",
        object_type="skill",
        object_id=skill.id,
        changes={"name": (None, name)},
    )
    events.emit(session, "skill.created", actor=actor, data={"skill_id": skill.id})
    return SkillPublic(id=stored_id(skill.id), name=skill.name)


def rename_skill(session: Session, *, actor: Actor, skill_id: int, name: str) -> SkillPublic:
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    skill = _skill(session, skill_id)
    name = _skill_name(name)
    if name != skill.name:
        if session.exec(select(Skill.id).where(Skill.name == name)).first() is not None:
            raise Conflict(t("A skill named {name} already exists.", name=repr(name)), {"name": "taken"})
        audit.record(
            session,
            actor=actor,
            action="skill.update",
            object_type="skill",
            object_id=skill_id,
            changes={"name": (skill.name, name)},
        )
        events.emit(session, "skill.updated", actor=actor, data={"skill_id": skill_id})
        skill.name = name
        session.add(skill)
    return SkillPublic(id=skill_id, name=skill.name)


def delete_skill(session: Session, *, actor: Actor, skill_id: int) -> None:
    """Removes a skill from the list and from every agent who had it; tickets that required it need it no more
    (`balancing.requirements_of`)."""
    actor.require_admin()
    actor.require_scope(USERS_WRITE)
    skill = _skill(session, skill_id)
    audit.record(
        session,
        actor=actor,
        action="skill.delete",
        object_type="skill",
        object_id=skill_id,
        changes={"name": (skill.name, None)},
    )
    events.emit(session, SKILL_DELETED, actor=actor, data={"skill_id": skill_id})
    session.exec(delete(AgentSkill).where(col(AgentSkill.skill_id) == skill_id))
    session.delete(skill)
    session.flush()


# ---- one agent ---------------------------------------------------------------------------------------------


def _agent(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if is_valid_id(user_id) else None
    if user is None or not user.role.is_staff:
        raise NotFound(t("There is no agent #{user_id}.", user_id=user_id))
    return user


def _require_agent_manager(session: Session, actor: Actor, user_id: int) -> None:
    """Admins, or a lead of one of the agent's teams."""
    actor.require_scope(USERS_WRITE)
    if actor.is_admin:
        return
    actor.require_staff()
    their_teams = set(session.exec(select(TeamMembership.team_id).where(TeamMembership.user_id == user_id)))
    if not their_teams & teams.led_team_ids(session, actor):
        raise PermissionDenied(t("Only admins and the leads of this agent's teams may do this."))


def profile_of(session: Session, user_id: int) -> AgentProfile:
    return session.get(AgentProfile, user_id) or AgentProfile(user_id=user_id)


def _skills_of(session: Session, user_id: int) -> list[AgentSkillPublic]:
    rows = session.exec(
        select(AgentSkill.skill_id, Skill.name, AgentSkill.level)
        .join(Skill, col(Skill.id) == col(AgentSkill.skill_id))
        .where(AgentSkill.user_id == user_id)
        .order_by(col(Skill.name))
    )
    return [AgentSkillPublic(skill_id=skill_id, name=name, level=level) for skill_id, name, level in rows]


def get_agent(session: Session, *, actor: Actor, user_id: int) -> AgentPublic:
    """An agent's skills, capacity, availability, teams and load (staff only)."""
    from autocrm.services import balancing

    actor.require_staff()
    actor.require_scope(USERS_READ)
    user = _agent(session, user_id)
    profile = profile_of(session, user_id)
    return AgentPublic(
        user_id=user_id,
        name=user.name,
        skills=_skills_of(session, user_id),
        max_open_tickets=profile.max_open_tickets,
        availability=profile.availability,
        team_ids=sorted(teams.team_ids_of(session, [user_id])),
        open_tickets=balancing.open_loads(session, [user_id]).get(user_id, 0),
    )


def set_skills(session: Session, *, actor: Actor, user_id: int, skills: list[SkillLevel]) -> AgentPublic:
    """Replaces the agent's skills with these (each skill once, at its level)."""
    _agent(session, user_id)
    _require_agent_manager(session, actor, user_id)
    wanted: dict[int, int] = {}
    for item in skills:
        if item.skill_id in wanted:
            raise field_error("skills", t("Name each skill once."))
        _skill(session, item.skill_id)
        wanted[item.skill_id] = item.level
    if len(wanted) > MAX_SKILLS:
        raise field_error("skills", t("An agent has at most {MAX_SKILLS} skills.", MAX_SKILLS=MAX_SKILLS))
    current = {row.skill_id: row for row in session.exec(select(AgentSkill).where(AgentSkill.user_id == user_id)).all()}
    before = {skill_id: row.level for skill_id, row in current.items()}
    if before == wanted:
        return get_agent(session, actor=actor, user_id=user_id)
    for skill_id, row in current.items():
        if skill_id not in wanted:
            session.delete(row)
        elif row.level != wanted[skill_id]:
            row.level = wanted[skill_id]
            session.add(row)
    for skill_id, level in wanted.items():
        if skill_id not in current:
            session.add(AgentSkill(user_id=user_id, skill_id=skill_id, level=level))
    session.flush()
    changes = {"skills": (_plain(before), _plain(wanted))}
    audit.record(session, actor=actor, action="agent.skills", object_type="user", object_id=user_id, changes=changes)
    events.emit(
        session, SKILLS_CHANGED, actor=actor, data={"user_id": user_id, "changes": audit.plain_changes(changes)}
    )
    return get_agent(session, actor=actor, user_id=user_id)


def _plain(levels: dict[int, int]) -> dict[str, int]:
    return {str(skill_id): level for skill_id, level in sorted(levels.items())}


def set_skill(session: Session, *, actor: Actor, user_id: int, skill_id: int, level: int) -> AgentPublic:
    """Gives the agent one skill at `level` (or changes its level), keeping the others."""
    current = {s.skill_id: s.level for s in _skills_of(session, user_id)} if is_valid_id(user_id) else {}
    current[skill_id] = level
    try:
        levels = [SkillLevel(skill_id=k, level=v) for k, v in current.items()]
    except ValueError as error:
        raise field_error("level", t("A level is a whole number from 1 to 5.")) from error
    return set_skills(session, actor=actor, user_id=user_id, skills=levels)


def remove_skill(session: Session, *, actor: Actor, user_id: int, skill_id: int) -> AgentPublic:
    current = {s.skill_id: s.level for s in _skills_of(session, user_id)} if is_valid_id(user_id) else {}
    if skill_id not in current:
        _agent(session, user_id)
        raise NotFound(t("Agent {user_id} does not have skill {skill_id}.", user_id=user_id, skill_id=skill_id))
    del current[skill_id]
    return set_skills(
        session, actor=actor, user_id=user_id, skills=[SkillLevel(skill_id=k, level=v) for k, v in current.items()]
    )


def set_capacity(session: Session, *, actor: Actor, user_id: int, max_open_tickets: int | None) -> AgentPublic:
    """The most unsolved tickets load balancing gives the agent at once (None: no limit)."""
    _agent(session, user_id)
    _require_agent_manager(session, actor, user_id)
    if max_open_tickets is not None and not 0 <= max_open_tickets <= 10_000:
        raise field_error("max_open_tickets", t("Capacity is a whole number from 0 to 10000, or none."))
    profile = profile_of(session, user_id)
    if profile.max_open_tickets != max_open_tickets:
        changes = {"max_open_tickets": (profile.max_open_tickets, max_open_tickets)}
        profile.max_open_tickets = max_open_tickets
        session.add(profile)
        session.flush()
        audit.record(
            session, actor=actor, action="agent.capacity", object_type="user", object_id=user_id, changes=changes
        )
        events.emit(
            session, CAPACITY_CHANGED, actor=actor, data={"user_id": user_id, "changes": audit.plain_changes(changes)}
        )
    return get_agent(session, actor=actor, user_id=user_id)


# ---- availability -------------------------------------------------------------------------------------------


def _own_agent(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active or not user.role.is_staff:
        raise PermissionDenied(t("Only a signed-in agent has an availability."))
    return user


def set_availability(session: Session, *, actor: Actor, availability: Availability | str) -> AvailabilityPublic:
    """The signed-in agent says whether they take work now: only `online` agents get tickets handed out."""
    user = _own_agent(session, actor)
    try:
        chosen = Availability(availability)
    except ValueError as error:
        raise field_error("availability", t("Choose online, away or offline.")) from error
    user_id = stored_id(user.id)
    profile = profile_of(session, user_id)
    if profile.availability != chosen:
        changes = {"availability": (profile.availability.value, chosen.value)}
        profile.availability = chosen
        profile.availability_changed_at = utcnow()
        session.add(profile)
        session.flush()
        audit.record(
            session, actor=actor, action="agent.availability", object_type="user", object_id=user_id, changes=changes
        )
        events.emit(
            session,
            AVAILABILITY_CHANGED,
            actor=actor,
            data={"user_id": user_id, "availability": chosen.value, "changes": audit.plain_changes(changes)},
        )
    return my_availability(session, actor=actor)


def my_availability(session: Session, *, actor: Actor) -> AvailabilityPublic:
    from autocrm.services import balancing

    user = _own_agent(session, actor)
    user_id = stored_id(user.id)
    profile = profile_of(session, user_id)
    now = utcnow()
    on_shift_teams = sorted(
        team_id
        for team_id in teams.team_ids_of(session, [user_id])
        if (team := session.get(Team, team_id)) is not None and user_id in teams.on_shift(session, team, now)
    )
    return AvailabilityPublic(
        availability=profile.availability,
        changed_at=profile.availability_changed_at,
        on_shift_team_ids=on_shift_teams,
        open_tickets=balancing.open_loads(session, [user_id]).get(user_id, 0),
        max_open_tickets=profile.max_open_tickets,
    )
