"""Single sign-on in the UI: the login page's provider buttons, and the admin page of providers.

Thin adapters over `autocrm.services.sso`; no state here ever holds a client secret (the public shape says
only whether one is stored).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from autocrm.core.db import read_session
from autocrm.core.i18n import N_, t
from autocrm.models import Role
from autocrm.services import sso
from autocrm.services.errors import DomainError
from autocrm.state.format import form_text, refusal_messages
from autocrm.state.roles import ADMIN
from autocrm.state.session import Form, SessionState, go_to, safe_next
from autocrm.state.staff import StaffState

PROVIDER_FORM = Form(
    message="form_error",
    errors="errors",
    fields=("name", "issuer", "client_id", "client_secret", "allowed_domains", "new_user_role"),
    labels={
        "name": N_("Name"),
        "issuer": N_("Issuer URL"),
        "client_id": N_("Client ID"),
        "client_secret": N_("Client secret"),
    },
)
BLANK = {
    "id": 0,
    "name": "",
    "issuer": "",
    "client_id": "",
    "allowed_domains": "",
    "has_client_secret": False,
}


class SsoLoginState(SessionState):
    """The login page's "Sign in with ..." buttons and the message of a refused provider sign-in."""

    providers: list[dict[str, Any]] = []
    sso_error: str = ""

    @rx.var
    def has_providers(self) -> bool:
        return bool(self.providers)

    @rx.event
    def load(self):
        with read_session() as session:
            self.providers = [button.model_dump() for button in sso.enabled_providers(session)]
        # Only a known reason key turns into text: nothing from the URL is shown as it came.
        self.sso_error = sso.refusal_message(self.router.url.query_parameters.get("sso_error"))

    @rx.event
    def start(self, provider_id: int):
        """A full page load of the server's start route, which sends the browser on to the provider."""
        target = safe_next(self.router.url.query_parameters.get("next"))
        return go_to(self._server_url("/api/sso/start", provider=str(int(provider_id)), next=target))


class AdminSsoState(StaffState):
    """/admin/sso: the providers, and the add/edit dialog."""

    providers: list[dict[str, Any]] = []
    callback_url: str = ""
    loaded: bool = False

    editing: dict[str, Any] = {}
    edit_role: str = Role.customer.value
    edit_enabled: bool = True
    errors: dict[str, str] = {}
    form_error: str = ""
    saving: bool = False

    @rx.var
    def has_providers(self) -> bool:
        return bool(self.providers)

    @rx.var
    def dialog_open(self) -> bool:
        return bool(self.editing)

    @rx.var
    def is_new(self) -> bool:
        return not self.editing.get("id")

    def _fetch(self, actor) -> None:
        with read_session() as session:
            self.providers = [p.model_dump(mode="json") for p in sso.list_providers(session, actor=actor)]

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self.callback_url = sso.callback_url()
        self._fetch(actor)
        self._load_counts(actor)
        self.loaded = True
        return None

    def _open(self, values: dict[str, Any], role: str, enabled: bool) -> None:
        self.editing, self.edit_role, self.edit_enabled = values, role, enabled
        self.errors, self.form_error, self.saving = {}, "", False

    @rx.event
    def open_new(self):
        self._open({**BLANK, "key": "new"}, Role.customer.value, True)

    @rx.event
    def open_edit(self, provider_id: int):
        row = next((p for p in self.providers if p.get("id") == int(provider_id)), None)
        if row is None:
            return
        values = {
            "id": row["id"],
            "key": f"edit-{row['id']}-{row['updated_at']}",  # a fresh form each time, with the stored values
            "name": row["name"],
            "issuer": row["issuer"],
            "client_id": row["client_id"],
            "allowed_domains": ", ".join(row["allowed_domains"]),
            "has_client_secret": row["has_client_secret"],
        }
        self._open(values, row["new_user_role"], bool(row["enabled"]))

    @rx.event
    def set_dialog_open(self, value: bool):
        if not value:
            self.editing = {}

    @rx.event
    def set_edit_role(self, value: str):
        self.edit_role = value

    @rx.event
    def set_edit_enabled(self, value: bool):
        self.edit_enabled = bool(value)

    @rx.event
    def save(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        provider_id = int(self.editing.get("id") or 0)
        try:
            data = sso.validated_input(
                sso.SsoProviderInput(
                    name=form_text(form, "name"),
                    issuer=form_text(form, "issuer"),
                    client_id=form_text(form, "client_id"),
                    client_secret=form_text(form, "client_secret"),
                    allowed_domains=form_text(form, "allowed_domains").replace(",", " ").split(),
                    new_user_role=Role(self.edit_role) if self.edit_role in ("customer", "agent") else Role.customer,
                    enabled=self.edit_enabled,
                )
            )
            # The provider must answer before anything is written: a wrong issuer is a field message.
            discovery = sso.check_issuer(actor=actor, issuer=data.issuer)
        except (DomainError, ValidationError) as exc:
            self.errors, self.form_error = refusal_messages(
                exc, fields=PROVIDER_FORM.fields, labels=PROVIDER_FORM.labels
            )
            return None
        if provider_id:
            written = self._write(
                lambda session: sso.update_provider(
                    session, actor=actor, provider_id=provider_id, data=data, discovery=discovery
                ),
                form=PROVIDER_FORM,
                success=lambda p: t("{name} saved.", name=p.name),
            )
        else:
            written = self._write(
                lambda session: sso.create_provider(session, actor=actor, data=data, discovery=discovery),
                form=PROVIDER_FORM,
                success=lambda p: (
                    t("{name} added. Its button is on the sign-in page.", name=p.name)
                    if p.enabled
                    else t("{name} added, turned off.", name=p.name)
                ),
            )
        if not written.ok:
            return None
        self.editing = {}
        self._fetch(actor)
        return written.events

    @rx.event
    def set_enabled(self, provider_id: int, enabled: bool):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: sso.set_provider_enabled(
                session, actor=actor, provider_id=int(provider_id), enabled=bool(enabled)
            ),
            success=lambda p: (
                t("{name} is on the sign-in page.", name=p.name)
                if p.enabled
                else t("{name} is off: its button is gone and its sign-ins are refused.", name=p.name)
            ),
        )
        self._fetch(actor)
        return written.events
