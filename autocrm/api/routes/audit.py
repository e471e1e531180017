"""The audit log for admin keys with `audit:read`: who changed what, newest first, filtered and keyset-paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from autocrm.api.deps import Credential, read
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import audit_log
from autocrm.services.audit_log import AuditPage, AuditQuery
from autocrm.services.inputs import MAX_DB_ID

router = APIRouter(prefix="/api/v1", tags=["audit"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)


@router.get("/audit", summary="The audit log, newest first")
async def list_audit_entries(
    key: Credential,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID, description="The person who acted.")] = None,
    object_type: Annotated[str | None, Query(max_length=40, description="ticket, user, team, webhook, …")] = None,
    object_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID, description="The object's id.")] = None,
    action: Annotated[str | None, Query(max_length=60, description="ticket.update, user.create, …")] = None,
    start: Annotated[datetime | None, Query(alias="from", description="From (ISO 8601), included.")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="To (ISO 8601), not included.")] = None,
    cursor: Annotated[str | None, Query(max_length=20, description="The `next_cursor` of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=audit_log.MAX_LIMIT)] = audit_log.DEFAULT_LIMIT,
) -> AuditPage:
    """Each entry names who acted (a person, an API key or the system), the object, the action and each changed
    field's `before` and `after`; secrets' values are never included (`hidden`). Page on with `cursor`."""
    try:
        query = AuditQuery(
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            action=action,
            start=start,
            end=end,
            cursor=cursor,
            limit=limit,
        )
    except ValidationError as exc:  # the query's own checks answer like FastAPI's: 422 in the one envelope
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from None
    return await read(key, lambda session, actor: audit_log.list_entries(session, actor=actor, query=query))
