"""AI triage of a new ticket from the desk's resolved tickets (staff, scope `ai:use`)."""

from __future__ import annotations

from fastapi import APIRouter

from autocrm.api.deps import Credential, read
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services.ai import triage
from autocrm.services.ai.triage import TriageRequest, TriageResult

router = APIRouter(prefix="/api/v1/ai", tags=["ai"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)


@router.post("/triage", summary="Suggest a category, team, priority and skills for a new ticket")
async def triage_ticket(key: Credential, data: TriageRequest) -> TriageResult:
    """From the resolved tickets most like this one: each suggestion with its confidence (0-1), and the
    tickets it came from (`similar_tickets`, most similar first). Agents and admins only; nothing is written.
    No LLM is involved, but admins' AI switches apply: with triage (or all AI) switched off, 503 `ai_unavailable`
    with `details.reason: switched_off`."""
    return await read(key, lambda session, actor: triage.triage(session, actor=actor, data=data))
