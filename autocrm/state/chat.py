"""The portal's chatbot (`/portal/chat`): questions answered from the public help centre (`services/ai/chat.py`),
each answer with its source and a helpful / not helpful vote; a hand-over to a person when the bot is unsure,
when the customer asks for one, or after two answers marked unhelpful. The hand-over opens a ticket with the
whole conversation, and the chat says which.

The conversation lives in the tab (the service remembers nothing between questions; each question carries
the history). An answer is made on a worker thread (`chat.answer_stream`) and reaches the tab as it comes: the
source as soon as retrieval chose it, then the model's words as it writes them (`reply_text`, one update per
batch of pieces that arrived meanwhile), then the whole answer as a turn with its vote. When the model breaks
off, the quoted answer the service gives instead replaces what was written.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session, write_session
from autocrm.services.actor import Actor
from autocrm.services.ai import chat
from autocrm.services.errors import DomainError
from autocrm.state.roles import CUSTOMER
from autocrm.state.session import SessionState

log = logging.getLogger(__name__)

VOTES = {"yes": True, "no": False}


def _helpful(turn: dict[str, Any]) -> bool | None:
    return VOTES.get(str(turn.get("vote") or ""))


def _history(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"role": t["role"], "text": t["text"][: chat.MAX_TURN_CHARS], "helpful": _helpful(t)}
        for t in turns[-chat.MAX_HISTORY_TURNS :]
    ]


async def _answer_events(
    actor: Actor, question: str, locale: str, turns: list[dict[str, Any]]
) -> AsyncIterator[list[chat.AnswerEvent]]:
    """The service's answer events, made on a thread of their own (a model writing for seconds holds no thread
    of the shared pool), in batches: whatever arrived since the last batch, so a tab gets one update per batch,
    not per piece. An error in the service is raised here."""
    loop = asyncio.get_running_loop()
    arrived: asyncio.Queue[chat.AnswerEvent | Exception | None] = asyncio.Queue()  # None: no more

    def produce() -> None:
        try:
            with read_session() as session:
                for event in chat.answer_stream(
                    session, actor=actor, question=question, locale=locale, history=_history(turns)
                ):
                    loop.call_soon_threadsafe(arrived.put_nowait, event)
        except Exception as error:  # noqa: BLE001 (handed to the event loop, raised there)
            loop.call_soon_threadsafe(arrived.put_nowait, error)
        finally:
            loop.call_soon_threadsafe(arrived.put_nowait, None)

    # In a copy of this context, as `asyncio.to_thread` does: the tab's language goes with it.
    threading.Thread(target=contextvars.copy_context().run, args=(produce,), name="chat-answer", daemon=True).start()
    finished = False
    while not finished:
        items = [await arrived.get()]
        while not arrived.empty():
            items.append(arrived.get_nowait())
        events: list[chat.AnswerEvent] = []
        for item in items:
            if isinstance(item, Exception):
                raise item
            if item is None:
                finished = True
            else:
                events.append(item)
        if events:
            yield events


def _bot_turn(answered: chat.ChatAnswer, index: int) -> dict[str, Any]:
    return {
        "role": "bot",
        "text": answered.answer,
        "sources": _sources(answered.sources),
        "vote": "",
        "index": index,
        "votable": bool(answered.sources),
        "made_by": answered.made_by,
    }


def _sources(sources: list[chat.ChatSource]) -> list[dict[str, Any]]:
    return [{"id": s.article_id, "title": s.title, "url": s.url} for s in sources]


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
    # The answer being written: shown as it grows, with its source, until it becomes a turn.
    replying: bool = False
    reply_text: str = ""
    reply_sources: list[dict[str, Any]] = []
    reply_by_model: bool = False

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
        if self.thinking:
            return
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
        answered: chat.ChatAnswer | None = None
        try:
            async for events in _answer_events(actor, question, locale, earlier):
                async with self:
                    for event in events:
                        if isinstance(event, chat.AnswerDecided) and not event.escalate:
                            self.replying, self.reply_text = True, ""
                            self.reply_sources = _sources(event.sources)
                            self.reply_by_model = event.model_writes
                        elif isinstance(event, chat.AnswerPiece):
                            self.reply_text += event.text
                        elif isinstance(event, chat.AnswerDone):
                            answered = event.answer
                            self.turns = [*self.turns, _bot_turn(answered, len(self.turns))]
                            self.replying, self.reply_text, self.reply_sources = False, "", []
                            self.thinking = False
        except DomainError as error:
            async with self:
                self.thinking, self.replying, self.error = False, False, error.message
            return
        except Exception as error:  # noqa: BLE001 (the database away, say: the customer is told, never left waiting)
            # The type only: the message of a database error can carry the customer's question.
            log.error("the chatbot could not answer: %s", type(error).__name__)
            async with self:
                self.thinking, self.replying, self.reply_text, self.reply_sources = False, False, "", []
                self.error = self._t("Something went wrong on our side. Try again later.")
            return
        if answered is not None and answered.escalate:
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
        except Exception as error:  # noqa: BLE001 (as for an answer: said, never a spinner for good)
            log.error("the chatbot could not hand over: %s", type(error).__name__)
            async with self:
                self.thinking = False
                self.error = self._t("Something went wrong on our side. Try again later.")
            return
        async with self:
            self.thinking = False
            self.handed_over = {
                "number": str(escalated.ticket.number),
                "href": routes.portal_ticket(escalated.ticket.id),
                "message": escalated.message,
            }
