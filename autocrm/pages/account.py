"""/account/sessions: where the signed-in person is signed in; end one session, or all but this one."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.forms import skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell, portal_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.account import AccountSessionsState


def _device(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.icon(row["icon"].to(str), size=16),
            align="center",
            justify="center",
            width="32px",
            height="32px",
            border_radius="var(--radius-2)",
            background="var(--gray-3)",
            flex_shrink="0",
        ),
        rx.flex(
            rx.flex(
                rx.text(row["device"], size="2", weight="medium", class_name="session-device"),
                rx.cond(
                    row["current"],
                    rx.badge(
                        tr("This device"), color_scheme="grass", variant="soft", size="1", class_name="this-device"
                    ),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                row["user_agent"],
                size="1",
                color_scheme="gray",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                title=row["user_agent"].to(str),
            ),
            direction="column",
            min_width="0",
        ),
        align="center",
        spacing="3",
        min_width="0",
    )


def _end(row) -> rx.Component:
    return rx.cond(
        row["current"],
        rx.text(tr("Signed in here"), size="1", color_scheme="gray"),
        rx.button(
            tr("Sign out"),
            size="1",
            variant="soft",
            color_scheme="red",
            # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns
            # the callback): calling one with arguments is right at run time.
            on_click=AccountSessionsState.end(row["id"]),  # type: ignore[operator]
            class_name="end-session",
        ),
    )


COLUMNS = [
    Column(tr("Device"), _device, cell_props={"max_width": "0"}),
    Column(tr("Signed in"), lambda row: time_ago(row["created_rel"], row["created_exact"]), width="130px"),
    Column(tr("Last active"), lambda row: time_ago(row["seen_rel"], row["seen_exact"]), width="130px"),
    Column("", _end, width="110px"),
]


def _card(row) -> rx.Component:
    return rx.flex(
        _device(row),
        rx.flex(
            rx.text(tr("Signed in"), size="1", color_scheme="gray"),
            time_ago(row["created_rel"], row["created_exact"], size="1"),
            rx.text("·", size="1", color_scheme="gray"),
            rx.text(tr("Last active"), size="1", color_scheme="gray"),
            time_ago(row["seen_rel"], row["seen_exact"], size="1"),
            rx.spacer(),
            _end(row),
            align="center",
            wrap="wrap",
            gap="4px",
        ),
        direction="column",
        spacing="3",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="session-card",
    )


def _confirm_others() -> rx.Component:
    s = AccountSessionsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("Sign out everywhere else?")),
            rx.alert_dialog.description(
                tr(
                    "Every other browser signed in to your account is signed out at its next click. This one stays "
                    "signed in."
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        tr("Sign them out"), color_scheme="red", on_click=s.end_others, class_name="confirm-others"
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=s.confirming_others,
        on_open_change=s.set_confirming_others,
    )


def _content(*, heading: bool) -> rx.Component:
    s = AccountSessionsState
    return rx.flex(
        rx.heading(tr("Your sessions"), size="6", weight="bold") if heading else rx.fragment(),
        rx.flex(
            rx.text(
                tr(
                    "The browsers signed in to your account. If you do not recognise one, sign it out and change "
                    "your password."
                ),
                size="2",
                color_scheme="gray",
                flex="1 1 300px",
            ),
            rx.button(
                rx.icon("log-out", size=14),
                tr("Sign out everywhere else"),
                variant="soft",
                color_scheme="red",
                disabled=s.other_count == 0,
                on_click=s.ask_end_others,
                class_name="end-others",
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        responsive_list(s.rows, columns=COLUMNS, card=_card, row_class="session-row"),
        _confirm_others(),
        direction="column",
        spacing="3",
        class_name="sessions-page",
    )


@page(route=routes.ACCOUNT_SESSIONS, title=N_("Sessions · AutoCRM"), on_load=AccountSessionsState.load)
def account_sessions() -> rx.Component:
    s = AccountSessionsState
    return rx.cond(
        s.loaded,
        rx.cond(
            s.is_customer,
            portal_shell(_content(heading=True)),
            agent_shell(_content(heading=False), title=tr("Your sessions")),
        ),
        rx.box(skeleton_rows(4), padding="24px", max_width="880px", margin="0 auto"),
    )
