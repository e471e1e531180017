"""Tickets and their conversation and history. Each route parses, calls one service function, and returns its shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session

from autocrm.api.deps import MAX_DB_ID, Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.models import StatusCategory
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import (
    AttachmentPublic,
    AuditPublic,
    CallCreate,
    CallPublic,
    MessageCreate,
    MessagePublic,
    TicketCreate,
    TicketFilter,
    TicketPage,
    TicketPublic,
    TicketUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["tickets"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

TicketId = Annotated[int, resource_id("The ticket's id (not its number).")]
MessageId = Annotated[int, resource_id("The message's id.")]
RepeatableText = Annotated[list[str] | None, Query(description="Repeat the parameter or separate values with commas.")]
# TicketFilter field -> its query parameter, where the names differ: errors name what the client sent.
_PARAM_OF_FILTER_FIELD = {
    "assignee_id": "assignee",
    "team_id": "team",
    "requester_id": "requester",
    "organization_id": "organization",
}


def _split_commas(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _query_error(param: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("query", param), "msg": message}])


def _assignee(raw: str | None) -> int | str | None:
    if raw is None or raw in ("me", "none"):
        return raw
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_DB_ID:
        return int(raw)
    raise _query_error("assignee", "Use a user id, 'me' or 'none'.")


async def ticket_filter(
    _key: Credential,  # resolved first, as before the query is read: a request without a key is a 401
    status: RepeatableText = None,
    status_category: Annotated[list[StatusCategory] | None, Query()] = None,
    priority: RepeatableText = None,
    assignee: Annotated[str | None, Query(description="A user id, `me` or `none` (unassigned).")] = None,
    team: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    requester: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    tag: str | None = None,
    q: Annotated[
        str | None, Query(description="Words of the subject, the ticket number, or the requester's name or e-mail.")
    ] = None,
    sort: Annotated[
        str, Query(description="updated_at, created_at or number; prefix '-' for descending.")
    ] = "-updated_at",
    page: int = 1,
    per_page: int = 25,
    organization: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    channel: RepeatableText = None,
    tags_any: RepeatableText = None,
    tags_all: RepeatableText = None,
    tags_none: RepeatableText = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    overdue: bool = False,
    sla: Annotated[RepeatableText, Query(description="breached, running or paused.")] = None,
    quick: Annotated[
        RepeatableText, Query(description="high_priority, unassigned, overdue, mine, updated_last_hour.")
    ] = None,
) -> TicketFilter:
    if assignee == "me":
        # The service refuses "me" from an API key (every caller here) too, but under its own field name,
        # assignee_id: refused here, the error names the query parameter the client sent, as the others do.
        raise _query_error("assignee", "An API key has no user of its own: use a user id instead of 'me'.")
    raw: dict[str, Any] = {
        "status": _split_commas(status),
        "status_category": status_category or [],
        "priority": _split_commas(priority),
        "assignee_id": _assignee(assignee),
        "team_id": team,
        "requester_id": requester,
        "tag": tag,
        "q": q,
        "sort": sort,
        "page": page,
        "per_page": per_page,
        "organization_id": organization,
        "channel": _split_commas(channel),
        "tags_any": _split_commas(tags_any),
        "tags_all": _split_commas(tags_all),
        "tags_none": _split_commas(tags_none),
        "created_after": created_after,
        "created_before": created_before,
        "updated_after": updated_after,
        "updated_before": updated_before,
        "overdue": overdue,
        "sla": _split_commas(sla),
        "quick": _split_commas(quick),
    }
    for field, value in raw.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise _query_error(_PARAM_OF_FILTER_FIELD.get(field, field), "Text must not contain NUL characters.")
    try:
        return TicketFilter(**raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {**error, "loc": ("query", _PARAM_OF_FILTER_FIELD.get(str(error["loc"][0]), error["loc"][0]))}
                for error in exc.errors()
            ]
        ) from None


@router.get("/tickets", summary="List tickets")
async def list_tickets(key: Credential, filters: Annotated[TicketFilter, Depends(ticket_filter)]) -> TicketPage:
    return await read(key, lambda session, actor: tickets.list_tickets(session, actor=actor, filters=filters))


@router.post("/tickets", status_code=status.HTTP_201_CREATED, summary="Open a ticket")
async def create_ticket(key: Credential, data: TicketCreate, response: Response) -> TicketPublic:
    ticket = await write(key, lambda session, actor: tickets.create_ticket(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/tickets/{ticket.id}"
    return ticket


@router.get("/tickets/{ticket_id}", summary="Get a ticket")
async def get_ticket(key: Credential, ticket_id: TicketId) -> TicketPublic:
    return await read(key, lambda session, actor: tickets.get_ticket(session, actor=actor, ticket_id=ticket_id))


@router.patch("/tickets/{ticket_id}", summary="Change a ticket's fields")
async def update_ticket(key: Credential, ticket_id: TicketId, data: TicketUpdate) -> TicketPublic:
    """Only the fields sent change; `"assignee_id": null` unassigns. Each change is audited."""
    return await write(
        key, lambda session, actor: tickets.update_ticket(session, actor=actor, ticket_id=ticket_id, data=data)
    )


@router.get("/tickets/{ticket_id}/messages", summary="The ticket's conversation, internal notes included")
async def list_messages(key: Credential, ticket_id: TicketId) -> list[MessagePublic]:
    return await read(key, lambda session, actor: tickets.list_messages(session, actor=actor, ticket_id=ticket_id))


@router.post(
    "/tickets/{ticket_id}/messages", status_code=status.HTTP_201_CREATED, summary="Reply, or add an internal note"
)
async def add_message(key: Credential, ticket_id: TicketId, data: MessageCreate) -> MessagePublic:
    """`"internal": true` makes an internal note, which customers never see."""
    return await write(
        key, lambda session, actor: tickets.add_message(session, actor=actor, ticket_id=ticket_id, data=data).message
    )


@router.post("/tickets/{ticket_id}/calls", status_code=status.HTTP_201_CREATED, summary="Log a phone call")
async def log_call(key: Credential, ticket_id: TicketId, data: CallCreate) -> CallPublic:
    """Staff only: the summary becomes an internal note on the phone channel, with the call's direction and
    length beside it in the timeline."""
    return await write(
        key, lambda session, actor: tickets.log_call(session, actor=actor, ticket_id=ticket_id, data=data)
    )


@router.get("/tickets/{ticket_id}/audit", summary="Who changed what on the ticket")
async def ticket_audit(key: Credential, ticket_id: TicketId) -> list[AuditPublic]:
    return await read(key, lambda session, actor: tickets.ticket_audit(session, actor=actor, ticket_id=ticket_id))


@router.post(
    "/tickets/{ticket_id}/messages/{message_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    summary="Attach a file to a message",
)
async def add_attachment(
    key: Credential, ticket_id: TicketId, message_id: MessageId, file: UploadFile
) -> AttachmentPublic:
    def attach(session: Session, actor: Actor) -> AttachmentPublic:
        return tickets.add_attachment(
            session,
            actor=actor,
            ticket_id=ticket_id,
            message_id=message_id,
            filename=file.filename or "",
            data=file.file.read(),
        )

    return await write(key, attach)
