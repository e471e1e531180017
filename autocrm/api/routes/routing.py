"""Routing rules (admin keys with `routing:manage`): list, create, change, delete, reorder, and try a ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import Field

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import routing
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.routing import RuleCreate, RulePublic, RuleUpdate, TrialResult, TrialTicket

router = APIRouter(prefix="/api/v1", tags=["routing"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

RuleId = Annotated[int, resource_id("The rule's id (see the list).")]


class RuleOrder(ServiceInput):
    ids: list[DbId] = Field(max_length=routing.MAX_RULES)


@router.get("/routing/rules", summary="List routing rules, in the order they are tried")
async def list_rules(key: Credential) -> list[RulePublic]:
    return await read(key, lambda session, actor: routing.list_rules(session, actor=actor))


@router.post("/routing/rules", status_code=status.HTTP_201_CREATED, summary="Add a routing rule (last in order)")
async def create_rule(key: Credential, data: RuleCreate, response: Response) -> RulePublic:
    """`conditions`: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}` or a test `{"field", "op", "value"}`
    (fields: priority, tags, channel, language, organization_id, requester_email, subject, body, text,
    custom_fields.<key>, business_hours). `actions`: team_id, assignee_id, priority, add_tags, remove_tags,
    required_skills (`[{"skill_id", "level"}]`: load balancing gives the ticket only to agents who have them),
    sla_policy_id (the SLA policy that applies whatever the policies' conditions say)."""
    created = await write(key, lambda session, actor: routing.create_rule(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/routing/rules/{created.id}"
    return created


@router.get("/routing/rules/{rule_id}", summary="Get a routing rule")
async def get_rule(key: Credential, rule_id: RuleId) -> RulePublic:
    return await read(key, lambda session, actor: routing.get_rule(session, actor=actor, rule_id=rule_id))


@router.patch("/routing/rules/{rule_id}", summary="Change a routing rule")
async def update_rule(key: Credential, rule_id: RuleId, data: RuleUpdate) -> RulePublic:
    return await write(
        key, lambda session, actor: routing.update_rule(session, actor=actor, rule_id=rule_id, data=data)
    )


@router.delete("/routing/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a routing rule")
async def delete_rule(key: Credential, rule_id: RuleId) -> Response:
    await write(key, lambda session, actor: routing.delete_rule(session, actor=actor, rule_id=rule_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/routing/rules/order", summary="Put the rules in a new order")
async def reorder_rules(key: Credential, data: RuleOrder) -> list[RulePublic]:
    """`ids` names every rule once, first tried first."""
    return await write(key, lambda session, actor: routing.reorder_rules(session, actor=actor, ids=data.ids))


@router.post("/routing/test", summary="Which rule would route a ticket like this")
async def try_ticket(key: Credential, data: TrialTicket) -> TrialResult:
    """Nothing is written: the first rule that would match on arrival, every rule that would act, and what
    they would set."""
    return await read(key, lambda session, actor: routing.try_ticket(session, actor=actor, data=data))
