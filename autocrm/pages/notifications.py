"""The page of the unsubscribe link in every notification mail: off on opening, back on with one button."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.i18n import tr
from autocrm.components.layout import auth_shell
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.notifications import NotificationsOffState

_hydrated = rx.State.is_hydrated


def _address() -> rx.Component:
    return rx.text(NotificationsOffState.address, weight="bold", as_="span", overflow_wrap="anywhere")


def _to_requests() -> rx.Component:
    return rx.link(rx.button(tr("Go to my requests"), size="3", width="100%"), href=routes.PORTAL)


@page(
    route=routes.NOTIFICATIONS_OFF, title=N_("E-mail notifications · AutoCRM"), on_load=NotificationsOffState.turn_off
)
def notifications_off() -> rx.Component:
    s = NotificationsOffState
    return auth_shell(
        tr("E-mail notifications"),
        rx.text(tr("Updates about your requests from {desk}.", desk=s.company_name), as_="span"),
        rx.match(
            s.status,
            (
                "off",
                rx.flex(
                    rx.callout(
                        rx.text(
                            tr(
                                "E-mail notifications are off for {email}. We no longer e-mail you about your requests.",
                                email=NotificationsOffState.address,
                            ),
                            as_="span",
                        ),
                        icon="bell-off",
                        color_scheme="green",
                        class_name="notifications-off-done",
                    ),
                    rx.text(
                        tr(
                            "Your requests and our answers stay in the portal. E-mails about your account, such as "
                            "password resets, still arrive."
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.button(
                        rx.icon("bell", size=16),
                        tr("Turn notifications back on"),
                        on_click=s.turn_on,
                        variant="soft",
                        size="3",
                        width="100%",
                        disabled=~_hydrated,
                        class_name="notifications-on",
                    ),
                    _to_requests(),
                    direction="column",
                    spacing="4",
                ),
            ),
            (
                "on",
                rx.flex(
                    rx.callout(
                        rx.text(
                            tr(
                                "E-mail notifications are on again for {email}. "
                                "We e-mail you again when your requests are opened, answered or solved.",
                                email=NotificationsOffState.address,
                            ),
                            as_="span",
                        ),
                        icon="bell-ring",
                        color_scheme="green",
                        class_name="notifications-on-done",
                    ),
                    rx.button(
                        rx.icon("bell-off", size=16),
                        tr("Turn them off again"),
                        on_click=s.turn_off_again,
                        variant="soft",
                        color_scheme="gray",
                        size="3",
                        width="100%",
                        disabled=~_hydrated,
                        class_name="notifications-off-again",
                    ),
                    _to_requests(),
                    direction="column",
                    spacing="4",
                ),
            ),
            (
                "failed",
                rx.flex(
                    rx.callout(s.message, icon="circle-alert", color_scheme="red", class_name="notifications-failed"),
                    rx.text(
                        tr("Nothing was changed. Use the link from one of our most recent e-mails."),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.link(rx.button(tr("Sign in"), size="3", width="100%"), href=routes.LOGIN),
                    direction="column",
                    spacing="4",
                ),
            ),
            rx.flex(
                rx.spinner(size="2"),
                rx.text(tr("Turning e-mail notifications off…"), size="2"),
                align="center",
                gap="2",
            ),
        ),
    )
