"""E-mail verification (the mailed link's page and the portal's banner) and the first-run set-up page."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import field, form_callout, invalid
from autocrm.components.i18n import tr
from autocrm.components.layout import auth_shell
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.accounts import SetupState, VerificationBannerState, VerifyEmailState
from autocrm.state.auth import password_hint

_hydrated = rx.State.is_hydrated


def verification_banner() -> rx.Component:
    """Shown in the portal to a customer whose address is not confirmed yet, with a resend button."""
    s = VerificationBannerState
    return rx.cond(
        s.needs_verification,
        rx.callout(
            rx.flex(
                rx.text(
                    tr(
                        "Confirm your e-mail address: open the link we sent to {email}. "
                        "Until then you see only the requests you opened here yourself.",
                        email=s.user_email,
                    ),
                    as_="span",
                ),
                rx.button(
                    rx.icon("mail", size=14),
                    rx.cond(s.resent_to, tr("Send it again"), tr("Resend the link")),
                    on_click=s.resend,
                    size="1",
                    variant="soft",
                    color_scheme="amber",
                    class_name="resend-verification",
                    disabled=~_hydrated,
                    flex_shrink="0",
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                align=rx.breakpoints(initial="start", sm="center"),
                justify="between",
                gap="3",
                width="100%",
            ),
            icon="mail-warning",
            color_scheme="amber",
            size="1",
            width="100%",
            class_name="verify-banner",
        ),
    )


@page(route=routes.VERIFY_EMAIL, title=N_("Confirm your e-mail · AutoCRM"), on_load=VerifyEmailState.redeem)
def verify_email() -> rx.Component:
    s = VerifyEmailState
    return auth_shell(
        tr("Confirm your e-mail address"),
        tr("Opening the link from our e-mail proves the address is yours."),
        rx.match(
            s.status,
            (
                "verified",
                rx.flex(
                    rx.callout(
                        rx.text(
                            tr(
                                "{email} is confirmed. Your account now shows every request the team opened for you.",
                                email=s.verified_email,
                            ),
                            as_="span",
                        ),
                        icon="circle-check",
                        color_scheme="green",
                        class_name="verify-done",
                    ),
                    rx.cond(
                        s.signed_in_customer,
                        rx.link(rx.button(tr("Go to my requests"), size="3", width="100%"), href=routes.PORTAL),
                        rx.link(rx.button(tr("Sign in"), size="3", width="100%"), href=routes.LOGIN),
                    ),
                    direction="column",
                    spacing="4",
                ),
            ),
            (
                "failed",
                rx.flex(
                    rx.callout(s.message, icon="circle-alert", color_scheme="red", class_name="verify-failed"),
                    rx.text(
                        tr("Sign in and use “Resend the link” in your requests to get a new one."),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.link(rx.button(tr("Sign in"), size="3", width="100%"), href=routes.LOGIN),
                    direction="column",
                    spacing="4",
                ),
            ),
            rx.flex(rx.spinner(size="2"), rx.text(tr("Checking the link…"), size="2"), align="center", gap="2"),
        ),
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(name=name, id=name, size="3", width="100%", aria_invalid=invalid(SetupState.errors, name), **props)


@page(route=routes.SETUP, title=N_("Set up your desk · AutoCRM"), on_load=SetupState.open_setup)
def setup() -> rx.Component:
    s = SetupState
    return auth_shell(
        tr("Set up your help desk"),
        tr("Name your desk and create its first admin account. This page works once, until an admin exists."),
        form_callout(s.form_error),
        rx.cond(
            s.code_ok,
            rx.form(
                rx.flex(
                    field(
                        tr("Desk name"),
                        _input("company_name", placeholder=tr("Acme Support"), auto_focus=True),
                        error=s.errors.get("company_name", ""),
                        hint=tr("Customers see it in the portal and in e-mails."),
                        html_for="company_name",
                    ),
                    field(
                        tr("Your name"),
                        _input("name", placeholder=tr("Jane Doe"), auto_complete="name"),
                        error=s.errors.get("name", ""),
                        html_for="name",
                    ),
                    field(
                        tr("Your e-mail"),
                        _input("email", type="email", placeholder="you@example.com", auto_complete="email"),
                        error=s.errors.get("email", ""),
                        html_for="email",
                    ),
                    field(
                        tr("Password"),
                        _input("password", type="password", auto_complete="new-password"),
                        error=s.errors.get("password", ""),
                        hint=tr(password_hint()[0], **password_hint()[1]),
                        html_for="password",
                    ),
                    rx.button(
                        tr("Set up the desk"),
                        type="submit",
                        size="3",
                        width="100%",
                        disabled=~_hydrated,
                        class_name="submit",
                    ),
                    direction="column",
                    spacing="4",
                ),
                on_submit=s.submit,
                reset_on_submit=False,
                id="setup-form",
            ),
        ),
    )
