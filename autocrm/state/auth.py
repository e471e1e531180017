"""Sign in, sign up, forgotten and reset passwords: thin adapters over `autocrm.services.auth`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import write_session
from autocrm.services import auth
from autocrm.services.users import UserPublic
from autocrm.state.format import form_text
from autocrm.state.session import Form, SessionState, go_to, safe_next

LOGIN_FORM = Form(message="form_error", errors="errors", fields=("email", "password"))
SIGNUP_FORM = Form(message="form_error", errors="errors", fields=("name", "email", "password"))
FORGOT_FORM = Form(message="form_error", errors="errors", fields=("email",))
RESET_FORM = Form(message="form_error", errors="errors", fields=("password", "confirm"))


def password_hint() -> str:
    """What the sign-up and reset forms ask of a new password: the service's own policy."""
    return f"At least {auth.MIN_PASSWORD_LENGTH} characters."


class AuthFormState(SessionState):
    """Shared by the four sign-in pages: field errors, a form-level message and a busy flag."""

    errors: dict[str, str] = {}
    form_error: str = ""
    busy: bool = False

    def _start(self, user, *, welcome: bool = False) -> Any:
        """Signs `user` in: the browser redeems a one-time code at the server, which sets the HttpOnly cookie."""
        with write_session() as session:
            code = auth.begin_login_session(session, user=user)
        self.user = UserPublic.model_validate(user).model_dump(mode="json")
        target = safe_next(self.router.url.query_parameters.get("next"))
        if target and user.role.value == "customer" and not target.startswith(routes.PORTAL):
            target = ""
        if target and user.role.value != "customer" and target.startswith(routes.PORTAL):
            target = ""
        target = target or routes.home_for(user.role.value)
        if welcome:
            target += "?welcome=1"
        return go_to(self._server_url("/api/session/claim", code=code, next=target))

    def _skip_if_signed_in(self):
        self.errors, self.form_error, self.busy = {}, "", False
        self._load_company_name()
        user = self._current_user()
        if user is not None:
            return rx.redirect(routes.home_for(user.role.value), replace=True)
        return None

    @rx.event
    def open_page(self):
        """A signed-in visitor skips the sign-in pages."""
        return self._skip_if_signed_in()

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != field}
        self.form_error = ""


class LoginState(AuthFormState):
    @rx.event
    def submit(self, form: dict[str, Any]):
        email, password = form_text(form, "email").strip(), form_text(form, "password")
        errors = {}
        if not email:
            errors["email"] = "Enter your e-mail address."
        if not password:
            errors["password"] = "Enter your password."  # noqa: S105 (a message, not a secret)
        self.errors, self.form_error = errors, ""
        if errors:
            return None
        client = self.router.session.client_ip or ""
        written = self._write(
            lambda session: auth.authenticate(session, email=email, password=password, client=client), form=LOGIN_FORM
        )
        return self._start(written.value) if written.ok else None


class SignupState(AuthFormState):
    # Set once the form went through: the page then says "check your inbox", whether or not the address
    # already had an account (the service mails its owner instead), so the page never tells which.
    sent_to: str = ""

    @rx.event
    def open_page(self):
        self.sent_to = ""
        return self._skip_if_signed_in()

    @rx.event
    def submit(self, form: dict[str, Any]):
        name, email, password = form_text(form, "name"), form_text(form, "email"), form_text(form, "password")
        client = self.router.session.client_ip or ""
        written = self._write(
            lambda session: auth.sign_up_customer(session, email=email, name=name, password=password, client=client),
            form=SIGNUP_FORM,
        )
        if written.ok:
            self.sent_to = str(written.value)


class ForgotPasswordState(AuthFormState):
    sent: bool = False
    sent_to: str = ""

    @rx.event
    def open_page(self):
        self.sent, self.sent_to = False, ""
        return self._skip_if_signed_in()

    @rx.event
    def submit(self, form: dict[str, Any]):
        email = form_text(form, "email").strip()
        self.errors, self.form_error = {}, ""
        if not email:
            self.errors = {"email": "Enter the e-mail address of your account."}
            return
        client = self.router.session.client_ip or ""
        written = self._write(
            lambda session: auth.request_password_reset(session, email=email, client=client), form=FORGOT_FORM
        )
        self.sent, self.sent_to = written.ok, email if written.ok else ""


class ResetPasswordState(AuthFormState):
    done: bool = False

    @rx.event
    def open_reset(self):
        self.errors, self.form_error, self.done = {}, "", False
        if not self.router.url.query_parameters.get("token"):
            self.form_error = (
                "This reset link is incomplete. Open the link from the e-mail again, or ask for a new one."
            )

    @rx.event
    def submit(self, form: dict[str, Any]):
        password, confirm = form_text(form, "password"), form_text(form, "confirm")
        self.errors, self.form_error = {}, ""
        if password != confirm:
            self.errors = {"confirm": "The two passwords differ."}
            return None
        token = self.router.url.query_parameters.get("token", "")
        written = self._write(
            lambda session: auth.reset_password(session, token=token, new_password=password),
            form=RESET_FORM,
            success="Password changed. Sign in with your new password.",
        )
        self.done = written.ok
        return written.events
