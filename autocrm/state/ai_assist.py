"""The AI on the agent's ticket page: the conversation's summary at the top, and rewriting the draft in the
composer in another tone. A mixin of `AgentTicketState`: it reads the ticket that state loaded.

Both ask the LLM (when one is set up) in a background event on a worker thread, so a slow model never holds
the tab's other events; without an LLM the summary is extractive and instant, and the rewrite menu is not shown.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import N_
from autocrm.services import macros
from autocrm.services.actor import Actor
from autocrm.services.ai import provider, reply, rewrite, summary
from autocrm.services.content import text_to_html
from autocrm.services.errors import DomainError
from autocrm.state import editor
from autocrm.state.roles import STAFF

# A summary is shown once there is something to sum up: a conversation this long, or earlier tickets.
SUMMARY_MIN_MESSAGES = 3
TONE_TEXT = {"friendly": N_("Friendlier"), "concise": N_("More concise"), "formal": N_("More formal")}
BODY_ID = "composer-body"


def summary_view(result: summary.TicketSummary) -> dict[str, Any]:
    """The summary as the page shows it: each line with the message it links to."""

    def line(item: summary.SummaryLine | None) -> dict[str, Any]:
        if item is None:
            return {"text": "", "href": ""}
        return {"text": item.text, "href": f"#message-{item.message_ids[-1]}" if item.message_ids else ""}

    return {
        "problem": line(result.problem),
        "tried": [line(item) for item in result.tried],
        "state": result.state,
        "last_ask": line(result.last_ask),
        "previous": [
            {"number": p.number, "subject": p.subject, "status": p.status_name, "problem": p.problem, "id": p.ticket_id}
            for p in result.previous_tickets
        ],
        "by_llm": result.made_by == "llm",
        "model": result.model or "",
    }


def _summarize(actor: Actor, ticket_id: int) -> summary.TicketSummary:
    with read_session() as session:
        return summary.summarize(session, actor=actor, ticket_id=ticket_id)


def _suggest(actor: Actor, ticket_id: int) -> tuple[reply.SuggestedReply, macros.MacroPreview | None]:
    with read_session() as session:
        suggested = reply.suggest_reply(session, actor=actor, ticket_id=ticket_id)
        preview = (
            macros.preview_macro(session, actor=actor, ticket_id=ticket_id, macro_id=suggested.macro_id)
            if suggested.macro_id
            else None
        )
    return suggested, preview


def _rewrite(actor: Actor, text: str, tone: str) -> rewrite.Rewritten:
    with read_session() as session:
        return rewrite.rewrite(session, actor=actor, data=rewrite.RewriteRequest(text=text, tone=tone))


class TicketAiMixin(rx.State, mixin=True):
    summary: dict[str, Any] = {}
    summary_loading: bool = False
    summary_stale: bool = False  # new messages since it was made (an LLM summary is remade on request)
    rewrite_available: bool = False
    rewrite_tone: str = ""
    rewriting: bool = False
    rewrite_error: str = ""
    # The draft as it was before the last rewrite, to put back.
    draft_before_rewrite: str = ""
    # The suggested reply put in the composer: what it was built from (or that nothing matched).
    suggesting: bool = False
    suggestion_sources: list[dict[str, str]] = []
    suggestion_note: str = ""

    if TYPE_CHECKING:
        ticket: dict[str, Any]
        messages: list[dict[str, Any]]

        def _actor(self, roles: Any) -> tuple[Actor | None, Any]: ...

        def _t(self, msgid: str, /, **params: Any) -> str: ...

        def _hold_macro(self, preview: macros.MacroPreview) -> None: ...

    @rx.var
    def show_summary(self) -> bool:
        return bool(self.summary) and (len(self.messages) >= SUMMARY_MIN_MESSAGES or bool(self.summary.get("previous")))

    def _ai_on_load(self, actor: Actor) -> None:
        """Called by the page's load: the extractive summary at once; the rewrite menu if the model is there."""
        self.summary, self.summary_stale, self.rewrite_error, self.draft_before_rewrite = {}, False, "", ""
        self.suggestion_sources, self.suggestion_note = [], ""
        with read_session() as session:
            self.rewrite_available = provider.available(session, rewrite.FEATURE)
            llm_summary = provider.available(session, summary.FEATURE)
        if not llm_summary and self.ticket:
            self.summary = summary_view(_summarize(actor, int(self.ticket["id"])))

    def _ai_on_change(self, actor: Actor) -> None:
        """The conversation changed under the page (a live push): an extractive summary is remade at once, an
        LLM one is marked stale for the agent to refresh (asking the model from a push would hold the tab)."""
        if not self.ticket:
            return
        if self.summary.get("by_llm"):
            self.summary_stale = True
        else:
            self.summary = summary_view(_summarize(actor, int(self.ticket["id"])))

    @rx.event(background=True)
    async def load_summary(self):
        async with self:
            actor, _refusal = self._actor(STAFF)
            ticket_id = int(self.ticket.get("id") or 0)
            if actor is None or not ticket_id or (self.summary and not self.summary_stale):
                return
            self.summary_loading = True
        try:
            result = await asyncio.to_thread(_summarize, actor, ticket_id)
        except DomainError:
            result = None
        async with self:
            self.summary_loading = False
            if result is not None and int(self.ticket.get("id") or 0) == ticket_id:
                self.summary, self.summary_stale = summary_view(result), False

    @rx.event
    def refresh_summary(self):
        self.summary_stale = True
        return type(self).load_summary

    @rx.event
    def ask_rewrite(self, tone: str):
        """Reads the draft from the composer (its text area is the browser's), then rewrites it."""
        if tone not in TONE_TEXT or self.rewriting:
            return None
        self.rewrite_tone, self.rewrite_error = tone, ""
        return rx.call_script(editor.read_draft(BODY_ID), callback=type(self).rewrite_draft)

    @rx.event(background=True)
    async def rewrite_draft(self, draft: dict[str, Any]):
        text = str((draft or {}).get("text") or "") if isinstance(draft, dict) else str(draft or "")
        before = str((draft or {}).get("html") or "") if isinstance(draft, dict) else ""
        async with self:
            actor, _refusal = self._actor(STAFF)
            tone = self.rewrite_tone
            if actor is None or not tone:
                return
            if not str(text or "").strip():
                self.rewrite_error = self._t("Write a draft first, then choose how to rewrite it.")
                return
            self.rewriting = True
        try:
            result = await asyncio.to_thread(_rewrite, actor, str(text), tone)
        except DomainError as error:
            async with self:
                self.rewriting, self.rewrite_error = False, error.message
            return
        except ValueError:  # the input shape refused it (too long)
            async with self:
                self.rewriting = False
                self.rewrite_error = self._t("The draft is too long to rewrite.")
            return
        async with self:  # undo puts back the draft as it was, formatting and all
            self.rewriting, self.draft_before_rewrite = False, before or text_to_html(text)
        yield editor.set_text(BODY_ID, result.text)

    @rx.event
    def undo_rewrite(self):
        before, self.draft_before_rewrite = self.draft_before_rewrite, ""
        return editor.set_html(BODY_ID, before) if before else None

    @rx.event
    def keep_rewrite(self):
        self.draft_before_rewrite = ""

    @rx.event(background=True)
    async def suggest_reply(self):
        """Drafts a reply from the best-matching macro and articles into the composer, for the agent to edit;
        a macro it used is held like a chosen one, so its actions are shown and go with the send."""
        async with self:
            actor, _refusal = self._actor(STAFF)
            ticket_id = int(self.ticket.get("id") or 0)
            if actor is None or not ticket_id or self.suggesting:
                return
            self.suggesting, self.suggestion_note, self.suggestion_sources = True, "", []
        try:
            suggested, preview = await asyncio.to_thread(_suggest, actor, ticket_id)
        except DomainError as error:
            async with self:
                self.suggesting, self.suggestion_note = False, error.message
            return
        async with self:
            self.suggesting = False
            if not suggested.body:
                self.suggestion_note = self._t(
                    "Nothing in the desk's macros or articles matches this ticket yet, so there is no draft."
                )
                return
            if preview is not None:
                self._hold_macro(preview)
            self.suggestion_sources = [
                {"kind": source.kind, "title": source.title, "url": source.url or ""} for source in suggested.sources
            ]
            self.suggestion_note = (
                self._t("Drafted by the AI from these sources. Review and edit it before you send it.")
                if suggested.made_by == "llm"
                else self._t("Put together from these sources. Review and edit it before you send it.")
            )
        yield editor.set_text(BODY_ID, suggested.body)

    @rx.event
    def dismiss_suggestion(self):
        self.suggestion_sources, self.suggestion_note = [], ""
