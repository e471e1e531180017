"""SLA policies and business calendars (admin keys with `routing:manage`), and a ticket's SLA state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import sla
from autocrm.services.sla import (
    CalendarInput,
    CalendarPublic,
    PolicyCreate,
    PolicyPublic,
    PolicyUpdate,
    TicketSlaPublic,
)

router = APIRouter(prefix="/api/v1", tags=["sla"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

PolicyId = Annotated[int, resource_id("The policy's id.")]
TicketId = Annotated[int, resource_id("The ticket's id (not its number).")]


@router.get("/sla/calendars", summary="List business calendars")
async def list_calendars(key: Credential) -> list[CalendarPublic]:
    return await read(key, lambda session, actor: sla.list_calendars(session, actor=actor))


@router.post("/sla/calendars", status_code=status.HTTP_201_CREATED, summary="Add a business calendar")
async def create_calendar(key: Credential, data: CalendarInput, response: Response) -> CalendarPublic:
    """`weekly`: weekday (0 = Monday) to windows `{"start": "09:00", "end": "17:00"}`; `country` (ISO 3166) adds
    its public holidays, `holidays` the desk's own days."""
    created = await write(key, lambda session, actor: sla.create_calendar(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/sla/calendars/{created.id}"
    return created


@router.get("/sla/policies", summary="List SLA policies, in the order they are tried")
async def list_policies(key: Credential) -> list[PolicyPublic]:
    return await read(key, lambda session, actor: sla.list_policies(session, actor=actor))


@router.post("/sla/policies", status_code=status.HTTP_201_CREATED, summary="Add an SLA policy")
async def create_policy(key: Credential, data: PolicyCreate, response: Response) -> PolicyPublic:
    """`targets`: priority key to minutes of working time for `first_response`, `next_response`,
    `resolution`. `conditions` (as routing rules') choose the tickets; none: every ticket."""
    created = await write(key, lambda session, actor: sla.create_policy(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/sla/policies/{created.id}"
    return created


@router.patch("/sla/policies/{policy_id}", summary="Change an SLA policy")
async def update_policy(key: Credential, policy_id: PolicyId, data: PolicyUpdate) -> PolicyPublic:
    return await write(
        key, lambda session, actor: sla.update_policy(session, actor=actor, policy_id=policy_id, data=data)
    )


@router.get("/tickets/{ticket_id}/sla", summary="A ticket's SLA state")
async def ticket_sla(key: Credential, ticket_id: TicketId) -> TicketSlaPublic:
    """The policy that applies, each target's due time and state, and the overall state: on_track, at_risk,
    breached, paused or none."""
    return await read(key, lambda session, actor: sla.ticket_sla(session, actor=actor, ticket_id=ticket_id))
