"""The customer portal: my tickets, a new ticket, one ticket's public conversation and its rating."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import reflex as rx
from sqlmodel import Session

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.ai import suggestions
from autocrm.services.errors import NotFound
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketFilter
from autocrm.state import live
from autocrm.state.conversation import load_customer_conversation
from autocrm.state.files import StagedFilesMixin
from autocrm.state.format import customer_ticket_row, form_text
from autocrm.state.roles import CUSTOMER
from autocrm.state.session import Form, SessionState, id_from_path

PORTAL_PAGE_SIZE = 50
NEW_REQUEST_FORM = Form(
    message="form_error",
    errors="errors",
    fields=("subject", "body"),
    labels={"subject": N_("subject"), "body": N_("description")},
)
REPLY_FORM = Form(message="reply_error", fields=("body",), labels={"body": N_("message")})
RATING_FORM = Form(message="rating_error")


class PortalState(SessionState):
    """My tickets, open ones first, and articles picked for me (`suggestions.for_customer`)."""

    open_rows: list[dict[str, Any]] = []
    done_rows: list[dict[str, Any]] = []
    loaded: bool = False
    # Published public articles only, with no more of a request than its number, subject and page, and only of
    # the customer's own: the shape `for_customer` gives.
    articles: list[dict[str, Any]] = []
    articles_loaded: bool = False

    @rx.var
    def has_tickets(self) -> bool:
        return bool(self.open_rows or self.done_rows)

    @rx.var
    def articles_shown(self) -> bool:
        """Whether the articles' column is taken: while they load, and when there are some."""
        return bool(self.articles) or not self.articles_loaded

    @rx.var
    def articles_personal(self) -> bool:
        """Whether any article was picked from the customer's requests (else the section says it is the help
        centre's most read or latest, not theirs)."""
        return any(a["reason"] == "request" for a in self.articles)

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            open_page = tickets.customer_tickets(
                session,
                actor=actor,
                filters=TicketFilter(status_category=list(tickets.UNSOLVED_CATEGORIES), per_page=PORTAL_PAGE_SIZE),
            )
            done_page = tickets.customer_tickets(
                session,
                actor=actor,
                filters=TicketFilter(status_category=["solved", "closed"], per_page=PORTAL_PAGE_SIZE),
            )
        self.open_rows = [customer_ticket_row(t.model_dump(mode="json")) for t in open_page.items]
        self.done_rows = [customer_ticket_row(t.model_dump(mode="json")) for t in done_page.items]
        if actor.user_id is not None:
            live.watch(self, user_id=actor.user_id, staff=False)

    def _live_refresh(self, batch: live.Batch) -> None:
        """One of my tickets changed (never for a note: see `live.Watch.wants`): my lists as they are now."""
        user = batch.user(self._session_token())
        if user is not None and user.role.value in CUSTOMER:
            self._fetch(Actor.for_user(user))

    def _refresh_for_language(self) -> None:
        """The language switch: the requests' labels and the articles in the new language. The requests' vectors
        are kept by their text, so the articles cost a vector query here, not the model."""
        user = self._current_user()
        if user is None or user.role.value not in CUSTOMER:
            return
        actor = Actor.for_user(user)
        self._fetch(actor)
        if self.articles_loaded:
            self.articles = _articles_for(actor, self.locale or None)

    @rx.event
    def load(self):
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        self._fetch(actor)
        self.loaded = True
        # The requests show first; the articles (a model run when the requests changed) follow in an event of
        # their own.
        events: list[Any] = [PortalState.load_articles]
        if self.router.url.query_parameters.get("welcome"):  # straight from sign-up
            events += [
                rx.toast.success(t("Welcome, {name}! Your account is ready.", name=self.user_first_name), id="welcome"),
                rx.call_script("history.replaceState(history.state, '', location.pathname)"),  # once, not on reload
            ]
        return events

    @rx.event(background=True)
    async def load_articles(self):
        """On a worker thread: a request that changed goes through the model, which must hold up neither this
        tab nor the others."""
        async with self:
            actor, _refusal = self._actor(CUSTOMER)
            locale = self.locale or None
        if actor is None:
            return
        found = await asyncio.to_thread(_articles_for, actor, locale)
        async with self:
            self.articles = found
            self.articles_loaded = True


def _articles_for(actor: Actor, locale: str | None) -> list[dict[str, Any]]:
    with read_session() as session:
        found = suggestions.for_customer(session, actor=actor, locale=locale)
    return [
        {
            "id": a.article_id,
            "title": a.title,
            "snippet": a.snippet,
            "url": a.url,
            "reason": a.reason,
            "request_number": a.request.number if a.request is not None else 0,
            "request_subject": a.request.subject if a.request is not None else "",
        }
        for a in found
    ]


