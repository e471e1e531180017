"""The account security page: a thin adapter over `autocrm.services.mfa`.

The authenticator's secret and QR code are in the state only while the user is setting up their app (they
must see them); the recovery codes only until the user says they saved them. Nothing else of the
credential ever reaches the browser.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session
from autocrm.core.i18n import t
from autocrm.models import Role
from autocrm.services import mfa
from autocrm.state.format import form_text
from autocrm.state.session import Form, SessionState

EVERYONE = ("customer", "agent", "admin")
ENROL_FORM = Form(message="form_error", errors="errors", fields=("code",))
DISABLE_FORM = Form(message="disable_error", errors="disable_errors", fields=("code",))
RENEW_FORM = Form(message="renew_error", errors="renew_errors", fields=("code",))


def _grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps show and ask for it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class AccountSecurityState(SessionState):
    loaded: bool = False
    enabled: bool = False
    required: bool = False
    recovery_codes_left: int = 0
    # While setting up an app:
    enrolling: bool = False
    secret: str = ""
    qr_svg: str = ""
    # Shown once, right after they were made:
    recovery_codes: list[str] = []
    errors: dict[str, str] = {}
    form_error: str = ""
    disable_errors: dict[str, str] = {}
    disable_error: str = ""
    renew_errors: dict[str, str] = {}
    renew_error: str = ""
    # The desk's policy, for admins:
    require_admins: bool = False
    require_agents: bool = False

    @rx.var
    def secret_grouped(self) -> str:
        return _grouped(self.secret)

    @rx.var
    def showing_recovery_codes(self) -> bool:
        return bool(self.recovery_codes)

    @rx.var
    def recovery_codes_text(self) -> str:
        return "\n".join(self.recovery_codes)

    @rx.var
    def required_notice(self) -> str:
        role = str(self.user.get("role", ""))
        if role == "admin":
            return self._t("Your desk requires two-step verification for admins. Set it up to continue.")
        if role == "agent":
            return self._t("Your desk requires two-step verification for agents. Set it up to continue.")
        return self._t("Your desk requires two-step verification. Set it up to continue.") if role else ""

    def _refresh(self) -> None:
        actor, _refusal = self._actor(EVERYONE)
        if actor is None:
            return
        with read_session() as session:
            shown = mfa.status(session, actor=actor)
            required_roles = mfa.policy(session).required_roles
        self.enabled, self.required, self.recovery_codes_left = shown.enabled, shown.required, shown.recovery_codes_left
        self.require_admins, self.require_agents = Role.admin in required_roles, Role.agent in required_roles
        self.loaded = True

    @rx.event
    def load(self):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        self.enrolling, self.secret, self.qr_svg, self.recovery_codes = False, "", "", []
        self.errors, self.form_error, self.disable_errors, self.disable_error = {}, "", {}, ""
        self.renew_errors, self.renew_error = {}, ""
        self._refresh()
        return None

    @rx.event
    def start(self):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        written = self._write(lambda session: mfa.start_enrolment(session, actor=actor), form=ENROL_FORM)
        if written.ok and written.value is not None:
            self.enrolling, self.secret, self.qr_svg = True, written.value.secret, written.value.qr_svg
        return written.events

    @rx.event
    def cancel(self):
        self.enrolling, self.secret, self.qr_svg, self.errors, self.form_error = False, "", "", {}, ""

    @rx.event
    def confirm(self, form: dict[str, Any]):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        code = form_text(form, "code")
        written = self._write(
            lambda session: mfa.confirm_enrolment(session, actor=actor, code=code),
            form=ENROL_FORM,
            success=t("Two-step verification is on."),
        )
        if written.ok and written.value is not None:
            self.enrolling, self.secret, self.qr_svg, self.recovery_codes = False, "", "", written.value
            self._refresh()
        return written.events

    @rx.event
    def saved_codes(self):
        """The user saved their recovery codes: they leave the page's state (and the browser) now."""
        self.recovery_codes = []
        if self.router.url.query_parameters.get("required"):
            return rx.redirect(routes.home_for(str(self.user.get("role", ""))), replace=True)
        return None

    @rx.event
    def renew(self, form: dict[str, Any]):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        code = form_text(form, "code")
        written = self._write(
            lambda session: mfa.renew_recovery_codes(session, actor=actor, code=code),
            form=RENEW_FORM,
            success=t("New recovery codes made. The old ones no longer work."),
        )
        if written.ok and written.value is not None:
            self.recovery_codes = written.value
            self._refresh()
        return written.events

    @rx.event
    def disable(self, form: dict[str, Any]):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        code = form_text(form, "code")
        written = self._write(
            lambda session: mfa.disable(session, actor=actor, code=code),
            form=DISABLE_FORM,
            success=t("Two-step verification is off."),
        )
        if written.ok:
            self.recovery_codes = []
            self._refresh()
        return written.events

    @rx.event
    def forget_devices(self):
        actor, refusal = self._actor(EVERYONE)
        if actor is None:
            return refusal
        return self._write(
            lambda session: mfa.forget_devices(session, actor=actor),
            success=t("Every remembered device asks for a code at its next sign-in."),
        ).events

    @rx.event
    def set_required(self, role: str, required: bool):
        actor, refusal = self._actor(("admin",))
        if actor is None:
            return refusal
        wanted = Role(role) if role in ("admin", "agent") else Role.agent
        success = {
            (Role.admin, True): t("Two-step verification is now required for admins."),
            (Role.admin, False): t("Two-step verification is no longer required for admins."),
            (Role.agent, True): t("Two-step verification is now required for agents."),
            (Role.agent, False): t("Two-step verification is no longer required for agents."),
        }[(wanted, bool(required))]
        written = self._write(
            lambda session: mfa.set_required(session, actor=actor, role=wanted, required=bool(required)),
            success=success,
        )
        self._refresh()
        if written.ok and self.required and not self.enabled:
            return [*written.events, rx.redirect(f"{routes.ACCOUNT_SECURITY}?required=1", replace=True)]
        return written.events
