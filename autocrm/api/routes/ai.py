"""The AI features for agents (summaries, rewrites) and the admins' AI settings: switches, usage and health.

Every route needs the scope `ai:use`. Without an LLM, or with the feature switched off, a route that needs
the model answers 503 `ai_unavailable` with `details.reason`; the summary never does (it falls back to the
extractive one).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import spelling
from autocrm.services.ai import provider, recommendations, reply, rewrite, summary
from autocrm.services.ai.provider import AiStatus, FeatureUsage, Health, SwitchesUpdate
from autocrm.services.ai.recommendations import AgentRecommendations
from autocrm.services.ai.reply import SuggestedReply
from autocrm.services.ai.rewrite import RewriteRequest, Rewritten
from autocrm.services.ai.summary import TicketSummary
from autocrm.services.inputs import MAX_DB_ID, ServiceInput
from autocrm.services.spelling import SpellingRequest, SpellingResult

router = APIRouter(prefix="/api/v1/ai", tags=["AI"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)


class TicketRequest(ServiceInput):
    ticket_id: int = Field(ge=1, le=MAX_DB_ID)


@router.post("/summary", summary="Summarize a ticket")
async def summarize(key: Credential, data: TicketRequest) -> TicketSummary:
    """Staff (`tickets:read` too). The problem, what was tried, where it stands and what the customer last asked, each line with the
    ids of the messages it came from, and the requester's previous tickets. `made_by` says `llm` or
    `extractive` (sentences as written, when no LLM is set up or it failed)."""
    return await read(key, lambda session, actor: summary.summarize(session, actor=actor, ticket_id=data.ticket_id))


@router.post("/rewrite", summary="Rewrite a draft in another tone")
async def rewrite_draft(key: Credential, data: RewriteRequest) -> Rewritten:
    """Staff. `tone` is `friendly`, `concise` or `formal`; links and `{{placeholders}}` come through unchanged
    or the rewrite is refused (503, reason `changed_draft`). Needs an LLM."""
    return await read(key, lambda session, actor: rewrite.rewrite(session, actor=actor, data=data))


@router.get("/status", summary="Whether the AI is set up and switched on")
async def ai_status(key: Credential) -> AiStatus:
    """Staff. The provider, the global switch, and each feature's switch and model."""
    return await read(key, lambda session, actor: provider.status(session, actor=actor))


@router.patch("/switches", summary="Switch the AI off or on")
async def set_switches(key: Credential, data: SwitchesUpdate) -> AiStatus:
    """Admins. `enabled` is the kill switch for every feature; `features` switches single ones
    (`summary`, `suggest_reply`, `rewrite`, `triage`, `chat`). Takes effect at once; audited."""
    return await write(
        key,
        lambda session, actor: provider.set_switches(
            session, actor=actor, enabled=data.enabled, features=data.features
        ),
    )


@router.get("/usage", summary="Calls, tokens and latency per feature")
async def ai_usage(key: Credential, days: Annotated[int, Query(ge=1, le=366)] = 7) -> list[FeatureUsage]:
    """Admins. Over the last `days`: calls, failures, prompt and completion tokens, latency p50/p95 and the
    first streamed token's p95, per feature."""
    return await read(key, lambda session, actor: provider.usage(session, actor=actor, days=days))


@router.get("/health", summary="Check the AI provider")
async def ai_health(key: Credential) -> Health:
    """Admins. Asks the provider for its models (5 s, no retries): reachable, and taking the desk's key."""
    return await read(key, lambda session, actor: provider.health(session, actor=actor))


@router.post("/suggest-reply", summary="Suggest a reply to a ticket")
async def suggest_reply(key: Credential, data: TicketRequest) -> SuggestedReply:
    """Staff (`tickets:read` and `kb:read` too). A draft from the best-matching approved macro (placeholders
    filled) and the public articles matching the ticket, with those `sources`; written by the LLM from them when
    one is set up (`made_by: llm`). Nothing matched: an empty `body` and `made_by: none`. Nothing is sent."""
    return await read(key, lambda session, actor: reply.suggest_reply(session, actor=actor, ticket_id=data.ticket_id))


@router.get("/recommendations/agents/{agent_id}", summary="An agent's recommended queue filters and tips")
async def agent_recommendations(
    key: Credential, agent_id: Annotated[int, resource_id("The agent's id.")]
) -> AgentRecommendations:
    """Staff with `tickets:read`; agents their own, admins anyone's (as for an agent's figures). `filters`: what
    the agent handles most in the last 30 days, each a saved view's `filters` (POST it to `/api/v1/views` to
    keep it) with the share of the agent's tickets behind it; `tips`: weekdays where the agent's median first
    response is clearly slower than the team's over the last 8 weeks, with the figures."""
    return await read(key, lambda session, actor: recommendations.for_agent(session, actor=actor, agent_id=agent_id))


@router.post("/spelling", summary="Check a draft's spelling and repeated words")
async def check_spelling(key: Credential, data: SpellingRequest) -> SpellingResult:
    """Staff; no LLM involved (the AI switches do not turn it off). Each issue has its offsets in `text`, the word,
    and up to three suggestions, likeliest first. With `ticket_id` (and `tickets:read`) the ticket's conversation
    and people count as known words, and `locale`, if not given, is the requester's for a public reply
    (`internal: false`) or the desk's default. Spelling is checked in en, de and fr (`spelling_checked`); in es
    only repeated words are (its dictionary is not good enough: see the module's notes)."""
    return await read(key, lambda session, actor: spelling.check_draft(session, actor=actor, data=data))