class NewTicketState(SessionState):
    errors: dict[str, str] = {}
    form_error: str = ""
    ready: bool = False
    # The closed request this one follows up (`?follow_up=<id>`): its id, number and subject, or empty.
    follow_up: dict[str, Any] = {}
    # Articles that may answer the request being written (public ones only: `suggestions.for_request`), and
    # whether the customer just said one did (the form is cleared and says so).
    suggested: list[dict[str, Any]] = []
    deflected: bool = False
    # The request being written as last typed (debounced in the browser), and the key naming this draft, so
    # one article counts once per draft however often it is clicked.
    _subject_draft: str = ""
    _body_draft: str = ""
    _draft_key: str = ""

    @rx.event
    def load(self):
        self.errors, self.form_error, self.ready, self.follow_up = {}, "", False, {}
        self._new_draft()
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        original_id = id_from_path(self.router.url.query_parameters.get("follow_up", ""))
        if original_id is not None:
            try:
                with read_session() as session:
                    original = tickets.customer_ticket(session, actor=actor, ticket_id=original_id)
            except NotFound:
                original = None
            if original is not None:
                self.follow_up = {"id": original.id, "number": original.number, "subject": original.subject}
        self.ready = True
        return None

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != field}

    # ---- articles that may answer it (deflection) ------------------------------------------------------

    def _new_draft(self) -> None:
        self._subject_draft, self._body_draft, self.suggested = "", "", []
        self._draft_key = secrets.token_urlsafe(12)

    def _suggest(self) -> None:
        actor, _refusal = self._actor(CUSTOMER)
        if actor is None:
            self.suggested = []
            return
        with read_session() as session:
            found = suggestions.for_request(
                session,
                actor=actor,
                subject=self._subject_draft,
                body=self._body_draft,
                locale=self.locale or None,
            )
        self.suggested = [{"id": s.article_id, "title": s.title, "snippet": s.snippet, "url": s.url} for s in found]
        if found:
            self.deflected = False

    @rx.event
    def draft_subject(self, value: str):
        self._subject_draft = str(value)[:250]
        self._suggest()

    @rx.event
    def draft_body(self, value: str):
        self._body_draft = str(value)[: suggestions.MAX_QUERY_CHARS * 4]
        self._suggest()

    @rx.event
    def answered(self, article_id: int):
        """The customer read an article and it answered the question: counted, and the draft goes."""
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        query = suggestions.request_text(self._subject_draft, self._body_draft)
        draft_key = self._draft_key
        written = self._write(
            lambda session: suggestions.record_deflection(
                session, actor=actor, article_id=int(article_id), query=query, draft_key=draft_key
            ),
            success=t("Glad it helped!"),
        )
        if not written.ok:
            return written.events
        self._new_draft()
        self.deflected = True
        self.errors, self.form_error = {}, ""
        return [rx.call_script("document.getElementById('new-request-form')?.reset()"), *written.events]

    @rx.event
    def submit(self, form: dict[str, Any]):
        subject = form_text(form, "subject")
        body = form_text(form, "body")
        errors = {}
        if not subject.strip():
            errors["subject"] = t("Add a short subject, like “Card payment declined”.")
        if not body.strip():
            errors["body"] = t("Describe what happened, so we can help on the first reply.")
        self.errors, self.form_error = errors, ""
        if errors:
            return None
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        follow_up_of_id = self.follow_up.get("id")
        written = self._write(
            lambda session: tickets.create_ticket(
                session,
                actor=actor,
                data=TicketCreate(subject=subject, body=body, body_format="html", follow_up_of_id=follow_up_of_id),
            ),
            form=NEW_REQUEST_FORM,
            success=lambda ticket: t("Request #{number} sent. Our replies appear here.", number=ticket.number),
        )
        if written.value is None:
            return None
        return [rx.redirect(routes.portal_ticket(written.value.id)), *written.events]


class PortalTicketState(StagedFilesMixin, SessionState):
    ticket: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    loaded: bool = False
    not_found: bool = False
    reply_error: str = ""
    stars: int = 0
    rating_error: str = ""

    @rx.var
    def image_upload_url(self) -> str:
        """Where the reply's editor stores a pasted image for this request."""
        return routes.inline_image_upload(self.ticket["id"]) if self.ticket.get("id") else ""

    def _reload(self, actor: Actor) -> None:
        loaded = load_customer_conversation(actor, self.router.url.path)
        if loaded is None:
            self.ticket, self.messages, self.not_found = {}, [], True
            return
        self.not_found = False
        self.ticket, self.messages = loaded
        if actor.user_id is not None:
            live.watch(self, user_id=actor.user_id, staff=False, ticket_id=int(self.ticket["id"]))

    def _live_refresh(self, batch: live.Batch) -> None:
        """An agent replied or changed this request's status: the public conversation as it is now."""
        user = batch.user(self._session_token())
        if user is not None and user.role.value in CUSTOMER:
            self._reload(Actor.for_user(user))

    @rx.event
    def load(self):
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        self.loaded, self.reply_error, self.stars, self.rating_error = False, "", 0, ""
        self._reload(actor)
        self.loaded = True
        return None

    @rx.event
    def reply(self, form: dict[str, Any]):
        body = form_text(form, "body")
        self.reply_error = ""
        if not body.strip():
            self.reply_error = t("Write a message first.")
            return None
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        ticket_id = int(self.ticket["id"])

        def add(session: Session) -> tickets.MessageAdded:
            added = tickets.add_message(
                session, actor=actor, ticket_id=ticket_id, data=MessageCreate(body=body, body_format="html")
            )
            self._attach_staged(session, actor, ticket_id, added.message.id)
            return added

        written = self._write(
            add,
            form=REPLY_FORM,
            success=lambda added: (
                t("Message sent. We reopened your request.") if added.reopened else t("Message sent.")
            ),
        )
        if not written.ok:
            return None
        self._drop_staged()
        self._reload(actor)
        return [rx.call_script("document.getElementById('reply-form')?.reset()"), *written.events]

    @rx.event
    def choose_stars(self, stars: int):
        self.stars = max(1, min(5, int(stars)))
        self.rating_error = ""

    @rx.event
    def rate(self, form: dict[str, Any]):
        comment = form_text(form, "comment")
        if not self.stars:
            self.rating_error = t("Choose 1 to 5 stars.")
            return None
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        ticket_id, stars = int(self.ticket["id"]), self.stars
        written = self._write(
            lambda session: tickets.rate_ticket(
                session, actor=actor, ticket_id=ticket_id, score=stars, comment=comment
            ),
            form=RATING_FORM,
            success=t("Thank you for your feedback!"),
        )
        self._reload(actor)
        return written.events
