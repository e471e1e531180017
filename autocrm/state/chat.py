"""The portal's chatbot (`/portal/chat`): questions answered from the public help centre (`services/ai/chat.py`),
each answer with its source and a helpful / not helpful vote; a hand-over to a person when the bot is unsure,
when the customer asks for one, or after two answers marked unhelpful. The hand-over opens a ticket with the
whole conversation, and the chat says which.

The conversation lives in the tab (the service remembers nothing between questions; each question carries
the history). Answers are computed on a worker thread, so the tab stays responsive while the model (once an
LLM writes the answers) thinks.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session, write_session
from autocrm.services.actor import Actor
from autocrm.services.ai import chat
from autocrm.services.errors import DomainError
from autocrm.state.roles import CUSTOMER
from autocrm.state.session import SessionState

VOTES = {"yes": True, "no": False}


def _helpful(turn: dict[str, Any]) -> bool | None:
    return VOTES.get(str(turn.get("vote") or ""))


def _history(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"role": t["role"], "text": t["text"][: chat.MAX_TURN_CHARS], "helpful": _helpful(t)}
        for t in turns[-chat.MAX_HISTORY_TURNS :]
    ]


def _answer(actor: Actor, question: str, locale: str, turns: list[dict[str, Any]]) -> chat.ChatAnswer:
    with read_session() as session:
        return chat.answer(session, actor=actor, question=question, locale=locale, history=_history(turns))


def _escalate(actor: Actor, locale: str, turns: list[dict[str, Any]]) -> chat.ChatEscalation:
    transcript = [
        {
            "role": t["role"],
            "text": t["text"][: chat.MAX_TURN_CHARS],
            "helpful": _helpful(t),
            "sources": [int(s["id"]) for s in t.get("sources", [])][: chat.MAX_SOURCES_PER_TURN],
        }
        for t in turns[-chat.MAX_TRANSCRIPT_TURNS :]
    ]
    with write_session() as session:
        return chat.escalate(session, actor=actor, transcript=transcript, locale=locale)


class PortalChatState(SessionState):
    turns: list[dict[str, Any]] = []
    thinking: bool = False
    # The ticket the conversation became: its number, address and what the customer is told.
    handed_over: dict[str, str] = {}
    error: str = ""

    @rx.var
    def can_ask(self) -> bool:
        return not self.thinking and not self.handed_over

    @rx.event
    def load(self):
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        return None

    @rx.event
    def start_over(self):
        self.turns, self.handed_over, self.error = [], {}, ""

    @rx.event
    def ask(self, form: dict[str, Any]):
        question = str(form.get("question") or "").strip()
        if not question or not self.can_ask:
            return None
        if len(question) > chat.MAX_QUESTION_CHARS:
            self.error = self._t("Keep the question under {n} characters.", n=chat.MAX_QUESTION_CHARS)
            return None
        self.error = ""
        self.turns = [*self.turns, {"role": "customer", "text": question, "sources": [], "vote": ""}]
        self.thinking = True
        return [rx.set_value("chat-question", ""), PortalChatState.answer_last]

    @rx.event(background=True)
    async def answer_last(self):
        async with self:
            actor, _refusal = self._actor(CUSTOMER)
            if actor is None or not self.turns:
                self.thinking = False
                return
            question, earlier, locale = self.turns[-1]["text"], list(self.turns[:-1]), self.locale
        try:
            answered = await asyncio.to_thread(_answer, actor, question, locale, earlier)
        except DomainError as error:
            async with self:
                self.thinking, self.error = False, error.message
            return
        async with self:
            self.turns = [
                *self.turns,
                {
                    "role": "bot",
                    "text": answered.answer,
                    "sources": [{"id": s.article_id, "title": s.title, "url": s.url} for s in answered.sources],
                    "vote": "",
                    "index": len(self.turns),
                    "votable": bool(answered.sources),
                },
            ]
            self.thinking = False
            if not answered.escalate:
                return
        yield PortalChatState.hand_over

    @rx.event
    def talk_to_person(self):
        if self.handed_over or self.thinking:
            return None
        said = self._t("I would like to talk to a person.")
        self.turns = [*self.turns, {"role": "customer", "text": said, "sources": [], "vote": ""}]
        return PortalChatState.hand_over

    @rx.event
    def vote(self, index: int, helpful: bool):
        """A bot answer marked helpful or not; the second unhelpful one hands the conversation to a person."""
        index = int(index)
        if self.handed_over or not (0 <= index < len(self.turns)) or self.turns[index]["role"] != "bot":
            return None
        turns = [dict(t) for t in self.turns]
        turns[index]["vote"] = "yes" if helpful else "no"
        self.turns = turns
        if chat.unhelpful_twice([chat.ChatTurn(**h) for h in _history(turns)]):
            return PortalChatState.hand_over
        return None

    @rx.event(background=True)
    async def hand_over(self):
        async with self:
            actor, _refusal = self._actor(CUSTOMER)
            if actor is None or self.handed_over or not self.turns:
                return
            self.thinking = True
            turns, locale = list(self.turns), self.locale
        try:
            escalated = await asyncio.to_thread(_escalate, actor, locale, turns)
        except DomainError as error:
            async with self:
                self.thinking, self.error = False, error.message
            return
        async with self:
            self.thinking = False
            self.handed_over = {
                "number": str(escalated.ticket.number),
                "href": routes.portal_ticket(escalated.ticket.id),
                "message": escalated.message,
            }
