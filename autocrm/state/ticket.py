"""One ticket for an agent: conversation, reply or internal note, status, priority and assignee."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import desk, macros, tickets, users
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.tickets import MessageCreate, TicketCreate, TicketUpdate
from autocrm.state import editor, live, shortcuts
from autocrm.state.ai_assist import BODY_ID, TicketAiMixin
from autocrm.state.conversation import load_agent_ticket
from autocrm.state.files import StagedFilesMixin
from autocrm.state.format import change_lines, form_text, ticket_row
from autocrm.state.presence import TicketPresenceMixin
from autocrm.state.roles import STAFF
from autocrm.state.session import Form, Written
from autocrm.state.spelling import SpellingMixin
from autocrm.state.staff import StaffState
from autocrm.state.suggestions import TicketSuggestionsMixin
from autocrm.state.triage import TicketTriageMixin

COMPOSER_FORM = Form(message="composer_error", fields=("body",), labels={"body": N_("message")})
FOLLOW_UP_FORM = Form(
    message="follow_up_error",
    errors="follow_up_errors",
    fields=("subject", "body"),
    labels={"subject": N_("subject"), "body": N_("message")},
)


def written_message_id(result: Any) -> int:
    """The id of the message a send wrote (a reply, a note, or a macro's text), 0 when none."""
    if isinstance(result, macros.MacroApplied):
        return result.message_id or 0
    return int(result.message.id) if isinstance(result, tickets.MessageAdded) else 0


# The timeline's filter: which entry kinds each choice shows.
TIMELINE_KINDS: dict[str, frozenset[str]] = {
    "all": frozenset({"reply", "note", "call", "change", "rating"}),
    "conversation": frozenset({"reply", "note", "call"}),
    "notes": frozenset({"note"}),
    "calls": frozenset({"call"}),
    "changes": frozenset({"change", "rating"}),
}
CALL_FORM = Form(
    message="call_error",
    errors="call_errors",
    fields=("direction", "duration_seconds", "summary"),
    labels={"direction": "direction", "duration_seconds": "length", "summary": "summary"},
)


class AgentTicketState(
    TicketAiMixin,
    TicketTriageMixin,
    SpellingMixin,
    TicketSuggestionsMixin,
    StagedFilesMixin,
    TicketPresenceMixin,
    StaffState,
):
    ticket: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    # The timeline: the conversation with the ticket's changes and ratings between the messages; what it shows.
    entries: list[dict[str, Any]] = []
    timeline_kind: str = "all"
    # The requester as the desk knows them (the side panel).
    requester: dict[str, Any] = {}
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
    # Teammates a note may @mention: id and name only (staff, never a customer).
    mention_people: list[dict[str, Any]] = []
    # Approved macros the agent may apply, and the one chosen for the reply being written: its id, name and
    # what its actions will change on send (shown above the composer before anything is sent).
    # The "log a call" dialog.
    call_open: bool = False
    call_errors: dict[str, str] = {}
    call_error: str = ""
    macro_options: list[dict[str, str]] = []
    macro: dict[str, Any] = {}
    # Someone else wrote on the ticket since the agent last read it (who): the composer asks before sending.
    collision: str = ""
    _read_up_to: int = 0  # the newest message the agent had in front of them
    _team_names: dict[int, str] = {}

    @rx.var
    def ticket_title(self) -> str:
        if not self.ticket:
            return self._t("Ticket")
        return f"#{self.ticket.get('number')} {self.ticket.get('subject', '')}"

    @rx.var
    def is_note(self) -> bool:
        return self.mode == "note"

    @rx.var
    def image_upload_url(self) -> str:
        """Where the composer's editor stores a pasted image for this ticket."""
        return routes.inline_image_upload(self.ticket["id"]) if self.ticket.get("id") else ""

    @rx.var
    def is_closed(self) -> bool:
        return bool(self.ticket.get("is_closed"))

    @rx.var
    def note_count(self) -> int:
        return sum(1 for m in self.messages if m.get("internal"))

    @rx.var
    def shown_entries(self) -> list[dict[str, Any]]:
        wanted = TIMELINE_KINDS.get(self.timeline_kind, TIMELINE_KINDS["all"])
        return [entry for entry in self.entries if entry["kind"] in wanted]

    @rx.var
    def change_count(self) -> int:
        return sum(1 for entry in self.entries if entry["kind"] in TIMELINE_KINDS["changes"])

    @rx.event
    def show_kind(self, kind: str | list[str]):
        kind = kind[0] if isinstance(kind, list) and kind else kind
        self.timeline_kind = kind if isinstance(kind, str) and kind in TIMELINE_KINDS else "all"

    def _reload(self, actor: Actor, batch: live.Batch | None = None) -> None:
        path = self.router.url.path
        key = ("agent-ticket", actor.user_id, path)
        loaded = batch.shared(key, lambda: load_agent_ticket(actor, path)) if batch else load_agent_ticket(actor, path)
        if loaded is None:
            self.ticket, self.messages, self.entries, self.requester, self.not_found = {}, [], [], {}, True
            return
        self.not_found = False
        self.ticket, self.messages = loaded["ticket"], loaded["messages"]
        self.entries, self.requester = loaded["entries"], loaded["context"]
        self._mark_seen(int(self.ticket["id"]))
        self._load_suggestions(actor, self.ticket, self.messages)
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
            before = len(self.messages)
            self._reload(actor, batch)
            if len(self.messages) != before:
                self._ai_on_change(actor)
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
            staff = users.list_staff(session, actor=actor)
            self.assignee_options = [{"value": "none", "label": N_("Unassigned"), "name": ""}] + [
                {
                    "value": str(u.id),
                    "label": t("{name} (you)", name=u.name) if u.id == actor.user_id else u.name,
                    "name": u.name,
                }
                for u in staff
            ]
            self.mention_people = [{"id": int(u.id), "name": u.name} for u in staff if u.id != actor.user_id]
            self.macro_options = [
                {"value": str(m.id), "label": m.approved_name or m.latest.name}
                for m in macros.list_macros(session, actor=actor, usable_only=True)
                if m.usable
            ]
            self._team_names = {int(team.id): team.name for team in users.list_teams(session, actor=actor)}
        self.macro, self.collision = {}, ""
        self._reload(actor)
        self._read_up_to = self._newest_message_id()
        self._load_counts(actor)
        self._ai_on_load(actor)
        self._spelling_on_load(actor)
        self._triage_on_load()
        beating = self._presence_on_load(actor)
        self.loaded = True
        # a, r, n and Esc on this page; presence's heartbeats; the summary and triage after the page is up.
        return [
            shortcuts.install(),
            *([beating] if beating is not None else []),
            AgentTicketState.load_summary,
            AgentTicketState.load_triage,
        ]

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
                data=TicketCreate(subject=subject, body=body, body_format="html", follow_up_of_id=original_id),
            ),
            form=FOLLOW_UP_FORM,
            success=lambda ticket: t("Follow-up #{number} opened.", number=ticket.number),
        )
        if written.value is None:
            return None
        self.following_up = False
        return [rx.redirect(routes.agent_ticket(written.value.id)), *written.events]

    # ---- collisions ---------------------------------------------------------------------------------

    def _newest_message_id(self) -> int:
        return max((int(m["id"]) for m in self.messages), default=0)

    def _written_meanwhile(self, actor: Actor) -> str:
        """Who wrote a public message since the agent last read the ticket, read from the conversation now;
        the page is read again only when someone did (so the agent sees it)."""
        with read_session() as session:
            conversation = tickets.list_messages(session, actor=actor, ticket_id=int(self.ticket["id"]))
        names: list[str] = []
        for message in conversation:
            newer = message.id > self._read_up_to
            by_someone_else = message.author is None or message.author.id != actor.user_id
            if newer and not message.internal and by_someone_else:
                name = message.author.name if message.author else t("System")
                if name not in names:
                    names.append(name)
        if names:
            self._reload(actor)
        return ", ".join(names)

    @rx.event
    def dismiss_collision(self):
        self.collision = ""

    # ---- logged calls -------------------------------------------------------------------------------

    @rx.event
    def open_call(self, value: bool = True):
        self.call_open = bool(value) and not self.is_closed
        self.call_errors, self.call_error = {}, ""

    @rx.event
    def log_call(self, form: dict[str, Any]):
        """A phone call with the customer, logged from the ticket: an internal note on the phone channel."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        minutes = form_text(form, "minutes").strip().replace(",", ".")
        self.call_errors, self.call_error = {}, ""
        try:
            seconds = round(float(minutes) * 60) if minutes else 0
        except ValueError:
            self.call_errors = {"duration_seconds": t("Give the length in minutes, such as 4 or 2.5.")}
            return None
        if seconds < 0 or seconds > 24 * 3600:  # the service refuses it too; this says it in minutes
            self.call_errors = {"duration_seconds": t("A call lasts between 0 and 1,440 minutes.")}
            return None
        ticket_id = int(self.ticket["id"])
        summary = form_text(form, "summary").strip()
        direction = form_text(form, "direction") or "inbound"
        written = self._write(
            lambda session: tickets.log_call(
                session,
                actor=actor,
                ticket_id=ticket_id,
                data=tickets.CallCreate.model_validate(
                    {"direction": direction, "duration_seconds": seconds, "summary": summary}
                ),
            ),
            form=CALL_FORM,
            success=t("Call logged."),
        )
        if not written.ok:
            return None
        self.call_open = False
        self._reload(actor)
        return written.events

    # ---- macros -------------------------------------------------------------------------------------

    def _macro_lines(self, changes: list[macros.MacroChange]) -> list[str]:
        """What the macro's actions will change, as the timeline will say it afterwards."""
        names = {
            "status": {o["value"]: o["label"] for o in self.status_options},
            "priority": {o["value"]: o["label"] for o in self.priority_options},
            "assignee": {o["value"]: o["name"] for o in self.assignee_options if o["value"] != "none"},
            "team": {str(key): name for key, name in self._team_names.items()},
        }
        lines: list[str] = []
        for change in changes:
            field = {"assignee_id": "assignee", "team_id": "team"}.get(change.field, change.field)
            known = names.get(field, {})
            lines.extend(
                change_lines(
                    {
                        "field": field,
                        "before": change.before,
                        "after": change.after,
                        "before_label": known.get(str(change.before), str(change.before)),
                        "after_label": known.get(str(change.after), str(change.after)),
                    }
                )
            )
        return lines

    @rx.event
    def choose_macro(self, value: str):
        """Fills the composer with the macro's text for this ticket, to read and edit before sending, and
        says what its actions will change; nothing is written until the reply is sent."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        if not value.isdigit() or not self.ticket:
            return None
        ticket_id = int(self.ticket["id"])
        try:
            with read_session() as session:
                preview = macros.preview_macro(session, actor=actor, ticket_id=ticket_id, macro_id=int(value))
        except DomainError as error:
            return rx.toast.error(error.message)
        self._hold_macro(preview)
        self.composer_error = ""
        return editor.set_html(BODY_ID, preview.body)

    def _hold_macro(self, preview: macros.MacroPreview) -> None:
        """The macro whose actions go with the next send, shown above the composer until then."""
        self.macro = {
            "id": preview.macro_id,
            "name": preview.name,
            "version": preview.version,
            "lines": self._macro_lines(preview.changes),
        }

    @rx.event
    def drop_macro(self):
        """Sends the reply without the macro's changes (its text stays in the composer, to keep or clear)."""
        self.macro = {}

    @rx.event
    def send(self, form: dict[str, Any]):
        body = form_text(form, "body")
        internal = self.mode == "note"
        self.composer_error = ""
        macro_id = int(self.macro["id"]) if self.macro else None
        if not body.strip() and macro_id is None:
            self.composer_error = t("Write a note first.") if internal else t("Write a reply first.")
            return None
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        ticket_id = int(self.ticket["id"])
        if not internal and not self.collision:
            meanwhile = self._written_meanwhile(actor)
            if meanwhile:  # nothing sent: the agent reads the new message first, then sends again if still right
                self.collision = meanwhile
                self._read_up_to = self._newest_message_id()
                return None
        self.collision = ""
        written: Written[Any]

        def apply(session: Session) -> macros.MacroApplied:
            applied = macros.apply_macro(
                session,
                actor=actor,
                ticket_id=ticket_id,
                macro_id=macro_id or 0,
                body=body,
                body_format="html",
                internal=internal,
            )
            if applied.message_id is not None:
                self._attach_staged(session, actor, ticket_id, applied.message_id)
            return applied

        def add(session: Session) -> tickets.MessageAdded:
            added = tickets.add_message(
                session,
                actor=actor,
                ticket_id=ticket_id,
                data=MessageCreate(body=body, body_format="html", internal=internal),
            )
            self._attach_staged(session, actor, ticket_id, added.message.id)
            return added

        if macro_id is not None:
            written = self._write(
                apply, form=COMPOSER_FORM, success=lambda applied: self._macro_sent(applied, internal)
            )
        else:
            written = self._write(
                add,
                form=COMPOSER_FORM,
                success=t("Internal note added.") if internal else t("Reply sent to the customer."),
            )
        if not written.ok:
            return None
        self.macro = {}
        self.suggestion_sources, self.suggestion_note, self.draft_before_rewrite = [], "", ""
        self._spelling_reset()
        self._drop_staged()
        self._read_up_to = max(self._read_up_to, written_message_id(written.value))
        self._reload(actor)
        self._load_counts(actor)
        return [rx.call_script("document.getElementById('composer-form')?.reset()"), *written.events]

    @staticmethod
    def _macro_sent(applied: macros.MacroApplied, internal: bool) -> str:
        if applied.message_id is None:
            return t("Macro “{name}” applied.", name=applied.name)
        if internal:
            return t("Macro “{name}” applied and the note added.", name=applied.name)
        return t("Macro “{name}” applied and the reply sent to the customer.", name=applied.name)
