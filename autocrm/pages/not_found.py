"""The page Reflex shows at any address that is no page: in the visitor's own shell, with a way back."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import empty_state
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell, auth_shell, portal_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.not_found import NotFoundState
from autocrm.state.roles import STAFF

EXPLANATION = N_("There is no page at this address. The link may be old, or mistyped.")


def _message(back_label: str, back_href: str) -> rx.Component:
    return panel(
        empty_state(
            "map-pin-off",
            tr("Page not found"),
            tr(EXPLANATION),
            rx.link(rx.button(rx.icon("arrow-left", size=14), tr(back_label)), href=back_href, class_name="way-back"),
        ),
        class_name="not-found",
    )


@page(route=rx.constants.Page404.SLUG, title=N_("Page not found · AutoCRM"), on_load=NotFoundState.load)
def not_found() -> rx.Component:
    return rx.cond(
        NotFoundState.checked,
        rx.match(
            NotFoundState.user_role,
            ("customer", portal_shell(_message(N_("Back to my requests"), routes.PORTAL))),
            (*STAFF, agent_shell(_message(N_("Back to the queue"), routes.AGENT_QUEUE), title=tr("Page not found"))),
            auth_shell(
                tr("Page not found"),
                tr(EXPLANATION),
                rx.link(
                    rx.button(tr("Go to sign in"), size="3", width="100%"),
                    href=routes.LOGIN,
                    class_name="way-back",
                    width="100%",
                ),
            ),
        ),
        rx.center(rx.spinner(size="3"), min_height="100vh"),
    )
