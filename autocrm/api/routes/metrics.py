"""Metrics: an agent's figures (the personal stats) and a team's or the whole desk's (the dashboards), each for
a period, the period before and a series; the dashboards also as CSV.

`/api/v1/...` take keys (scope `tickets:read`, as the rest of the metrics). The dashboard page downloads its
CSV from `/api/dashboards/export.csv` with the browser's session cookie (no key acts for a person), read with
the same rights as the page: admins every team and the desk, team leads their teams.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from autocrm.api.deps import Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.core.db import read_session
from autocrm.core.i18n import t
from autocrm.services import auth, metrics
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed
from autocrm.services.metrics import AgentMetrics, Interval, TeamMetrics

router = APIRouter(prefix="/api/v1", tags=["metrics"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)
page_router = APIRouter(prefix="/api/dashboards", include_in_schema=False)

AgentId = Annotated[int, resource_id("The agent's user id.")]
TeamId = Annotated[int, resource_id("The team's id.")]
Start = Annotated[datetime | None, Query(alias="from", description="Start (ISO 8601); default: 30 days before `to`.")]
End = Annotated[datetime | None, Query(alias="to", description="End, not included (ISO 8601); default: now.")]
IntervalQuery = Annotated[Interval, Query(description="The series' buckets.")]
Zone = Annotated[str, Query(max_length=64, description="IANA time zone of the buckets and of dates without one.")]
Format = Annotated[Literal["json", "csv"], Query(description="`csv`: the same figures as a spreadsheet download.")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The figures (JSON), or with `format=csv` a CSV."}
}


@router.get("/metrics/agents/{agent_id}", summary="An agent's figures")
async def agent_metrics(
    key: Credential,
    agent_id: AgentId,
    start: Start = None,
    end: End = None,
    interval: IntervalQuery = "day",
    tz: Zone = "UTC",
) -> AgentMetrics:
    """Solved tickets, first response and resolution times (median and mean, seconds), reopen rate, replies,
    satisfaction (average 1-5 and CSAT, the share of 4s and 5s). Agents read their own; admin keys anyone's."""
    return await read(
        key,
        lambda session, actor: metrics.agent_metrics(
            session, actor=actor, agent_id=agent_id, start=start, end=end, interval=interval, time_zone=tz
        ),
    )


def csv_download(result: TeamMetrics) -> Response:
    return Response(
        content=metrics.team_metrics_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{metrics.csv_filename(result)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


async def _team_answer(
    key: Credential, team_id: int | None, start, end, interval: Interval, tz: str, output: str
) -> TeamMetrics | Response:
    result = await read(
        key,
        lambda session, actor: metrics.team_metrics(
            session, actor=actor, team_id=team_id, start=start, end=end, interval=interval, time_zone=tz
        ),
    )
    return csv_download(result) if output == "csv" else result


@router.get("/metrics/teams/{team_id}", summary="A team's figures", responses=CSV_RESPONSE)
async def team_metrics(
    key: Credential,
    team_id: TeamId,
    start: Start = None,
    end: End = None,
    interval: IntervalQuery = "day",
    tz: Zone = "UTC",
    format: Format = "json",  # noqa: A002 (the query parameter's name)
) -> TeamMetrics:
    """The team's tickets: backlog (unsolved now), created and solved, first response and resolution medians
    (seconds), SLA compliance (of the tickets with an SLA solved in the period, the share that met every
    target), satisfaction (CSAT), each beside the period before; created and solved per bucket beside the
    same stretch of the period before; and each member's own figures. Admin keys only (no key is a team lead)."""
    return await _team_answer(key, team_id, start, end, interval, tz, format)  # type: ignore[return-value]


@router.get("/metrics/desk", summary="The whole desk's figures", responses=CSV_RESPONSE)
async def desk_metrics(
    key: Credential,
    start: Start = None,
    end: End = None,
    interval: IntervalQuery = "day",
    tz: Zone = "UTC",
    format: Format = "json",  # noqa: A002 (the query parameter's name)
) -> TeamMetrics:
    """The team figures over every ticket of the desk, with every active agent's row. Admin keys only."""
    return await _team_answer(key, None, start, end, interval, tz, format)  # type: ignore[return-value]


def _signed_in_csv(token: str | None, team_id: int | None, start, end, interval: Interval, tz: str) -> TeamMetrics:
    with read_session() as session:
        user = auth.user_for_session_token(session, token)
        if user is None:
            raise AuthenticationFailed(t("Sign in to download these figures."))
        return metrics.team_metrics(
            session, actor=Actor.for_user(user), team_id=team_id, start=start, end=end, interval=interval, time_zone=tz
        )


@page_router.get("/export.csv")
async def dashboard_csv(
    request: Request,
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    start: Start = None,
    end: End = None,
    interval: IntervalQuery = "day",
    tz: Zone = "UTC",
) -> Response:
    """The dashboard page's "Download CSV" (the session cookie)."""
    result = await run_in_threadpool(
        _signed_in_csv, request.cookies.get(auth.SESSION_COOKIE), team, start, end, interval, tz
    )
    return csv_download(result)
