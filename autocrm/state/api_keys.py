"""Admin: the desk's API keys. Make one (its secret is shown once), see who made each and when it was last
used, revoke one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.core.i18n import N_, ngettext, t
from autocrm.models import Role
from autocrm.services import api_keys
from autocrm.services.actor import ALL_SCOPES, TICKETS_READ, Actor
from autocrm.services.api_keys import EXPIRY_CHOICES_DAYS, ApiKeyPublic, ApiKeyState
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.format import exact_time, form_text, relative_time
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form
from autocrm.state.staff import StaffState

NEVER = "never"
CREATE_FORM = Form(
    message="create_error",
    errors="create_errors",
    fields=("name", "scopes", "role", "expires_in_days"),
    labels={"name": N_("Name")},
)
# What each scope lets a key do, said next to its checkbox (msgids: the page translates them).
SCOPE_HINTS = {
    "tickets:read": N_("Read tickets, their conversations and history"),
    "tickets:write": N_("Open, change and reply to tickets"),
    "users:read": N_("Read people"),
    "users:write": N_("Change people"),
    "keys:manage": N_("List and revoke API keys (admin keys only)"),
    "webhooks:manage": N_("Set up, change and remove webhooks, and retry deliveries (admin keys only)"),
    "routing:manage": N_("Routing rules, SLA policies and business calendars (admin keys only)"),
    "kb:read": N_("Read and search the knowledge base"),
    "kb:write": N_("Write and publish knowledge-base articles (admins and KB editors)"),
    "views:read": N_("Read saved views and their counts (tickets:read reads them too)"),
    "views:write": N_("Create, change, reorder and delete saved views (shared ones with admin keys only)"),
    "channels:write": N_("Hand the desk raw e-mails received elsewhere (inbound channel webhooks)"),
    "channels:manage": N_("Set up and check IMAP mailboxes, and retry failed mail (admin keys only)"),
    "ai:use": N_("Use the AI features: summaries, suggested replies, rewrites, triage and chatbot answers"),
    "audit:read": N_("Read the audit log: who changed what, and when (admin keys only)"),
    "desk:read": N_("Read the desk's statuses, priorities, custom fields and tags"),
    "desk:manage": N_("Add, rename, reorder and retire statuses, priorities, custom fields and tags (admin keys only)"),
}
STATE_TEXT = {
    ApiKeyState.active: N_("Active"),
    ApiKeyState.expired: N_("Expired"),
    ApiKeyState.revoked: N_("Revoked"),
    ApiKeyState.suspended: N_("Suspended"),
}
STATE_COLORS = {
    ApiKeyState.active: "grass",
    ApiKeyState.expired: "amber",
    ApiKeyState.revoked: "gray",
    ApiKeyState.suspended: "orange",
}


def expiry_label(days: str) -> str:
    if days == NEVER or not days.isdigit():
        return t("Never expires")
    return ngettext("{n} day", "{n} days", int(days))


def _date(value: datetime) -> str:
    return i18n.format_date(value)


def key_row(key: ApiKeyPublic, *, now: datetime | None = None) -> dict[str, Any]:
    """A key as the list shows it: its public shape plus the words and times the table and cards print."""
    now = now or datetime.now(UTC)
    expires = _date(key.expires_at) if key.expires_at else t("Never")
    return {
        "id": key.id,
        "name": key.name,
        "prefix": f"{api_keys.API_KEY_PREFIX}_{key.prefix}_…",
        "scopes": list(key.scopes),
        "role": key.role.value,
        "creator": key.created_by_name or t("Command line"),
        "created_rel": relative_time(key.created_at, now=now),
        "created_exact": exact_time(key.created_at),
        "last_used_rel": relative_time(key.last_used_at, now=now) if key.last_used_at else t("Never"),
        "last_used_exact": exact_time(key.last_used_at) if key.last_used_at else t("Not used yet"),
        "expires": expires,
        "expires_exact": exact_time(key.expires_at) if key.expires_at else t("This key does not expire"),
        "state": t(STATE_TEXT[key.state]),
        "state_color": STATE_COLORS[key.state],
        "state_hint": t("Its creator is deactivated or no longer an admin")
        if key.state == ApiKeyState.suspended
        else "",
        "revocable": key.state != ApiKeyState.revoked,
    }


class AdminApiKeysState(ConfirmMixin, StaffState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False

    create_open: bool = False
    create_errors: dict[str, str] = {}
    create_error: str = ""
    create_role: str = Role.agent.value
    create_scopes: list[str] = [TICKETS_READ]
    create_expiry: str = str(EXPIRY_CHOICES_DAYS[1])
    # The new key's secret, shown once in the dialog that made it; cleared when that dialog closes.
    secret: str = ""
    secret_name: str = ""

    @rx.var
    def has_rows(self) -> bool:
        return bool(self.rows)

    @rx.var
    def scope_chosen(self) -> dict[str, bool]:
        return {scope: scope in self.create_scopes for scope in ALL_SCOPES}

    @rx.var
    def showing_secret(self) -> bool:
        return bool(self.secret)

    def _fetch(self, actor: Actor) -> None:
        with read_session() as session:
            keys = api_keys.list_api_keys(session, actor=actor)
        now = datetime.now(UTC)
        self.rows = [key_row(key, now=now) for key in keys]

    def _refresh_for_language(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is not None:
            self._fetch(actor)

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self._show_create(False)  # a secret left from an earlier visit is not shown, nor kept, again
        self._fetch(actor)
        self._load_counts(actor)
        self.loaded = True
        return None

    # ---- making a key -----------------------------------------------------------------------------

    @rx.event
    def open_create(self):
        self._show_create(True)

    @rx.event
    def set_create_open(self, value: bool):
        self._show_create(bool(value))

    def _show_create(self, shown: bool) -> None:
        self.create_open = shown
        self.create_errors, self.create_error = {}, ""
        self.create_role, self.create_scopes = Role.agent.value, [TICKETS_READ]
        self.create_expiry = str(EXPIRY_CHOICES_DAYS[1])
        self.secret, self.secret_name = "", ""

    @rx.event
    def set_create_role(self, value: str):
        self.create_role = value if value in (Role.agent.value, Role.admin.value) else Role.agent.value

    @rx.event
    def set_create_expiry(self, value: str):
        choices = [NEVER, *(str(days) for days in EXPIRY_CHOICES_DAYS)]
        self.create_expiry = value if value in choices else str(EXPIRY_CHOICES_DAYS[1])

    @rx.event
    def toggle_scope(self, scope: str, checked: bool):
        if scope not in ALL_SCOPES:
            return
        chosen = set(self.create_scopes) - {scope}
        if checked:
            chosen.add(scope)
        self.create_scopes = [s for s in ALL_SCOPES if s in chosen]

    @rx.event
    def create(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        name = form_text(form, "name")
        scopes, role = list(self.create_scopes), Role(self.create_role)
        days = None if self.create_expiry == NEVER else int(self.create_expiry)
        written = self._write(
            lambda session: api_keys.create_api_key(
                session, actor=actor, name=name, scopes=scopes, role=role, expires_in_days=days
            ),
            form=CREATE_FORM,
        )
        if not written.ok or written.value is None:
            return None
        key, self.secret = written.value
        self.secret_name = key.name
        self._fetch(actor)
        return None

    # ---- revoking ---------------------------------------------------------------------------------

    @rx.event
    def ask_revoke(self, key_id: int):
        row = next((r for r in self.rows if r.get("id") == int(key_id)), None)
        if row is None or not row.get("revocable"):
            return
        self._ask(id=row["id"], title=self._t("Revoke “{name}”?", name=row["name"]))

    @rx.event
    def confirm_revoke(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, key_id: api_keys.revoke_api_key(session, actor=actor, key_id=key_id),
            success=lambda key: self._t(
                "“{name}” is revoked: requests with it are refused from now on.", name=key.name
            ),
            then=self._fetch,
        )
