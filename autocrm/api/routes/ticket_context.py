"""A ticket's timeline, its requester's context and its suggested agents (staff keys): what the agents' ticket
page shows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from autocrm.api.deps import Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import tickets
from autocrm.services.ai import best_agent
from autocrm.services.ai.best_agent import AgentSuggestions
from autocrm.services.errors import field_error
from autocrm.services.tickets import RequesterContext, TimelineEntry

router = APIRouter(prefix="/api/v1", tags=["tickets"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

TicketId = Annotated[int, resource_id("The ticket's id (not its number).")]


def _kinds(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    kinds = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = sorted(kinds - set(tickets.ENTRY_KINDS))
    if unknown:
        raise field_error("kinds", f"Unknown kind {unknown[0]!r}: use {', '.join(tickets.ENTRY_KINDS)}.")
    return kinds


@router.get("/tickets/{ticket_id}/timeline", summary="A ticket's timeline")
async def ticket_timeline(
    key: Credential,
    ticket_id: TicketId,
    kinds: Annotated[
        str | None, Query(max_length=100, description="Comma-separated: reply, note, call, change, rating.")
    ] = None,
) -> list[TimelineEntry]:
    """Replies, internal notes, ratings and the ticket's own changes (with who made them), oldest first."""
    wanted = _kinds(kinds)
    return await read(
        key, lambda session, actor: tickets.timeline(session, actor=actor, ticket_id=ticket_id, kinds=wanted)
    )


@router.get("/tickets/{ticket_id}/requester", summary="The requester's context")
async def requester_context(key: Credential, ticket_id: TicketId) -> RequesterContext:
    """Who asked: organization, past ratings and their other tickets."""
    return await read(key, lambda session, actor: tickets.requester_context(session, actor=actor, ticket_id=ticket_id))


@router.get("/tickets/{ticket_id}/suggested-agents", summary="The agents best suited to a ticket")
async def suggested_agents(key: Credential, ticket_id: TicketId) -> AgentSuggestions:
    """Up to three agents (and the best team) from who resolved the most similar tickets, how fast against the
    desk's median and how well rated, each with a score and the reason in the key's language. Agents who can take
    a ticket now come first; the best one is listed even when away, off shift or full (`status` says which).
    Nothing (`agents: []`, `note` says why) with too little history. Scope `tickets:read`, staff only; with triage
    switched off, 503 `ai_unavailable`."""
    return await read(key, lambda session, actor: best_agent.suggest_agent(session, actor=actor, ticket_id=ticket_id))
