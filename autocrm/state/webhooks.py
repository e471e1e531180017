"""Admin: webhooks. Subscribe a URL to events (its signing secret is shown once), change what it hears or turn
it off, delete it after a confirmation, and follow one subscription's deliveries (retrying one by hand)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.services import webhooks
from autocrm.services.webhooks import EVENT_TYPES, DeliveryPublic, WebhookCreate, WebhookPublic, WebhookUpdate
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

EDIT_FORM = Form(
    message="edit_error",
    errors="edit_errors",
    fields=("url", "events", "description", "active"),
    labels={"url": N_("URL"), "description": N_("Description")},
)
# What each event type is, said next to its checkbox (msgids, like the delivery states: the page translates them).
EVENT_HINTS = {
    "ticket.created": N_("A ticket is opened, by anyone, on any channel"),
    "ticket.updated": N_("A ticket's status, priority, assignee, tags or fields change"),
    "message.created": N_("A public reply is added (never an internal note)"),
    "message.internal_created": N_("An internal note is added: only for receivers your team trusts with notes"),
    "rating.submitted": N_("A requester rates a solved ticket"),
    "sla.breached": N_("A ticket misses an SLA target"),
    "alert.triggered": N_("A queue alert starts firing (too many unassigned, waiting too long, breaches)"),
    "attachment.added": N_("A file is attached to a message"),
}
DELIVERY_TEXT = {
    "pending": N_("Retrying"),
    "running": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
}
DELIVERY_COLORS = {"pending": "amber", "running": "blue", "delivered": "grass", "failed": "red"}


def webhook_row(hook: WebhookPublic, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    if hook.active:
        state, color = N_("Active"), "grass"
    elif hook.disabled_reason:
        state, color = N_("Disabled"), "red"
    else:
        state, color = N_("Paused"), "gray"
    return {
        "id": hook.id,
        "url": hook.url,
        "description": hook.description or "",
        "description_text": hook.description or t("No description"),
        "events": list(hook.events),
        "active": hook.active,
        "state": state,
        "state_color": color,
        "state_hint": hook.disabled_reason or "",
        "created_rel": relative_time(hook.created_at, now=now),
        "created_exact": exact_time(hook.created_at),
    }


def _until(when: datetime, now: datetime) -> str:
    """How long until a future moment: 'due now', 'in 40 s', 'in 12 min', 'in 3 h'."""
    seconds = int((when - now).total_seconds())
    if seconds <= 0:
        return t("due now")
    if seconds < 60:
        return t("in {n} s", n=seconds)
    if seconds < 3600:
        return t("in {n} min", n=seconds // 60)
    return t("in {n} h", n=seconds // 3600)


def delivery_row(delivery: DeliveryPublic, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    code = delivery.response_code
    answer = f"HTTP {code}" if code is not None else delivery.last_error or t("Not tried yet")
    next_try = delivery.next_attempt_at
    duration = f"{delivery.duration_ms} ms" if delivery.duration_ms is not None else "–"
    next_label = "–" if next_try is None else _until(next_try, now)
    return {
        "id": delivery.id,
        "event_type": delivery.event_type,
        "ticket": f"#{delivery.ticket_id}" if delivery.ticket_id else "",
        "webhook_id": delivery.webhook_id,
        "ref": " · ".join(
            part for part in (f"#{delivery.ticket_id}" if delivery.ticket_id else "", delivery.webhook_id) if part
        ),
        "status": DELIVERY_TEXT.get(delivery.status, delivery.status),
        "status_color": DELIVERY_COLORS.get(delivery.status, "gray"),
        "attempts": str(delivery.attempts),
        "answer": answer,
        "answer_detail": delivery.last_error or "",
        "duration": duration,
        "created_rel": relative_time(delivery.created_at, now=now),
        "created_exact": exact_time(delivery.created_at),
        "next_try": next_label,
        "next_try_exact": exact_time(next_try) if next_try else "",
        "retryable": delivery.status != "running",
        "facts": t(
            "Tries {tries} · took {duration} · next {next}", tries=delivery.attempts, duration=duration, next=next_label
        ),
    }


class AdminWebhooksState(ConfirmMixin, StaffState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False

    # The create / edit dialog: editing_id 0 makes a new subscription.
    edit_open: bool = False
    editing_id: int = 0
    edit_url: str = ""
    edit_description: str = ""
    edit_events: list[str] = []
    edit_active: bool = True
    edit_errors: dict[str, str] = {}
    edit_error: str = ""
    # The new subscription's secret, shown once in the dialog that made it; cleared when that dialog closes.
    secret: str = ""
    # The subscription whose deliveries are shown, and those deliveries.
    watched: dict[str, Any] = {}
    deliveries: list[dict[str, Any]] = []

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def event_chosen(self) -> dict[str, bool]:
        return {event: event in self.edit_events for event in EVENT_TYPES}

    @rx.var
    def showing_secret(self) -> bool:
        return bool(self.secret)

    @rx.var
    def watching(self) -> bool:
        return bool(self.watched)

    @rx.var
    def has_deliveries(self) -> bool:
        return bool(self.deliveries)

    @rx.var
    def editing(self) -> bool:
        return self.editing_id > 0

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            hooks = webhooks.list_webhooks(session, actor=actor)
            watched_id = int(self.watched.get("id", 0)) if self.watched else 0
            found = [hook for hook in hooks if hook.id == watched_id]
            deliveries = webhooks.list_deliveries(session, actor=actor, webhook_id=watched_id) if found else []
        now = datetime.now(UTC)
        self.rows = [webhook_row(hook, now=now) for hook in hooks]
        self.watched = webhook_row(found[0], now=now) if found else {}
        self.deliveries = [delivery_row(delivery, now=now) for delivery in deliveries]

    def _refresh_for_language(self) -> None:
        self._fetch()

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self._show_edit(False)  # a secret left from an earlier visit is not shown, nor kept, again
        self.watched, self.deliveries = {}, []
        self._fetch()
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def refresh(self):
        self._fetch()

    # ---- making and changing a subscription --------------------------------------------------------------

    def _show_edit(self, shown: bool, row: dict[str, Any] | None = None) -> None:
        self.edit_open = shown
        self.edit_errors, self.edit_error, self.secret = {}, "", ""
        self.editing_id = int(row["id"]) if row else 0
        self.edit_url = row["url"] if row else ""
        self.edit_description = row["description"] if row else ""
        self.edit_events = list(row["events"]) if row else ["ticket.created"]
        self.edit_active = bool(row["active"]) if row else True

    @rx.event
    def open_create(self):
        self._show_edit(True)

    @rx.event
    def open_edit(self, webhook_id: int):
        row = next((r for r in self.rows if r.get("id") == int(webhook_id)), None)
        if row is not None:
            self._show_edit(True, row)

    @rx.event
    def set_edit_open(self, value: bool):
        self._show_edit(bool(value))

    @rx.event
    def toggle_event(self, event: str, checked: bool):
        if event not in EVENT_TYPES:
            return
        chosen = set(self.edit_events) - {event}
        if checked:
            chosen.add(event)
        self.edit_events = [e for e in EVENT_TYPES if e in chosen]

    @rx.event
    def set_edit_active(self, value: bool):
        self.edit_active = bool(value)

    @rx.event
    def save(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        url, description = form_text(form, "url"), form_text(form, "description")
        self.edit_url, self.edit_description = url, description
        events, active = list(self.edit_events), self.edit_active
        if self.editing_id:
            webhook_id = self.editing_id
            written = self._write(
                lambda session: webhooks.update_webhook(
                    session,
                    actor=actor,
                    webhook_id=webhook_id,
                    data=WebhookUpdate(url=url, events=events, description=description, active=active),
                ),
                form=EDIT_FORM,
                success=t("Webhook saved."),
            )
            if written.ok:
                self._show_edit(False)
                self._fetch()
            return written.events
        created = self._write(
            lambda session: webhooks.create_webhook(
                session,
                actor=actor,
                data=WebhookCreate(url=url, events=events, description=description, active=active),
            ),
            form=EDIT_FORM,
        )
        if created.ok and created.value is not None:
            self.secret = created.value.secret
            self._fetch()
        return None

    # ---- deleting -----------------------------------------------------------------------------------------

    @rx.event
    def ask_delete(self, webhook_id: int):
        row = next((r for r in self.rows if r.get("id") == int(webhook_id)), None)
        if row is not None:
            self._ask(id=row["id"], title=self._t("Delete the webhook to {url}?", url=row["url"]))

    @rx.event
    def confirm_delete(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, webhook_id: webhooks.delete_webhook(session, actor=actor, webhook_id=webhook_id),
            success=t("Webhook deleted: nothing more is sent to it."),
            then=lambda _actor: self._fetch(),
        )

    # ---- deliveries ---------------------------------------------------------------------------------------

    @rx.event
    def watch(self, webhook_id: int):
        row = next((r for r in self.rows if r.get("id") == int(webhook_id)), None)
        self.watched = row or {}
        self._fetch()

    @rx.event
    def unwatch(self):
        self.watched, self.deliveries = {}, []

    @rx.event
    def retry(self, delivery_id: int):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        if not self.watched:
            return None
        webhook_id, delivery = int(self.watched["id"]), int(delivery_id)
        written = self._write(
            lambda session: webhooks.retry_delivery(session, actor=actor, webhook_id=webhook_id, delivery_id=delivery),
            success=t("Sending it again now."),
        )
        self._fetch()
        return written.events
