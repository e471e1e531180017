"""Queue alerts: what fires now and the rules behind it (read with `tickets:read` as the metrics; rules are
written by admin keys with `desk:manage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import alerts
from autocrm.services.alerts import AlertPublic, AlertRuleCreate, AlertRulePublic, AlertRuleUpdate

router = APIRouter(prefix="/api/v1", tags=["alerts"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

RuleId = Annotated[int, resource_id("The alert rule's id (see the list).")]
TeamFilter = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this team's.")]


@router.get("/alerts", summary="The alerts firing now")
async def list_alerts(key: Credential, team_id: TeamFilter = None) -> list[AlertPublic]:
    """Admins read every team's and the desk's; team leads their teams'. Oldest first, each with the measure it
    began at and a sentence in the reader's language."""
    return await read(key, lambda session, actor: alerts.active_alerts(session, actor=actor, team_id=team_id))


@router.get("/alerts/rules", summary="List alert rules")
async def list_rules(key: Credential, team_id: TeamFilter = None) -> list[AlertRulePublic]:
    return await read(key, lambda session, actor: alerts.list_rules(session, actor=actor, team_id=team_id))


@router.post("/alerts/rules", status_code=status.HTTP_201_CREATED, summary="Add an alert rule")
async def create_rule(key: Credential, data: AlertRuleCreate, response: Response) -> AlertRulePublic:
    """`kind`: `unassigned` (unsolved tickets nobody is assigned), `oldest_waiting_minutes` (the oldest new or
    open ticket without a first reply) or `breaches_24h` (SLA breaches in the last 24 hours); it fires while the
    measure is above `threshold`, checked every minute. `team_id` null: the whole desk."""
    created = await write(key, lambda session, actor: alerts.create_rule(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/alerts/rules/{created.id}"
    return created


@router.patch("/alerts/rules/{rule_id}", summary="Change an alert rule's threshold or switch it")
async def update_rule(key: Credential, rule_id: RuleId, data: AlertRuleUpdate) -> AlertRulePublic:
    return await write(key, lambda session, actor: alerts.update_rule(session, actor=actor, rule_id=rule_id, data=data))


@router.delete("/alerts/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an alert rule")
async def delete_rule(key: Credential, rule_id: RuleId) -> Response:
    await write(key, lambda session, actor: alerts.delete_rule(session, actor=actor, rule_id=rule_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
