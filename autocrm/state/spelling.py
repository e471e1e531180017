"""The composer's spelling check on the agent's ticket page: a mixin of `AgentTicketState`.

The draft lives in the browser's editor, so each step reads its text first (`rx.call_script`), then checks it on a
worker thread (a language's dictionary takes a second or two to load the first time). A chosen suggestion
replaces exactly the word it was found at, in the editor (its formatting kept), if the draft still holds it
there, and the draft is checked again.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.services import spelling
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.state import editor
from autocrm.state.ai_assist import BODY_ID
from autocrm.state.roles import STAFF

_READ_DRAFT = editor.read_text(BODY_ID)


def _check(actor: Actor, text: str, ticket_id: int, internal: bool) -> spelling.SpellingResult:
    with read_session() as session:
        return spelling.check_draft(
            session,
            actor=actor,
            data=spelling.SpellingRequest(text=text, ticket_id=ticket_id, internal=internal),
        )


class SpellingMixin(rx.State, mixin=True):
    spelling_issues: list[dict[str, Any]] = []
    spelling_checking: bool = False
    # Shown once a check ran: "no mistakes found", or that only repeated words were checked in this language.
    spelling_note: str = ""
    spelling_open: bool = False
    _spelling_ignored: list[str] = []
    # A public reply's language (the requester's), for the browser's own spell-check of the text area.
    reply_language: str = ""

    if TYPE_CHECKING:
        ticket: dict[str, Any]
        mode: str
        rewrite_error: str

        def _actor(self, roles: Any) -> tuple[Actor | None, Any]: ...

        def _t(self, msgid: str, /, **params: Any) -> str: ...

    def _spelling_reset(self) -> None:
        self.spelling_issues, self.spelling_note, self.spelling_open = [], "", False
        self._spelling_ignored = []

    def _spelling_on_load(self, actor: Actor) -> None:
        self._spelling_reset()
        ticket_id = int(self.ticket.get("id") or 0)
        with read_session() as session:
            self.reply_language = spelling.reply_locale(session, actor=actor, ticket_id=ticket_id) if ticket_id else ""

    @rx.event
    def check_spelling(self):
        if self.spelling_checking:
            return None
        self.rewrite_error = ""  # an earlier rewrite's failure is not about this draft any more
        return rx.call_script(_READ_DRAFT, callback=type(self).spelling_of_draft)

    @rx.event
    def close_spelling(self):
        self.spelling_issues, self.spelling_note, self.spelling_open = [], "", False

    @rx.event
    def ignore_spelling(self, index: int):
        if 0 <= index < len(self.spelling_issues):
            word = str(self.spelling_issues[index]["word"]).lower()
            self._spelling_ignored = [*self._spelling_ignored, word]
            self.spelling_issues = [i for i in self.spelling_issues if str(i["word"]).lower() != word]
            if not self.spelling_issues:
                self.spelling_note = self._t("Nothing else to check.")

    @rx.event
    def use_suggestion(self, index: int, suggestion: str):
        if not 0 <= index < len(self.spelling_issues):
            return None
        issue = self.spelling_issues[index]
        # Replaced in the editor itself, so the draft keeps its formatting; then checked again.
        script = editor.replace_then_read(
            BODY_ID, int(issue["start"]), int(issue["end"]), str(issue["word"]), str(suggestion)
        )
        return rx.call_script(script, callback=type(self).spelling_of_draft)

    @rx.event(background=True)
    async def spelling_of_draft(self, text: str):
        async with self:
            actor, _refusal = self._actor(STAFF)
            ticket_id = int(self.ticket.get("id") or 0)
            if actor is None or not ticket_id:
                return
            draft = str(text or "")
            if not draft.strip():
                self.spelling_open, self.spelling_issues = True, []
                self.spelling_note = self._t("Write a draft first, then check its spelling.")
                return
            self.spelling_checking, internal = True, self.mode == "note"
        try:
            result = await asyncio.to_thread(_check, actor, draft, ticket_id, internal)
        except (DomainError, ValueError) as error:  # ValueError: the input shape refused it (too long)
            async with self:
                self.spelling_checking, self.spelling_open, self.spelling_issues = False, True, []
                self.spelling_note = (
                    error.message if isinstance(error, DomainError) else self._t("The draft is too long to check.")
                )
            return
        async with self:
            ignored = set(self._spelling_ignored)
            self.spelling_issues = [i.model_dump() for i in result.issues if i.word.lower() not in ignored]
            self.spelling_checking, self.spelling_open = False, True
            if self.spelling_issues:
                self.spelling_note = ""
            elif result.spelling_checked:
                self.spelling_note = self._t("No spelling mistakes found.")
            else:
                self.spelling_note = self._t(
                    "No repeated words. Your browser underlines misspelt words in this language as you type."
                )
