"""Article suggestions (`services/ai/suggestions`): for a request being written, for a ticket, and the counts of
requests they answered. Scopes `ai:use` and `kb:read` (and `tickets:read` for a ticket's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from autocrm.api.deps import Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services.ai import suggestions
from autocrm.services.ai.suggestions import ArticleDeflections, RequestDraft, RequestSuggestion, TicketSuggestion

router = APIRouter(prefix="/api/v1/ai", tags=["AI"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)


@router.post("/request-suggestions", summary="Articles that may answer a request being written")
async def for_request(key: Credential, data: RequestDraft) -> list[RequestSuggestion]:
    """Published public articles only, whoever asks (what the portal shows under a new request); none while
    the text says too little or nothing in the knowledge base is close enough to it."""
    return await read(
        key,
        lambda session, actor: suggestions.for_request(
            session, actor=actor, subject=data.subject, body=data.body, locale=data.locale, limit=data.limit
        ),
    )


@router.get("/tickets/{ticket_id}/articles", summary="Articles suggested for a ticket")
async def for_ticket(
    key: Credential,
    ticket_id: Annotated[int, resource_id("The ticket's id.")],
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
) -> list[TicketSuggestion]:
    """Staff only: articles matching the ticket's subject and latest customer message, internal ones too
    (`internal`: their `link` is empty, customers cannot open them)."""
    return await read(
        key, lambda session, actor: suggestions.for_ticket(session, actor=actor, ticket_id=ticket_id, limit=limit)
    )


@router.get("/deflections", summary="Requests articles answered before they were filed")
async def deflections(
    key: Credential,
    since: datetime | None = None,
    until: datetime | None = None,
    article_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ArticleDeflections]:
    """Staff only: per article, how many customers said it answered the request they were writing, most
    first, in [`since`, `until`) (ISO 8601 with a time zone)."""
    return await read(
        key,
        lambda session, actor: suggestions.deflections(
            session, actor=actor, since=since, until=until, article_id=article_id, limit=limit
        ),
    )
