"""Teams, their members, shifts and coverage; the skill list, agents' skills and capacity; and the signed-in
agent's own availability.

Keys need `users:read` to read (the team list also answers `tickets:read`: the queue's filters name teams) and
`users:write` to change teams, members, skills and capacity;
`routing:manage` for shifts and a team's balancing mode. `/me/availability` is the signed-in person's own:
it answers to the browser's session cookie (no key acts for a person), and a change must come from a page of
this site (its Origin is checked, as for signing out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.routes.session import allowed_origins
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.core.db import write_session
from autocrm.core.i18n import t
from autocrm.models import Availability
from autocrm.services import agents, auth, balancing, teams
from autocrm.services.actor import Actor
from autocrm.services.agents import AgentPublic, AvailabilityPublic, SkillLevel, SkillPublic
from autocrm.services.balancing import RequirementsPublic, SkillNeed
from autocrm.services.errors import AuthenticationFailed, PermissionDenied
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.teams import (
    ShiftInput,
    ShiftPublic,
    ShiftUpdate,
    TeamCoverage,
    TeamDetail,
    TeamInput,
)
from autocrm.services.user_shapes import TeamPublic

router = APIRouter(prefix="/api/v1", tags=["teams"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

TeamId = Annotated[int, resource_id("The team's id (see the list).")]
UserId = Annotated[int, resource_id("The agent's user id.")]
ShiftId = Annotated[int, resource_id("The shift's id (see the team).")]
TicketId = Annotated[int, resource_id("The ticket's id.")]
SkillId = Annotated[int, resource_id("The skill's id (see the skill list).")]


class TeamCreate(TeamInput):
    name: str = Field(min_length=1, max_length=120)


class NewMember(ServiceInput):
    user_id: DbId
    lead: bool = False


class MemberChange(ServiceInput):
    lead: bool


class SkillName(ServiceInput):
    name: str = Field(min_length=1, max_length=120)


class SkillSet(ServiceInput):
    skills: list[SkillLevel] = Field(max_length=agents.MAX_SKILLS)


class Level(ServiceInput):
    level: int = Field(ge=1, le=5)


class AgentChange(ServiceInput):
    max_open_tickets: int | None = Field(ge=0, le=10_000)


class AvailabilityChange(ServiceInput):
    availability: Availability


class RequirementsChange(ServiceInput):
    """Only the fields sent change."""

    required_skills: list[SkillNeed] | None = Field(default=None, max_length=20)
    sla_policy_id: DbId | None = None


# ---- teams ------------------------------------------------------------------------------------------------


@router.get("/teams", summary="List teams, by name")
async def list_teams(key: Credential) -> list[TeamPublic]:
    return await read(key, lambda session, actor: teams.list_teams(session, actor=actor))


@router.post("/teams", status_code=status.HTTP_201_CREATED, summary="Create a team (admins)")
async def create_team(key: Credential, data: TeamCreate, response: Response) -> TeamPublic:
    """`description` is the team's focus. `time_zone`, `holiday_country` (ISO 3166), `holiday_subdivision` and
    `holidays` (the team's own days off) set its coverage; `balancing` (manual, round_robin, least_loaded,
    skills_first; needs `routing:manage`) how its unassigned tickets are handed out."""
    settings = TeamInput(**data.model_dump(exclude={"name", "description", "member_ids"}, exclude_unset=True))
    created = await write(
        key,
        lambda session, actor: teams.create_team(
            session,
            actor=actor,
            name=data.name,
            description=data.description or "",
            member_ids=data.member_ids or [],
            settings=settings,
        ),
    )
    response.headers["Location"] = f"{router.prefix}/teams/{created.id}"
    return created


@router.get("/teams/{team_id}", summary="Get a team with its members and shifts")
async def get_team(key: Credential, team_id: TeamId) -> TeamDetail:
    return await read(key, lambda session, actor: teams.get_team(session, actor=actor, team_id=team_id))


@router.patch("/teams/{team_id}", summary="Change a team (admins; its leads all but the name)")
async def update_team(key: Credential, team_id: TeamId, data: TeamInput) -> TeamPublic:
    """Only the fields sent change; `member_ids` replaces the members."""
    return await write(key, lambda session, actor: teams.update_team(session, actor=actor, team_id=team_id, data=data))


@router.delete("/teams/{team_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a team (admins)")
async def delete_team(key: Credential, team_id: TeamId) -> Response:
    """Refused (409) while unsolved tickets are in the team; its solved and closed tickets keep no team."""
    await write(key, lambda session, actor: teams.delete_team(session, actor=actor, team_id=team_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/members", summary="List a team's members")
async def list_members(key: Credential, team_id: TeamId) -> list[teams.TeamMember]:
    return await read(key, lambda session, actor: teams.get_team(session, actor=actor, team_id=team_id).members)


@router.post("/teams/{team_id}/members", status_code=status.HTTP_201_CREATED, summary="Add an agent to a team")
async def add_member(key: Credential, team_id: TeamId, data: NewMember) -> list[teams.TeamMember]:
    """An agent may be in several teams. `lead: true` (admins only) makes them a lead at once."""
    return await write(
        key,
        lambda session, actor: (
            teams.add_member(session, actor=actor, team_id=team_id, user_id=data.user_id, lead=data.lead).members
        ),
    )


@router.patch("/teams/{team_id}/members/{user_id}", summary="Make a member a team lead, or not (admins)")
async def change_member(
    key: Credential, team_id: TeamId, user_id: UserId, data: MemberChange
) -> list[teams.TeamMember]:
    def work(session, actor: Actor) -> list[teams.TeamMember]:
        teams.set_team_lead(session, actor=actor, team_id=team_id, user_id=user_id, lead=data.lead)
        return teams.get_team(session, actor=actor, team_id=team_id).members

    return await write(key, work)


@router.delete(
    "/teams/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an agent from a team"
)
async def remove_member(key: Credential, team_id: TeamId, user_id: UserId) -> Response:
    await write(key, lambda session, actor: teams.remove_member(session, actor=actor, team_id=team_id, user_id=user_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/teams/{team_id}/shifts", status_code=status.HTTP_201_CREATED, summary="Add a shift to a team")
async def create_shift(key: Credential, team_id: TeamId, data: ShiftInput) -> ShiftPublic:
    """`weekly`: weekday (0 = Monday) -> windows `{"start": "09:00", "end": "17:00"}` in the team's time zone;
    an end of 00:00 is midnight, an end before the start runs into the next day. `member_ids` work it."""
    return await write(key, lambda session, actor: teams.create_shift(session, actor=actor, team_id=team_id, data=data))


@router.patch("/teams/{team_id}/shifts/{shift_id}", summary="Change a shift")
async def update_shift(key: Credential, team_id: TeamId, shift_id: ShiftId, data: ShiftUpdate) -> ShiftPublic:
    return await write(
        key,
        lambda session, actor: teams.update_shift(session, actor=actor, team_id=team_id, shift_id=shift_id, data=data),
    )


@router.delete("/teams/{team_id}/shifts/{shift_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a shift")
async def delete_shift(key: Credential, team_id: TeamId, shift_id: ShiftId) -> Response:
    await write(
        key, lambda session, actor: teams.delete_shift(session, actor=actor, team_id=team_id, shift_id=shift_id)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/teams/{team_id}/coverage", summary="Who of a team can take tickets at a moment")
async def coverage(
    key: Credential,
    team_id: TeamId,
    at: Annotated[AwareDatetime | None, Query(description="The moment (default: now), with its UTC offset.")] = None,
) -> TeamCoverage:
    """Each member: on shift or not, availability, unsolved tickets and capacity; the team's waiting tickets."""
    moment: datetime | None = at
    return await read(key, lambda session, actor: teams.coverage(session, actor=actor, team_id=team_id, at=moment))


