"""Article suggestions (`services/ai/suggestions`): for a request being written, for a ticket, for the signed-in
customer, and the counts of requests they answered. Scopes `ai:use` and `kb:read` (and `tickets:read` for a
ticket's); the customer's own answer to the browser's session cookie, as customers have no API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from autocrm.api.deps import ApiCredential, Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.core.db import read_session
from autocrm.core.i18n import t
from autocrm.services import auth
from autocrm.services.actor import Actor
from autocrm.services.ai import suggestions
from autocrm.services.ai.suggestions import (
    ArticleDeflections,
    CustomerSuggestion,
    RequestDraft,
    RequestSuggestion,
    TicketSuggestion,
)
from autocrm.services.errors import AuthenticationFailed
from autocrm.services.kb.articles import LOCALE_PATTERN

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


def _for_signed_in(token: str, locale: str | None, limit: int) -> list[CustomerSuggestion]:
    with read_session() as session:
        user = auth.user_for_session_token(session, token)
        if user is None:
            raise AuthenticationFailed(t("Sign in to the portal first: this answers to the browser's session."))
        return suggestions.for_customer(session, actor=Actor.for_user(user), locale=locale, limit=limit)


@router.get("/suggestions/for-me", summary="Articles for the signed-in customer, from their own requests")
async def for_me(
    request: Request,
    locale: Annotated[str | None, Query(pattern=LOCALE_PATTERN, description="Else the profile's language.")] = None,
    limit: Annotated[int, Query(ge=1, le=10)] = suggestions.HOME_SUGGESTIONS,
) -> list[CustomerSuggestion]:
    """The portal home's "Articles for you", with the browser's session cookie: published public articles
    matching the customer's own latest requests (`reason: request`, with the request's number and subject),
    then the help centre's most read (`popular`) or latest (`latest`) ones. The articles are picked from a
    customer's own requests, so staff, and API keys (which act as staff), are refused (403)."""
    token = request.cookies.get(auth.SESSION_COOKIE, "")[:200]
    scheme, _, raw_key = request.headers.get("authorization", "").partition(" ")
    if not token and scheme.lower() == "bearer" and raw_key.strip():
        key = raw_key.strip()
        if not (key.isascii() and key.isprintable()):
            raise AuthenticationFailed("Send a valid API key as 'Authorization: Bearer <key>'.")
        return await read(
            ApiCredential(key),
            lambda session, actor: suggestions.for_customer(session, actor=actor, locale=locale, limit=limit),
        )
    return await run_in_threadpool(_for_signed_in, token, locale, limit)
