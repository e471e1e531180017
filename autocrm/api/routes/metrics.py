"""Metrics: an agent's figures for a period, the period before, and a series (the personal stats)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from autocrm.api.deps import Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import metrics
from autocrm.services.metrics import AgentMetrics, Interval

router = APIRouter(prefix="/api/v1", tags=["metrics"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

AgentId = Annotated[int, resource_id("The agent's user id.")]


@router.get("/metrics/agents/{agent_id}", summary="An agent's figures")
async def agent_metrics(
    key: Credential,
    agent_id: AgentId,
    start: Annotated[
        datetime | None, Query(alias="from", description="Start (ISO 8601); default: 30 days before `to`.")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="End, not included (ISO 8601); default: now.")
    ] = None,
    interval: Annotated[Interval, Query(description="The series' buckets.")] = "day",
    tz: Annotated[
        str, Query(max_length=64, description="IANA time zone of the buckets and of dates without one.")
    ] = "UTC",
) -> AgentMetrics:
    """Solved tickets, first response and resolution times (median and mean, seconds), reopen rate, replies,
    satisfaction (average 1-5 and CSAT, the share of 4s and 5s). Agents read their own; admin keys anyone's."""
    return await read(
        key,
        lambda session, actor: metrics.agent_metrics(
            session, actor=actor, agent_id=agent_id, start=start, end=end, interval=interval, time_zone=tz
        ),
    )
