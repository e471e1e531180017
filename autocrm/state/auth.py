"""Sign in, sign up, forgotten and reset passwords: thin adapters over `autocrm.services.auth`."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.core.db import write_session
from autocrm.core.i18n import N_, t
from autocrm.core.net import client_address
from autocrm.core.settings import get_settings
from autocrm.services import auth, mfa
from autocrm.services.users import UserPublic
from autocrm.state.format import form_text
from autocrm.state.session import Form, SessionState, safe_next

LOGIN_FORM = Form(message="form_error", errors="errors", fields=("email", "password"))
CODE_FORM = Form(message="form_error", errors="errors", fields=("code",))
SIGNUP_FORM = Form(message="form_error", errors="errors", fields=("name", "email", "password"))
FORGOT_FORM = Form(message="form_error", errors="errors", fields=("email",))
RESET_FORM = Form(message="form_error", errors="errors", fields=("password", "confirm"))


PASSWORD_HINT = N_("At least {n} characters.")


def password_hint() -> tuple[str, dict[str, int]]:
    """What the sign-up and reset forms ask of a new password (the service's own policy): a msgid and its
    placeholders, for the page's `tr()`."""
    return PASSWORD_HINT, {"n": auth.MIN_PASSWORD_LENGTH}


def claim_in_this_browser(claim_url: str, browser_key: str, *, secure: bool) -> Any:
    """Sets the short-lived pre-login cookie (sent only to the claim route) and goes to `claim_url`: a full
    page load, so the next page's websocket handshake carries the session cookie the route sets."""
    cookie = f"{auth.PRELOGIN_COOKIE}={browser_key}; path=/api/session; max-age=120; samesite=strict" + (
        "; secure" if secure else ""
    )
    return rx.call_script(f"document.cookie = {json.dumps(cookie)}; window.location.replace({json.dumps(claim_url)})")


class AuthFormState(SessionState):
    """Shared by the four sign-in pages: field errors, a form-level message and a busy flag."""

    errors: dict[str, str] = {}
    form_error: str = ""
    busy: bool = False

    def _start(self, user, *, welcome: bool = False, remember_device: bool = False) -> Any:
        """Signs `user` in (every check passed): the browser redeems a one-time code at the server, which sets
        the HttpOnly cookie. The code works only with the pre-login cookie this page sets just before."""
        browser_key = auth.new_browser_key()
        with write_session() as session:
            code = auth.begin_login_session(session, user=user, browser_key=browser_key)
        self.user = UserPublic.model_validate(user).model_dump(mode="json")
        target = safe_next(self.router.url.query_parameters.get("next"))
        if target and user.role.value == "customer" and not target.startswith(routes.PORTAL):
            target = ""
        if target and user.role.value != "customer" and target.startswith(routes.PORTAL):
            target = ""
        target = target or routes.home_for(user.role.value)
        if welcome:
            target += "?welcome=1"
        query = {"code": code, "next": target} | ({"remember": "1"} if remember_device else {})
        return claim_in_this_browser(
            self._server_url("/api/session/claim", **query), browser_key, secure=self.router.url.scheme == "https"
        )

    def _client(self) -> str:
        """The client's address: the websocket's peer, or X-Forwarded-For through the trusted proxy hops."""
        headers = self.router.headers.raw_headers
        peer = headers.get("asgi-scope-client") or self.router.session.client_ip
        return client_address(peer, headers.get("x-forwarded-for"), get_settings().trusted_proxy_hops)

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
    """Password, then (for accounts with two-step verification, on a device not remembered) a code. The
    password step yields a pending sign-in kept server-side (`_pending`, never sent to the browser), not
    a sign-in code."""

    step: str = "password"
    use_recovery: bool = False
    _pending: str = ""

    @rx.event
    def open_page(self):
        self.step, self.use_recovery, self._pending = "password", False, ""
        return self._skip_if_signed_in()

    @rx.event
    def submit(self, form: dict[str, Any]):
        email, password = form_text(form, "email").strip(), form_text(form, "password")
        errors = {}
        if not email:
            errors["email"] = t("Enter your e-mail address.")
        if not password:
            errors["password"] = t("Enter your password.")  # noqa: S105 (a message, not a secret)
        self.errors, self.form_error = errors, ""
        if errors:
            return None
        client = self._client()
        written = self._write(
            lambda session: auth.authenticate(session, email=email, password=password, client=client), form=LOGIN_FORM
        )
        if not written.ok or written.value is None:
            return None
        user, device = written.value, self._cookie(mfa.DEVICE_COOKIE)
        with write_session() as session:
            pending = mfa.after_password(session, user=user, device_token=device)
        if pending is None:
            return self._start(user)
        self._pending, self.step, self.use_recovery = pending, "code", False
        return None

    @rx.event
    def submit_code(self, form: dict[str, Any]):
        code, remember = form_text(form, "code").strip(), form.get("remember") in ("on", True, "true")
        self.errors, self.form_error = {}, ""
        if not code:
            self.errors = {"code": t("Enter a recovery code.") if self.use_recovery else t("Enter the 6-digit code.")}
            return None
        pending = self._pending
        written = self._write(lambda session: mfa.complete_sign_in(session, pending=pending, code=code), form=CODE_FORM)
        if not written.ok or written.value is None:
            return None
        self._pending = ""
        return self._start(written.value, remember_device=remember)

    @rx.event
    def toggle_recovery(self):
        self.use_recovery, self.errors, self.form_error = not self.use_recovery, {}, ""

    @rx.event
    def back_to_password(self):
        self.step, self.use_recovery, self._pending, self.errors, self.form_error = "password", False, "", {}, ""


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
            self.errors = {"email": t("Enter the e-mail address of your account.")}
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
            self.form_error = t(
                "This reset link is incomplete. Open the link from the e-mail again, or ask for a new one."
            )

    @rx.event
    def submit(self, form: dict[str, Any]):
        password, confirm = form_text(form, "password"), form_text(form, "confirm")
        self.errors, self.form_error = {}, ""
        if password != confirm:
            self.errors = {"confirm": t("The two passwords differ.")}
            return None
        token = self.router.url.query_parameters.get("token", "")
        written = self._write(
            lambda session: auth.reset_password(session, token=token, new_password=password),
            form=RESET_FORM,
            success=t("Password changed. Sign in with your new password."),
        )
        self.done = written.ok
        return written.events
