"""The desk's vocabulary: statuses, priorities, custom fields and tags. Staff keys read it (`desk:read`, or
`tickets:read`); admin keys with `desk:manage` add, rename, reorder and retire (renaming tags also changes
tickets: `tickets:write` too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import desk, tags
from autocrm.services.desk import (
    CustomFieldCreate,
    CustomFieldPublic,
    CustomFieldUpdate,
    KeyOrder,
    PriorityCreate,
    PriorityPublic,
    PriorityUpdate,
    StatusCreate,
    StatusPublic,
    StatusUpdate,
)
from autocrm.services.tags import TagChange, TagPublic, TagRename

router = APIRouter(prefix="/api/v1/desk", tags=["desk"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

VocabularyKey = Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9][a-z0-9_]*$", description="Its key.")]
FieldId = Annotated[int, resource_id("The custom field's id (see the list).")]


@router.get("/statuses", summary="List statuses, in the desk's order")
async def list_statuses(key: Credential) -> list[StatusPublic]:
    """Retired ones too (`is_active` false), each with the number of tickets in it."""
    return await read(key, lambda session, actor: desk.list_statuses(session, actor=actor))


@router.post("/statuses", status_code=status.HTTP_201_CREATED, summary="Add a status (last in order)")
async def create_status(key: Credential, data: StatusCreate, response: Response) -> StatusPublic:
    """`category` (new, open, pending, on_hold, solved, closed) is what rules and reports key on; `key` is made
    from the name when not given."""
    created = await write(key, lambda session, actor: desk.create_status(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/statuses/{created.key}"
    return created


@router.patch("/statuses/{status_key}", summary="Rename, retire or bring back a status")
async def update_status(key: Credential, status_key: VocabularyKey, data: StatusUpdate) -> StatusPublic:
    """A status tickets are in is not retired (409 with the count), nor the last active one of its category."""
    return await write(key, lambda session, actor: desk.update_status(session, actor=actor, key=status_key, data=data))


@router.post("/statuses/order", summary="Put the statuses in a new order")
async def reorder_statuses(key: Credential, data: KeyOrder) -> list[StatusPublic]:
    """`keys` names every status once."""
    return await write(key, lambda session, actor: desk.reorder_statuses(session, actor=actor, keys=data.keys))


@router.get("/priorities", summary="List priorities, least urgent first")
async def list_priorities(key: Credential) -> list[PriorityPublic]:
    return await read(key, lambda session, actor: desk.list_priorities(session, actor=actor))


@router.post("/priorities", status_code=status.HTTP_201_CREATED, summary="Add a priority (most urgent)")
async def create_priority(key: Credential, data: PriorityCreate, response: Response) -> PriorityPublic:
    created = await write(key, lambda session, actor: desk.create_priority(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/priorities/{created.key}"
    return created


@router.patch("/priorities/{priority_key}", summary="Rename, make default, retire or bring back a priority")
async def update_priority(key: Credential, priority_key: VocabularyKey, data: PriorityUpdate) -> PriorityPublic:
    """The default and a priority tickets have are not retired (409)."""
    return await write(
        key, lambda session, actor: desk.update_priority(session, actor=actor, key=priority_key, data=data)
    )


@router.post("/priorities/order", summary="Rank the priorities anew")
async def reorder_priorities(key: Credential, data: KeyOrder) -> list[PriorityPublic]:
    """`keys` names every priority once, least urgent first."""
    return await write(key, lambda session, actor: desk.reorder_priorities(session, actor=actor, keys=data.keys))


@router.get("/custom-fields", summary="List custom fields, in the desk's order")
async def list_custom_fields(key: Credential) -> list[CustomFieldPublic]:
    return await read(key, lambda session, actor: desk.list_custom_fields(session, actor=actor))


@router.post("/custom-fields", status_code=status.HTTP_201_CREATED, summary="Add a custom field")
async def create_custom_field(key: Credential, data: CustomFieldCreate, response: Response) -> CustomFieldPublic:
    """`field_type`: text, number, date, select (with `options`) or checkbox. `visible_to_customers`: the
    requester sees its value on the portal."""
    created = await write(key, lambda session, actor: desk.add_custom_field(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/custom-fields/{created.id}"
    return created


@router.patch("/custom-fields/{field_id}", summary="Change or retire a custom field")
async def update_custom_field(key: Credential, field_id: FieldId, data: CustomFieldUpdate) -> CustomFieldPublic:
    return await write(
        key,
        lambda session, actor: desk.update_custom_field(session, actor=actor, field_id=field_id, data=data),
    )


@router.post("/custom-fields/order", summary="Put the custom fields in a new order")
async def reorder_custom_fields(key: Credential, data: KeyOrder) -> list[CustomFieldPublic]:
    return await write(key, lambda session, actor: desk.reorder_custom_fields(session, actor=actor, keys=data.keys))


@router.get("/tags", summary="The tags tickets carry, the most used first")
async def list_tags(
    key: Credential,
    q: Annotated[str, Query(max_length=50, description="Only tags containing this.")] = "",
    limit: Annotated[int, Query(ge=1, le=tags.MAX_LISTED)] = 200,
) -> list[TagPublic]:
    return await read(key, lambda session, actor: tags.list_tags(session, actor=actor, query=q, limit=limit))


@router.post("/tags/rename", summary="Rename a tag, or merge tags into one")
async def rename_tags(key: Credential, data: TagRename) -> TagChange:
    """Every ticket with one of `tags` gets `into` instead, each changed (and audited) on its own; more than
    100 tickets change in a background bulk job (`job`, see `GET /api/v1/tickets/bulk/{id}`)."""
    return await write(key, lambda session, actor: tags.rename_tags(session, actor=actor, data=data))
