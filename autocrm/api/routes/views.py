"""Saved views of the queue (`views:read` or `tickets:read` to read, `views:write` to change) and their tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import views
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.tickets import TicketPage
from autocrm.services.tickets.shapes import QuickFilter
from autocrm.services.views import ViewCount, ViewCreate, ViewPublic, ViewUpdate

router = APIRouter(prefix="/api/v1", tags=["views"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

ViewId = Annotated[int, resource_id("The view's id (see the list).")]
QuickParam = Annotated[
    list[QuickFilter] | None,
    Query(description="Narrow the view: high_priority, unassigned, overdue, mine, updated_last_hour (repeatable)."),
]


class ViewOrder(ServiceInput):
    ids: list[DbId] = Field(min_length=1, max_length=views.MAX_VIEWS)


class ViewCopy(ServiceInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)


@router.get("/views", summary="The views you see, in the sidebar's order")
async def list_views(key: Credential) -> list[ViewPublic]:
    return await read(key, lambda session, actor: views.list_views(session, actor=actor))


@router.get("/views/counts", summary="How many tickets each view you see holds (one statement for all)")
async def view_counts(key: Credential, quick: QuickParam = None) -> list[ViewCount]:
    """Counts are exact up to 1,000 (100 for a view with words); past that `total_is_estimate` is true."""

    def count(session, actor) -> list[ViewCount]:
        totals = views.view_counts(session, actor=actor, quick=list(quick or []))
        return [ViewCount(view_id=view_id, **total.model_dump()) for view_id, total in totals.items()]

    return await read(key, count)


@router.post("/views", status_code=status.HTTP_201_CREATED, summary="Save a view")
async def create_view(key: Credential, data: ViewCreate, response: Response) -> ViewPublic:
    """`filters` takes the ticket list's filters (status, status_category, priority, assignee_id, team_id,
    requester_id, organization_id, channel, tags_any, tags_all, tags_none, custom_fields, created_after,
    created_before, updated_after, updated_before, due_after, due_before, overdue, sla, quick, q).
    `visibility`: personal (yours), team (with `team_id`) or everyone; shared views are for admin keys."""
    created = await write(key, lambda session, actor: views.create_view(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/views/{created.id}"
    return created


@router.post("/views/order", summary="Put your views (or, for admins, the shared ones) in a new order")
async def reorder_views(key: Credential, data: ViewOrder) -> list[ViewPublic]:
    return await write(key, lambda session, actor: views.reorder_views(session, actor=actor, ids=data.ids))


@router.get("/views/{view_id}", summary="Get a view")
async def get_view(key: Credential, view_id: ViewId) -> ViewPublic:
    return await read(key, lambda session, actor: views.get_view(session, actor=actor, view_id=view_id))


@router.patch("/views/{view_id}", summary="Change a view")
async def update_view(key: Credential, view_id: ViewId, data: ViewUpdate) -> ViewPublic:
    return await write(key, lambda session, actor: views.update_view(session, actor=actor, view_id=view_id, data=data))


@router.delete("/views/{view_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a view")
async def delete_view(key: Credential, view_id: ViewId) -> Response:
    await write(key, lambda session, actor: views.delete_view(session, actor=actor, view_id=view_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/views/{view_id}/duplicate", status_code=status.HTTP_201_CREATED, summary="Copy a view into a personal one"
)
async def duplicate_view(key: Credential, view_id: ViewId, data: ViewCopy, response: Response) -> ViewPublic:
    created = await write(
        key, lambda session, actor: views.duplicate_view(session, actor=actor, view_id=view_id, name=data.name)
    )
    response.headers["Location"] = f"{router.prefix}/views/{created.id}"
    return created


@router.get("/views/{view_id}/tickets", summary="A page of the view's tickets (the shape of /tickets)")
async def view_tickets(
    key: Credential,
    view_id: ViewId,
    quick: QuickParam = None,
    q: Annotated[str | None, Query(max_length=200, description="Words, a #number, a name or an e-mail.")] = None,
    sort: Annotated[
        str | None, Query(description="updated_at, created_at or number; '-' for descending (default: the view's).")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> TicketPage:
    return await read(
        key,
        lambda session, actor: views.view_tickets(
            session, actor=actor, view_id=view_id, page=page, per_page=per_page, quick=list(quick or []), q=q, sort=sort
        ),
    )
