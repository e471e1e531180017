"""Admin: people, their roles and whether they may sign in."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import avatar
from autocrm.components.confirm import confirm_dialog
from autocrm.components.forms import empty_state, field, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, page_buttons, responsive_list
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.admin import AdminUsersState
from autocrm.state.roles import ROLE_LABELS

ROLE_OPTIONS = [(role, ROLE_LABELS[role]) for role in ("customer", "agent", "admin")]
ROLE_GROUPS = [("customer", N_("Customers")), ("agent", N_("Agents")), ("admin", N_("Admins"))]


def _role_select(row) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=tr("Role"), width="120px", class_name="role-select"),
        rx.select.content(*[rx.select.item(tr(label), value=value) for value, label in ROLE_OPTIONS]),
        value=row["role"].to(str),
        # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns
        # the callback): calling one with arguments is right at run time.
        on_change=lambda value: AdminUsersState.ask_role(row["id"], value),  # type: ignore[operator]
        disabled=row["is_me"].to(bool),
        size="1",
    )


def _active_switch(row) -> rx.Component:
    return rx.flex(
        rx.switch(
            checked=row["is_active"].to(bool),
            on_change=lambda checked: AdminUsersState.ask_access(row["id"], checked),  # type: ignore[operator]  # see _role_select
            disabled=row["is_me"].to(bool),
            size="1",
            aria_label=tr("May sign in"),
            class_name="active-switch",
        ),
        rx.text(
            rx.cond(row["is_active"], tr("Active"), tr("Deactivated")),
            size="1",
            color_scheme=rx.cond(row["is_active"], "grass", "gray"),
        ),
        align="center",
        spacing="2",
    )


def _who(row) -> rx.Component:
    return rx.flex(
        avatar(row["initials"], size="2", color=rx.cond(row["is_active"], "indigo", "gray")),
        rx.flex(
            rx.flex(
                rx.text(
                    row["name"],
                    size="2",
                    weight="medium",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                rx.cond(row["is_me"], rx.badge(tr("You"), size="1", variant="soft", color_scheme="gray")),
                spacing="2",
                align="center",
                min_width="0",
            ),
            rx.text(
                row["email"],
                size="1",
                color_scheme="gray",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            direction="column",
            min_width="0",
        ),
        align="center",
        spacing="3",
        min_width="0",
        opacity=rx.cond(row["is_active"], "1", "0.6"),
    )


def _end_sessions(row) -> rx.Component:
    return rx.button(
        rx.icon("log-out", size=12),
        tr("End sessions"),
        size="1",
        variant="soft",
        color_scheme="gray",
        on_click=AdminUsersState.ask_end_sessions(row["id"]),  # type: ignore[operator]  # see _role_select
        disabled=row["is_me"].to(bool),
        class_name="end-sessions",
        title=tr("Sign them out of every browser"),
    )


PEOPLE_COLUMNS = [
    Column(tr("Person"), _who, cell_props={"max_width": "0"}),
    Column(tr("Role"), _role_select, width="150px"),
    Column(tr("Access"), _active_switch, width="160px"),
    Column(tr("Sessions"), _end_sessions, width="140px"),
]


def _card(row) -> rx.Component:
    return rx.flex(
        _who(row),
        rx.flex(
            _role_select(row),
            _active_switch(row),
            rx.spacer(),
            _end_sessions(row),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        direction="column",
        spacing="3",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="user-card",
    )


def _show_more() -> rx.Component:
    s = AdminUsersState
    return rx.cond(
        s.phone_hidden > 0,
        rx.button(
            tr("Show {n} more on this page", n=s.phone_hidden.to_string()),
            variant="soft",
            color_scheme="gray",
            width="100%",
            margin_top="8px",
            on_click=s.show_more,
            class_name="show-more",
        ),
    )


def _people_list() -> rx.Component:
    s = AdminUsersState
    return responsive_list(
        s.rows,
        columns=PEOPLE_COLUMNS,
        card=_card,
        row_class="user-row",
        phone_rows=s.phone_rows,
        phone_footer=_show_more(),
    )


def _confirm_dialog() -> rx.Component:
    change = AdminUsersState.pending
    return confirm_dialog(
        AdminUsersState,
        description=change["text"].to(str),
        confirm_label=change["confirm"].to(str),
        on_confirm=AdminUsersState.confirm_change,
        class_name="confirm-change",
        danger=change["danger"].to(bool),
    )


def _create_dialog() -> rx.Component:
    s = AdminUsersState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("Add a person")),
            rx.dialog.description(
                tr("Agents and admins work in the queue; customers use the portal."),
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.form(
                rx.flex(
                    form_callout(s.create_error),
                    field(
                        tr("Full name"),
                        rx.input(name="name", id="new-name", placeholder=tr("Jane Doe")),
                        error=s.create_errors.get("name", ""),
                        html_for="new-name",
                    ),
                    field(
                        tr("E-mail"),
                        rx.input(name="email", id="new-email", type="email", placeholder="jane@company.com"),
                        error=s.create_errors.get("email", ""),
                        html_for="new-email",
                    ),
                    field(
                        tr("Role"),
                        rx.select.root(
                            rx.select.trigger(width="100%", aria_label=tr("Role of the new person")),
                            rx.select.content(
                                *[rx.select.item(tr(label), value=value) for value, label in ROLE_OPTIONS]
                            ),
                            value=s.create_role,
                            on_change=s.set_create_role,
                        ),
                        error=s.create_errors.get("role", ""),
                    ),
                    field(
                        tr("Password"),
                        rx.input(name="password", id="new-password", type="password", auto_complete="new-password"),
                        error=s.create_errors.get("password", ""),
                        hint=tr("Optional. Leave empty and they can set one with “Forgot password”."),
                        html_for="new-password",
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Add person"), type="submit", class_name="create-user-submit"),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="4",
                ),
                on_submit=s.create,
                reset_on_submit=False,
            ),
            max_width="460px",
        ),
        open=s.create_open,
        on_open_change=s.set_create_open,
    )


@page(route=routes.ADMIN_USERS, title=N_("People · AutoCRM"), on_load=AdminUsersState.load)
def admin_users() -> rx.Component:
    s = AdminUsersState
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.form(
                    rx.input(
                        rx.input.slot(rx.icon("search", size=15)),
                        name="q",
                        placeholder=tr("Search name or e-mail…"),
                        type="search",
                        width="100%",
                        aria_label=tr("Search people"),
                        id="people-search",
                    ),
                    on_submit=s.search,
                    reset_on_submit=False,
                    flex="1 1 240px",
                ),
                rx.select.root(
                    rx.select.trigger(aria_label=tr("Role filter"), min_width="130px"),
                    rx.select.content(
                        rx.select.item(tr("Every role"), value="any"),
                        *[rx.select.item(tr(label), value=value) for value, label in ROLE_GROUPS],
                    ),
                    value=s.role,
                    on_change=s.set_role_filter,
                ),
                rx.button(
                    rx.icon("user-plus", size=14), tr("Add person"), on_click=s.open_create, class_name="add-person"
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                ~s.loaded,
                skeleton_rows(8),
                rx.cond(
                    s.has_rows,
                    rx.fragment(
                        _people_list(),
                        rx.flex(
                            rx.text(s.range_label, size="2", color_scheme="gray"),
                            rx.spacer(),
                            *page_buttons(
                                has_prev=s.has_prev, has_next=s.has_next, on_prev=s.prev_page, on_next=s.next_page
                            ),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    panel(
                        empty_state(
                            "users", tr("Nobody matches"), tr("Try another name or e-mail, or add the person.")
                        ),
                        dashed=True,
                    ),
                ),
            ),
            _create_dialog(),
            _confirm_dialog(),
            direction="column",
            spacing="3",
        ),
        title=tr("People"),
    )