# ---- skills and agents ------------------------------------------------------------------------------------


@router.get("/skills", summary="List the desk's skills")
async def list_skills(key: Credential) -> list[SkillPublic]:
    return await read(key, lambda session, actor: agents.list_skills(session, actor=actor))


@router.post("/skills", status_code=status.HTTP_201_CREATED, summary="Add a skill (admins)")
async def create_skill(key: Credential, data: SkillName) -> SkillPublic:
    return await write(key, lambda session, actor: agents.create_skill(session, actor=actor, name=data.name))


@router.patch("/skills/{skill_id}", summary="Rename a skill (admins)")
async def rename_skill(key: Credential, skill_id: SkillId, data: SkillName) -> SkillPublic:
    return await write(
        key, lambda session, actor: agents.rename_skill(session, actor=actor, skill_id=skill_id, name=data.name)
    )


@router.delete("/skills/{skill_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a skill (admins)")
async def delete_skill(key: Credential, skill_id: SkillId) -> Response:
    await write(key, lambda session, actor: agents.delete_skill(session, actor=actor, skill_id=skill_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/agents/{user_id}", summary="An agent's skills, capacity, availability, teams and load")
async def get_agent(key: Credential, user_id: UserId) -> AgentPublic:
    return await read(key, lambda session, actor: agents.get_agent(session, actor=actor, user_id=user_id))


@router.patch("/agents/{user_id}", summary="Set an agent's capacity (admins, leads of their teams)")
async def update_agent(key: Credential, user_id: UserId, data: AgentChange) -> AgentPublic:
    """`max_open_tickets`: the most unsolved tickets load balancing gives them at once; null: no limit."""
    return await write(
        key,
        lambda session, actor: agents.set_capacity(
            session, actor=actor, user_id=user_id, max_open_tickets=data.max_open_tickets
        ),
    )


@router.get("/agents/{user_id}/skills", summary="An agent's skills and levels")
async def agent_skills(key: Credential, user_id: UserId) -> list[agents.AgentSkillPublic]:
    return await read(key, lambda session, actor: agents.get_agent(session, actor=actor, user_id=user_id).skills)


@router.put("/agents/{user_id}/skills", summary="Replace an agent's skills (admins, leads of their teams)")
async def set_agent_skills(key: Credential, user_id: UserId, data: SkillSet) -> list[agents.AgentSkillPublic]:
    """`skills`: `[{"skill_id": 3, "level": 4}, ...]`, levels 1 to 5."""
    return await write(
        key,
        lambda session, actor: agents.set_skills(session, actor=actor, user_id=user_id, skills=data.skills).skills,
    )


@router.put("/agents/{user_id}/skills/{skill_id}", summary="Give an agent one skill at a level")
async def set_agent_skill(
    key: Credential, user_id: UserId, skill_id: SkillId, data: Level
) -> list[agents.AgentSkillPublic]:
    return await write(
        key,
        lambda session, actor: (
            agents.set_skill(session, actor=actor, user_id=user_id, skill_id=skill_id, level=data.level).skills
        ),
    )


@router.delete(
    "/agents/{user_id}/skills/{skill_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Take a skill from an agent"
)
async def remove_agent_skill(key: Credential, user_id: UserId, skill_id: SkillId) -> Response:
    await write(
        key, lambda session, actor: agents.remove_skill(session, actor=actor, user_id=user_id, skill_id=skill_id)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- what a ticket needs ----------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/requirements", summary="The skills a ticket's assignee needs, and its chosen SLA policy"
)
async def get_requirements(key: Credential, ticket_id: TicketId) -> RequirementsPublic:
    return await read(key, lambda session, actor: balancing.get_requirements(session, actor=actor, ticket_id=ticket_id))


@router.patch("/tickets/{ticket_id}/requirements", summary="Change what a ticket needs (staff, tickets:write)")
async def set_requirements(key: Credential, ticket_id: TicketId, data: RequirementsChange) -> RequirementsPublic:
    """`required_skills`: `[{"skill_id": 3, "level": 2}]` (load balancing gives the ticket only to agents with each
    skill at that level or above; `[]`: none). `sla_policy_id`: the policy that applies whatever the policies'
    conditions say (null: the usual choice)."""
    chosen = {"sla_policy_id": data.sla_policy_id} if "sla_policy_id" in data.model_fields_set else {}
    return await write(
        key,
        lambda session, actor: balancing.set_requirements(
            session, actor=actor, ticket_id=ticket_id, required_skills=data.required_skills, **chosen
        ),
    )


# ---- the signed-in agent ------------------------------------------------------------------------------------


def _as_signed_in(token: str, change: AvailabilityChange | None) -> AvailabilityPublic:
    with write_session() as session:
        user = auth.user_for_session_token(session, token[:200])
        if user is None:
            raise AuthenticationFailed(t("Sign in first: this answers to the browser's session."))
        actor = Actor.for_user(user)
        if change is None:
            return agents.my_availability(session, actor=actor)
        return agents.set_availability(session, actor=actor, availability=change.availability)


@router.get("/me/availability", summary="The signed-in agent's availability (session cookie)")
async def my_availability(request: Request) -> AvailabilityPublic:
    return await run_in_threadpool(_as_signed_in, request.cookies.get(auth.SESSION_COOKIE, ""), None)


@router.put("/me/availability", summary="Set the signed-in agent's availability (session cookie)")
async def set_my_availability(request: Request, data: AvailabilityChange) -> AvailabilityPublic:
    """`online`, `away` or `offline`: only online agents get tickets from load balancing, and only on shift."""
    if request.headers.get("origin", "") not in allowed_origins(request):
        raise PermissionDenied(t("Change your availability from a page of this site."))
    return await run_in_threadpool(_as_signed_in, request.cookies.get(auth.SESSION_COOKIE, ""), data)
