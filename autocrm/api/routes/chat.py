"""The chatbot: an answer from the public help articles, or the conversation handed to the team as a ticket."""

from __future__ import annotations

from fastapi import APIRouter, status

from autocrm.api.deps import Credential, read, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services.ai import chat
from autocrm.services.ai.chat import ChatAnswer, ChatEscalation, ChatEscalationCreate, ChatQuestion

router = APIRouter(prefix="/api/v1/chat", tags=["chatbot"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)


@router.post("/answer", summary="Answer a customer's question, or say to escalate")
async def answer(key: Credential, data: ChatQuestion) -> ChatAnswer:
    """Scope `ai:use`. Answers from published public articles only (whoever the key acts as), in `locale` when
    the article is translated, with the article as its source; `escalate: true` (and no sources) when
    retrieval is not confident enough (`reason: low_confidence`), when the customer asks for a person
    (`asked_for_person`) or once two answers in `history` were marked `helpful: false` (`unhelpful_twice`).
    `made_by`: `llm` when the desk's model wrote the answer from the article's passages (whole, not streamed),
    `extractive` when it quotes them (no model, the chatbot's switch off, or the model failed), `none` for a
    hand-over."""
    return await read(
        key,
        lambda session, actor: chat.answer(
            session, actor=actor, question=data.question, locale=data.locale, history=data.history
        ),
    )


@router.post("/escalate", status_code=status.HTTP_201_CREATED, summary="Hand a conversation to the team")
async def escalate(key: Credential, data: ChatEscalationCreate) -> ChatEscalation:
    """Scopes `ai:use` and `tickets:write`. Opens a ticket on the chat channel for the customer named by
    `requester_id` or `requester_email`, its first message the whole transcript (the bot's sources linked);
    answers the ticket as the customer sees it and the line to show them."""
    return await write(
        key,
        lambda session, actor: chat.escalate(
            session,
            actor=actor,
            transcript=data.transcript,
            locale=data.locale,
            subject=data.subject,
            requester_id=data.requester_id,
            requester_email=data.requester_email,
        ),
    )
