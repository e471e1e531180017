"""The ticket page's suggested articles (`services/ai/suggestions.for_ticket`) and their "Insert link".

A mixin of the agent's ticket state: it is read again with the ticket (`_reload`, which the live feed calls when
the ticket changed), but searched only when what it is searched by changed (the subject, the latest customer
message, the requester's language), so an agent's own reply or a status change costs nothing.
"""

from __future__ import annotations

import html
import json
from typing import Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import t
from autocrm.services.actor import Actor
from autocrm.services.ai import suggestions
from autocrm.services.errors import DomainError
from autocrm.state import editor

COMPOSER_BODY_ID = "composer-body"
SHOWN = 5


class TicketSuggestionsMixin(rx.State, mixin=True):
    suggested_articles: list[dict[str, Any]] = []
    suggestions_loaded: bool = False
    # What the shown suggestions were searched by (ticket, latest customer message), to skip a search that
    # would find the same.
    _suggested_for: str = ""

    def _load_suggestions(self, actor: Actor, ticket: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        ticket_id = int(ticket["id"])
        latest = max(
            (int(m["id"]) for m in messages if not m.get("internal") and not m.get("author_is_staff")), default=0
        )
        key = json.dumps([ticket_id, latest, ticket.get("subject", "")])
        if key == self._suggested_for and self.suggestions_loaded:
            return
        try:
            with read_session() as session:
                found = suggestions.for_ticket(session, actor=actor, ticket_id=ticket_id, limit=SHOWN)
        except DomainError:
            found = []
        self.suggested_articles = [
            {
                "id": s.article_id,
                "title": s.title,
                "snippet": s.snippet,
                "url": s.url,
                "link": s.link,
                "internal": s.internal,
                "language": s.locale.upper(),
            }
            for s in found
        ]
        self._suggested_for, self.suggestions_loaded = key, True

    @rx.event
    def insert_article(self, index: int):
        """Adds a public article's title and full address to the reply being written, at its end."""
        if not 0 <= int(index) < len(self.suggested_articles):
            return None
        article = self.suggested_articles[int(index)]
        if article["internal"] or not article["link"]:
            return rx.toast.error(t("Internal articles are not for customers: their link stays out of replies."))
        link = html.escape(article["link"])
        paragraph = f'<p>{html.escape(article["title"])}: <a href="{link}">{link}</a></p>'
        return [editor.append_html(COMPOSER_BODY_ID, paragraph), rx.toast.success(t("Link added to your reply."))]
