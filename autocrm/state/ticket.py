"""One ticket for an agent: conversation, reply or internal note, status, priority and assignee."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import desk, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketUpdate
from autocrm.state import live, shortcuts
from autocrm.state.conversation import load_conversation
from autocrm.state.format import form_text, ticket_row
from autocrm.state.roles import STAFF
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

COMPOSER_FORM = Form(message="composer_error", fields=("body",), labels={"body": N_("message")})
FOLLOW_UP_FORM = Form(
    message="follow_up_error",
    errors="follow_up_errors",
    fields=("subject", "body"),
    labels={"subject": N_("subject"), "body": N_("message")},
)


class AgentTicketState(StaffState):
    ticket: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    loaded: bool = False
    not_found: bool = False
    mode: str = "reply"  # "reply" or "note"
    composer_error: str = ""
    sending: bool = False
    # A closed ticket takes no more messages: its composer can open a follow-up ticket instead.
    following_up: bool = False
    follow_up_errors: dict[str, str] = {}
    follow_up_error: str = ""

    status_options: list[dict[str, str]] = []
    priority_options: list[dict[str, str]] = []
    assignee_options: list[dict[str, str]] = []

    @rx.var
    def ticket_title(self) -> str:
        if not self.ticket:
            return self._t("Ticket")
        return f"#{self.ticket.get('number')} {self.ticket.get('subject', '')}"

    @rx.var
    def is_note(self) -> bool:
        return self.mode == "note"

    @rx.var
    def is_closed(self) -> bool:
        return bool(self.ticket.get("is_closed"))

    @rx.var
    def note_count(self) -> int:
        return sum(1 for m in self.messages if m.get("internal"))

    def _reload(self, actor: Actor, batch: live.Batch | None = None) -> None:
        path = self.router.url.path
        key = ("conversation", actor.user_id, path)
        loaded = batch.shared(key, lambda: load_conversation(actor, path)) if batch else load_conversation(actor, path)
        if loaded is None:
            self.ticket, self.messages, self.not_found = {}, [], True
            return
        self.not_found = False
        self.ticket, self.messages = loaded
        self._mark_seen(int(self.ticket["id"]))
        if actor.user_id is not None:
            live.watch(self, user_id=actor.user_id, staff=True, ticket_id=int(self.ticket["id"]))

    def _live_refresh(self, batch: live.Batch) -> None:
        """Someone changed tickets: this one's conversation, status, priority and assignee as they are now if it
        was among them, and the sidebar's counts either way."""
        user = batch.user(self._session_token())
        if user is None or user.role.value not in STAFF:
            return
        actor = Actor.for_user(user)
        changed = batch.ticket_ids()
        self._mark_fresh(batch.ticket_ids(not_by=user.id) - {int(self.ticket.get("id") or 0)})
        if self.ticket and int(self.ticket["id"]) in changed:
            self._reload(actor, batch)
        self._load_counts(actor, batch)

    def _refresh_for_language(self) -> None:
        """The language switch: the conversation's times and labels again, in the new language."""
        user = self._current_user()
        if user is not None and user.role.value in STAFF and self.ticket:
            actor = Actor.for_user(user)
            self._reload(actor)
            self._load_counts(actor)

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.loaded, self.composer_error, self.mode = False, "", "reply"
        self.following_up, self.follow_up_errors, self.follow_up_error = False, {}, ""
        with read_session() as session:
            self.status_options = [{"value": s.key, "label": s.name} for s in desk.statuses(session)]
            self.priority_options = [{"value": p.key, "label": p.name} for p in desk.priorities(session)]
            self.assignee_options = [{"value": "none", "label": N_("Unassigned"), "name": ""}] + [
                {
                    "value": str(u.id),
                    "label": t("{name} (you)", name=u.name) if u.id == actor.user_id else u.name,
                    "name": u.name,
                }
                for u in users.list_staff(session, actor=actor)
            ]
        self._reload(actor)
        self._load_counts(actor)
        self.loaded = True
        return shortcuts.install()  # a, r, n and Esc on this page

    @rx.event
    def set_mode(self, mode: str | list[str]):
        mode = mode[0] if isinstance(mode, list) and mode else mode
        self.mode = "note" if mode == "note" else "reply"
        self.composer_error = ""

    def _update(self, label: str, **changes: Any):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        ticket_id = int(self.ticket["id"])
        written = self._write(
            lambda session: tickets.update_ticket(
                session, actor=actor, ticket_id=ticket_id, data=TicketUpdate(**changes)
            ),
            success=label,
        )
        if written.value is None:
            self._reload(actor)
            return written.events
        self.ticket = ticket_row(written.value.model_dump(mode="json"))
        self._load_counts(actor)
        return written.events

    @rx.event
    def set_status(self, value: str):
        if not self.ticket or value == self.ticket.get("status"):
            return None
        name = next((o["label"] for o in self.status_options if o["value"] == value), value)
        return self._update(t("Status set to {name}.", name=t(name)), status=value)

    @rx.event
    def set_priority(self, value: str):
        if not self.ticket or value == self.ticket.get("priority"):
            return None
        name = next((o["label"] for o in self.priority_options if o["value"] == value), value)
        return self._update(t("Priority set to {name}.", name=t(name)), priority=value)

    @rx.event
    def set_assignee(self, value: str):
        return self._assign(value)

    @rx.event
    def assign_to_me(self):
        return self._assign(str(self.user.get("id")))

    def _assign(self, value: str):
        if not self.ticket or value == self.ticket.get("assignee_id_str"):
            return None
        if value == "none":
            return self._update(t("Ticket unassigned."), assignee_id=None)
        name = next((o["name"] for o in self.assignee_options if o["value"] == value), "")
        return self._update(t("Assigned to {name}.", name=name), assignee_id=int(value))

    @rx.event
    def start_follow_up(self):
        self.following_up = bool(self.ticket.get("is_closed"))
        self.follow_up_errors, self.follow_up_error = {}, ""

    @rx.event
    def cancel_follow_up(self):
        self.following_up = False

    @rx.event
    def open_follow_up(self, form: dict[str, Any]):
        """A new ticket for the closed one's requester, linked to it; the agent goes on there."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        subject, body = form_text(form, "subject").strip(), form_text(form, "body").strip()
        original_id = int(self.ticket["id"])
        written = self._write(
            lambda session: tickets.create_ticket(
                session,
                actor=actor,
                data=TicketCreate(subject=subject, body=body, body_format="text", follow_up_of_id=original_id),
            ),
            form=FOLLOW_UP_FORM,
            success=lambda ticket: t("Follow-up #{number} opened.", number=ticket.number),
        )
        if written.value is None:
            return None
        self.following_up = False
        return [rx.redirect(routes.agent_ticket(written.value.id)), *written.events]

    @rx.event
    def send(self, form: dict[str, Any]):
        body = form_text(form, "body")
        internal = self.mode == "note"
        self.composer_error = ""
        if not body.strip():
            self.composer_error = t("Write a note first.") if internal else t("Write a reply first.")
            return None
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        ticket_id = int(self.ticket["id"])
        written = self._write(
            lambda session: tickets.add_message(
                session,
                actor=actor,
                ticket_id=ticket_id,
                data=MessageCreate(body=body, body_format="text", internal=internal),
            ),
            form=COMPOSER_FORM,
            success=t("Internal note added.") if internal else t("Reply sent to the customer."),
        )
        if not written.ok:
            return None
        self._reload(actor)
        self._load_counts(actor)
        return [rx.call_script("document.getElementById('composer-form')?.reset()"), *written.events]
