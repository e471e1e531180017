"""E-mail verification (the link's page, the portal's banner and its resend) and the first-run set-up:
thin adapters over `services.verification` and `services.setup`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import t
from autocrm.services import setup, verification
from autocrm.services.errors import DomainError, NotFound
from autocrm.services.user_shapes import UserPublic
from autocrm.state.auth import AuthFormState
from autocrm.state.format import form_text
from autocrm.state.roles import CUSTOMER
from autocrm.state.session import Form, SessionState

SETUP_FORM = Form(message="form_error", errors="errors", fields=("company_name", "name", "email", "password"))


class VerificationBannerState(SessionState):
    """The portal's reminder to an unverified customer, with a resend button."""

    resent_to: str = ""

    @rx.var
    def needs_verification(self) -> bool:
        return self.user.get("role") == "customer" and not self.user.get("email_verified_at")

    @rx.event
    def resend(self):
        actor, refusal = self._actor(CUSTOMER)
        if actor is None:
            return refusal
        client = self.router.session.client_ip or ""
        written = self._write(
            lambda session: verification.resend_verification(session, actor=actor, client=client),
            success=t("We sent a new link to {email}.", email=self.user_email),
        )
        if written.ok:
            self.resent_to = self.user_email
        return written.events


class VerifyEmailState(SessionState):
    """`/verify-email?token=...`: redeems the mailed link once, on load."""

    status: str = "checking"  # checking | verified | failed
    message: str = ""
    verified_email: str = ""

    @rx.event
    def redeem(self):
        self.status, self.message, self.verified_email = "checking", "", ""
        current = self._current_user()
        self.user = UserPublic.model_validate(current).model_dump(mode="json") if current else {}
        self._load_company_name()
        token = self.router.url.query_parameters.get("token", "")
        try:
            with write_session() as session:
                user = verification.verify_email(session, token=token)
        except DomainError as exc:
            self.status, self.message = "failed", exc.message
            return
        self.status, self.verified_email = "verified", user.email
        if self.user.get("id") == user.id:
            self.user = user.model_dump(mode="json")

    @rx.var
    def signed_in_customer(self) -> bool:
        return self.user.get("role") == "customer"


class SetupState(AuthFormState):
    """`/setup?code=...`: the first-run set-up, open only while the desk has no admin."""

    code_ok: bool = False

    @rx.event
    def open_setup(self):
        self.errors, self.form_error, self.busy, self.code_ok = {}, "", False, False
        code = self.router.url.query_parameters.get("code", "")
        try:
            with read_session() as session:
                setup.check_setup_code(session, code)
        except NotFound:
            return [rx.redirect(routes.LOGIN, replace=True), rx.toast.info(setup.SETUP_CLOSED, id="setup-closed")]
        except DomainError as exc:
            self.form_error = exc.message
            return None
        self.code_ok = True
        return None

    @rx.event
    def submit(self, form: dict[str, Any]):
        code = self.router.url.query_parameters.get("code", "")
        written = self._write(
            lambda session: setup.complete_setup(
                session,
                code=code,
                company=form_text(form, "company_name"),
                email=form_text(form, "email"),
                name=form_text(form, "name"),
                password=form_text(form, "password"),
            ),
            form=SETUP_FORM,
        )
        if not written.ok:
            return None
        with read_session() as session:
            self.company_name = setup.company_name(session)
        return self._start(written.value)
