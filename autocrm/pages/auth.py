"""Sign in, sign up, forgotten password and password reset."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import field, form_callout, invalid
from autocrm.components.i18n import tr
from autocrm.components.layout import auth_shell
from autocrm.components.sso import sso_buttons, sso_refusal
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.auth import ForgotPasswordState, LoginState, ResetPasswordState, SignupState, password_hint
from autocrm.state.session import SessionState
from autocrm.state.sso import SsoLoginState

_hydrated = rx.State.is_hydrated


def _input(name: str, state, **props) -> rx.Component:
    return rx.input(
        name=name,
        id=name,
        size="3",
        width="100%",
        aria_invalid=invalid(state.errors, name),
        **props,
    )


def _submit(label: str) -> rx.Component:
    return rx.button(label, type="submit", size="3", width="100%", disabled=~_hydrated, class_name="submit")


def _switch(text: str, link: str, href: str) -> rx.Component:
    return rx.text(
        text,
        " ",
        rx.link(link, href=href, weight="medium", color_scheme="indigo"),
        size="2",
        color_scheme="gray",
        text_align="center",
    )


def _code_step() -> rx.Component:
    """The second step for accounts with two-step verification: a code from the app, or a recovery code."""
    return auth_shell(
        tr("Two-step verification"),
        rx.cond(
            LoginState.use_recovery,
            tr("Enter one of the recovery codes you saved when you set up two-step verification."),
            tr("Enter the 6-digit code your authenticator app shows for this account."),
        ),
        form_callout(LoginState.form_error),
        rx.form(
            rx.flex(
                field(
                    rx.cond(LoginState.use_recovery, tr("Recovery code"), tr("Code from the app")),
                    _input(
                        "code",
                        LoginState,
                        auto_complete="one-time-code",
                        input_mode=rx.cond(LoginState.use_recovery, "text", "numeric"),
                        placeholder=rx.cond(LoginState.use_recovery, "xxxxx-xxxxx", "123456"),
                        auto_focus=True,
                    ),
                    error=LoginState.errors.get("code", ""),
                    html_for="code",
                ),
                rx.el.label(
                    rx.flex(
                        rx.checkbox(name="remember", id="remember", class_name="remember-device"),
                        rx.text(tr("Remember this device for 30 days"), size="2"),
                        align="center",
                        spacing="2",
                    ),
                ),
                _submit(tr("Verify")),
                rx.button(
                    rx.cond(
                        LoginState.use_recovery,
                        tr("Use a code from the app instead"),
                        tr("Use a recovery code instead"),
                    ),
                    on_click=LoginState.toggle_recovery,
                    type="button",
                    variant="ghost",
                    size="2",
                    margin_x="auto",
                    class_name="toggle-recovery",
                ),
                direction="column",
                spacing="4",
            ),
            on_submit=LoginState.submit_code,
            reset_on_submit=False,
            id="code-form",
        ),
        footer=rx.button(
            tr("Back to sign in"),
            on_click=LoginState.back_to_password,
            type="button",
            variant="ghost",
            color_scheme="gray",
            size="2",
            class_name="back-to-password",
        ),
    )


@page(route=routes.LOGIN, title=N_("Sign in · AutoCRM"), on_load=[LoginState.open_page, SsoLoginState.load])
def login() -> rx.Component:
    return rx.cond(LoginState.step == "code", _code_step(), _password_step())


def _password_step() -> rx.Component:
    return auth_shell(
        tr("Sign in"),
        rx.text(tr("Welcome back to {desk}.", desk=SessionState.company_name), as_="span"),
        form_callout(LoginState.form_error),
        sso_refusal(),
        rx.form(
            rx.flex(
                field(
                    tr("E-mail"),
                    _input(
                        "email",
                        LoginState,
                        type="email",
                        placeholder="you@example.com",
                        auto_complete="username",
                        auto_focus=True,
                    ),
                    error=LoginState.errors.get("email", ""),
                    html_for="email",
                ),
                field(
                    tr("Password"),
                    _input("password", LoginState, type="password", auto_complete="current-password"),
                    error=LoginState.errors.get("password", ""),
                    html_for="password",
                ),
                rx.flex(
                    rx.link(tr("Forgot password?"), href=routes.FORGOT_PASSWORD, size="2"),
                    justify="end",
                    margin_top="-8px",
                ),
                _submit(tr("Sign in")),
                direction="column",
                spacing="4",
            ),
            on_submit=LoginState.submit,
            reset_on_submit=False,
            id="login-form",
        ),
        sso_buttons(),
        footer=_switch(tr("New here?"), tr("Create a customer account"), routes.SIGNUP),
    )


@page(route=routes.SIGNUP, title=N_("Create an account · AutoCRM"), on_load=SignupState.open_page)
def signup() -> rx.Component:
    return auth_shell(
        tr("Create your account"),
        rx.text(
            tr("Ask {desk} for help and follow every request in one place.", desk=SessionState.company_name),
            as_="span",
        ),
        form_callout(SignupState.form_error),
        rx.cond(
            SignupState.sent_to,
            rx.flex(
                rx.callout(
                    rx.text(
                        tr(
                            "Check your inbox: we sent a message to {email}. "
                            "Open the link in it to confirm the address, then sign in.",
                            email=SignupState.sent_to,
                        ),
                        as_="span",
                    ),
                    icon="mail-check",
                    color_scheme="green",
                    class_name="signup-sent",
                ),
                rx.text(
                    tr(
                        "No e-mail after a few minutes? Check your spam folder. If you already have an account, "
                        "the message says how to sign in."
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                rx.link(rx.button(tr("Sign in"), size="3", width="100%"), href=routes.LOGIN, width="100%"),
                direction="column",
                spacing="4",
            ),
            rx.form(
                rx.flex(
                    field(
                        tr("Full name"),
                        _input("name", SignupState, placeholder=tr("Jane Doe"), auto_complete="name", auto_focus=True),
                        error=SignupState.errors.get("name", ""),
                        html_for="name",
                    ),
                    field(
                        tr("E-mail"),
                        _input(
                            "email", SignupState, type="email", placeholder="you@example.com", auto_complete="email"
                        ),
                        error=SignupState.errors.get("email", ""),
                        html_for="email",
                    ),
                    field(
                        tr("Password"),
                        _input("password", SignupState, type="password", auto_complete="new-password"),
                        error=SignupState.errors.get("password", ""),
                        hint=tr(password_hint()[0], **password_hint()[1]),
                        html_for="password",
                    ),
                    _submit(tr("Create account")),
                    direction="column",
                    spacing="4",
                ),
                on_submit=SignupState.submit,
                reset_on_submit=False,
                id="signup-form",
            ),
        ),
        footer=_switch(tr("Already have an account?"), tr("Sign in"), routes.LOGIN),
    )


@page(route=routes.FORGOT_PASSWORD, title=N_("Forgot password · AutoCRM"), on_load=ForgotPasswordState.open_page)
def forgot_password() -> rx.Component:
    return auth_shell(
        tr("Reset your password"),
        tr("Enter the e-mail address of your account and we'll send you a link to choose a new password."),
        rx.cond(
            ForgotPasswordState.sent,
            rx.flex(
                rx.callout(
                    rx.text(
                        tr(
                            "If an account exists for {email}, we sent a link to reset its password. "
                            "It works for one hour.",
                            email=ForgotPasswordState.sent_to,
                        ),
                        as_="span",
                    ),
                    icon="mail-check",
                    color_scheme="green",
                    class_name="reset-sent",
                ),
                rx.text(
                    tr("No e-mail after a few minutes? Check your spam folder, or try again."),
                    size="2",
                    color_scheme="gray",
                ),
                direction="column",
                spacing="3",
            ),
            rx.form(
                rx.flex(
                    field(
                        tr("E-mail"),
                        _input(
                            "email",
                            ForgotPasswordState,
                            type="email",
                            placeholder="you@example.com",
                            auto_complete="email",
                            auto_focus=True,
                        ),
                        error=ForgotPasswordState.errors.get("email", ""),
                        html_for="email",
                    ),
                    _submit(tr("Send reset link")),
                    direction="column",
                    spacing="4",
                ),
                on_submit=ForgotPasswordState.submit,
                reset_on_submit=False,
            ),
        ),
        footer=_switch(tr("Remembered it?"), tr("Back to sign in"), routes.LOGIN),
    )


@page(route=routes.RESET_PASSWORD, title=N_("Choose a new password · AutoCRM"), on_load=ResetPasswordState.open_reset)
def reset_password() -> rx.Component:
    return auth_shell(
        tr("Choose a new password"),
        tr("Pick a new password. Changing it signs you out everywhere else."),
        form_callout(ResetPasswordState.form_error),
        rx.cond(
            ResetPasswordState.done,
            rx.flex(
                rx.callout(tr("Your password has been changed."), icon="circle-check", color_scheme="green"),
                rx.link(rx.button(tr("Sign in"), size="3", width="100%"), href=routes.LOGIN, width="100%"),
                direction="column",
                spacing="4",
            ),
            rx.form(
                rx.flex(
                    field(
                        tr("New password"),
                        _input(
                            "password",
                            ResetPasswordState,
                            type="password",
                            auto_complete="new-password",
                            auto_focus=True,
                        ),
                        error=ResetPasswordState.errors.get("password", ""),
                        hint=tr(password_hint()[0], **password_hint()[1]),
                        html_for="password",
                    ),
                    field(
                        tr("Repeat the new password"),
                        _input("confirm", ResetPasswordState, type="password", auto_complete="new-password"),
                        error=ResetPasswordState.errors.get("confirm", ""),
                        html_for="confirm",
                    ),
                    _submit(tr("Change password")),
                    direction="column",
                    spacing="4",
                ),
                on_submit=ResetPasswordState.submit,
                reset_on_submit=False,
            ),
        ),
        footer=_switch(tr("Need a new link?"), tr("Ask again"), routes.FORGOT_PASSWORD),
    )


@page(route="/", title="AutoCRM", on_load=SessionState.redirect_home)
def index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh")
