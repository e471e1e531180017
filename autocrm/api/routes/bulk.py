"""Bulk ticket changes (`tickets:write`) and the progress of the background jobs that run the large ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import bulk
from autocrm.services.bulk import BulkJobPublic, BulkRequest, BulkResult

router = APIRouter(prefix="/api/v1", tags=["bulk"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

JobId = Annotated[int, resource_id("The job's id, from the 202 answer of a bulk change.")]


@router.post(
    "/tickets/bulk",
    summary="Change many tickets at once",
    responses={202: {"model": BulkJobPublic, "description": "More than 100 tickets: a background job"}},
)
async def bulk_update(key: Credential, data: BulkRequest, response: Response) -> BulkResult | BulkJobPublic:
    """`ids` (up to 10,000) or `filter` (the ticket list's filters), and `changes`: status, priority,
    assignee_id (null unassigns), team_id, add_tags, remove_tags. Each ticket is changed, audited and
    emits its events on its own; those that fail are listed with a code and a message. Up to 100 tickets
    change now (200, `updated` and `failed`); more start a job (202) whose progress and the same result
    `GET /api/v1/jobs/{id}` tells."""
    result = await write(key, lambda session, actor: bulk.bulk_update(session, actor=actor, request=data))
    if isinstance(result, BulkJobPublic):
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"{router.prefix}/jobs/{result.id}"
    return result


@router.get("/jobs/{job_id}", summary="A bulk change's progress and result")
async def get_job(key: Credential, job_id: JobId) -> BulkJobPublic:
    return await read(key, lambda session, actor: bulk.get_job(session, actor=actor, job_id=job_id))
