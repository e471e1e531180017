"""The login page's single sign-on parts: the message of a refused provider sign-in, and one button per
enabled provider (none at all when no provider is set up)."""

from __future__ import annotations

import reflex as rx

from autocrm.components.forms import form_callout
from autocrm.components.i18n import tr
from autocrm.state.sso import SsoLoginState


def sso_refusal() -> rx.Component:
    return form_callout(SsoLoginState.sso_error)


def _button(provider) -> rx.Component:
    return rx.button(
        rx.icon("key-round", size=16),
        rx.text(
            tr("Sign in with {provider}", provider=provider["name"].to(str)),
            as_="span",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            min_width="0",
        ),
        type="button",
        size="3",
        variant="outline",
        color_scheme="gray",
        high_contrast=True,
        width="100%",
        disabled=~rx.State.is_hydrated,
        on_click=SsoLoginState.start(provider["id"].to(int)),  # type: ignore[operator]  # see pages/admin.py _role_select
        class_name="sso-button",
    )


def sso_buttons() -> rx.Component:
    return rx.cond(
        SsoLoginState.has_providers,
        rx.flex(
            rx.flex(
                rx.separator(size="4", flex="1"),
                rx.text("or", size="2", color_scheme="gray"),
                rx.separator(size="4", flex="1"),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.foreach(SsoLoginState.providers, _button),
            direction="column",
            spacing="3",
            width="100%",
            class_name="sso-buttons",
        ),
    )
