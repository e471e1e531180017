"""Macros: canned replies with actions, their versions, approval, and applying one to a ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import macros
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.macros import MacroApplied, MacroCreate, MacroPublic, MacroUpdate, MacroVersionPublic, VersionDiff

router = APIRouter(prefix="/api/v1", tags=["macros"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

MacroId = Annotated[int, resource_id("The macro's id (see the list).")]
TicketId = Annotated[int, resource_id("The ticket's id (not its number).")]


class Review(ServiceInput):
    comment: str = Field(default="", max_length=1000)
    # The version being judged; refused when a newer one was saved meanwhile.
    version: int | None = Field(default=None, ge=1)


class Rejection(ServiceInput):
    comment: str = Field(min_length=1, max_length=1000)
    version: int | None = Field(default=None, ge=1)


class ApplyMacro(ServiceInput):
    macro_id: DbId
    # Without it nothing is written: the answer is the rendered body and the changes, for review.
    confirm: bool = False
    # The body to send instead of the rendered one (the agent's edit); "" sends no message.
    body: str | None = Field(default=None, max_length=100_000)
    internal: bool = False


@router.get("/macros", summary="List macros")
async def list_macros(
    key: Credential,
    usable: Annotated[bool, Query(description="Only macros with an approved version (what can be applied).")] = False,
    pending: Annotated[bool, Query(description="Only macros whose newest version waits for approval.")] = False,
    archived: Annotated[bool, Query(description="Include archived macros.")] = False,
) -> list[MacroPublic]:
    """The caller's personal macros and every shared one."""
    return await read(
        key,
        lambda session, actor: macros.list_macros(
            session, actor=actor, usable_only=usable, pending_only=pending, include_archived=archived
        ),
    )


@router.post("/macros", status_code=status.HTTP_201_CREATED, summary="Create a macro")
async def create_macro(key: Credential, data: MacroCreate, response: Response) -> MacroPublic:
    """Placeholders: `{{customer.name}}`, `{{customer.first_name}}`, `{{customer.email}}`, `{{ticket.number}}`,
    `{{ticket.subject}}`, `{{ticket.status}}`, `{{ticket.priority}}`, `{{agent.name}}`, `{{agent.first_name}}`,
    `{{ticket.custom_fields.<key>}}`. A shared macro starts as a draft that needs approval."""
    created = await write(key, lambda session, actor: macros.create_macro(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/macros/{created.id}"
    return created


@router.get("/macros/{macro_id}", summary="Get a macro")
async def get_macro(key: Credential, macro_id: MacroId) -> MacroPublic:
    return await read(key, lambda session, actor: macros.get_macro(session, actor=actor, macro_id=macro_id))


@router.patch("/macros/{macro_id}", summary="Change a macro (a new version)")
async def update_macro(key: Credential, macro_id: MacroId, data: MacroUpdate) -> MacroPublic:
    """A changed name, body or actions saves a new version; for a shared macro, a draft to submit."""
    return await write(
        key, lambda session, actor: macros.update_macro(session, actor=actor, macro_id=macro_id, data=data)
    )


@router.get("/macros/{macro_id}/versions", summary="A macro's versions")
async def list_versions(key: Credential, macro_id: MacroId) -> list[MacroVersionPublic]:
    """Newest first, each with its author, state, reviewer and the reviewer's comment."""
    return await read(key, lambda session, actor: macros.list_versions(session, actor=actor, macro_id=macro_id))


@router.get("/macros/{macro_id}/diff", summary="What changed between two versions")
async def version_diff(
    key: Credential,
    macro_id: MacroId,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> VersionDiff:
    return await read(
        key,
        lambda session, actor: macros.version_diff(
            session, actor=actor, macro_id=macro_id, from_version=from_version, to_version=to_version
        ),
    )


@router.post("/macros/{macro_id}/submit", summary="Submit a shared macro's draft for approval")
async def submit_macro(key: Credential, macro_id: MacroId) -> MacroPublic:
    return await write(key, lambda session, actor: macros.submit_macro(session, actor=actor, macro_id=macro_id))


@router.post("/macros/{macro_id}/approve", summary="Approve the version waiting for approval")
async def approve_macro(key: Credential, macro_id: MacroId, data: Review) -> MacroPublic:
    """Team leads and admins; a lead cannot approve their own version."""
    return await write(
        key,
        lambda session, actor: macros.review_macro(
            session, actor=actor, macro_id=macro_id, approve=True, comment=data.comment, version=data.version
        ),
    )


@router.post("/macros/{macro_id}/reject", summary="Send the waiting version back with a comment")
async def reject_macro(key: Credential, macro_id: MacroId, data: Rejection) -> MacroPublic:
    return await write(
        key,
        lambda session, actor: macros.review_macro(
            session, actor=actor, macro_id=macro_id, approve=False, comment=data.comment, version=data.version
        ),
    )


@router.post("/tickets/{ticket_id}/apply-macro", summary="Apply a macro to a ticket")
async def apply_macro(key: Credential, ticket_id: TicketId, data: ApplyMacro) -> MacroApplied:
    """Without `"confirm": true` nothing is written: the answer is the body rendered for this ticket and what
    the actions would change (`applied: false`). With it, the body (or `body`, the edited one) is sent and the
    changes made."""
    if not data.confirm:
        preview = await read(
            key,
            lambda session, actor: macros.preview_macro(
                session, actor=actor, ticket_id=ticket_id, macro_id=data.macro_id
            ),
        )
        return MacroApplied(**preview.model_dump(), applied=False, message_id=None)
    return await write(
        key,
        lambda session, actor: macros.apply_macro(
            session, actor=actor, ticket_id=ticket_id, macro_id=data.macro_id, body=data.body, internal=data.internal
        ),
    )
