"""Admin: the OpenID Connect providers people may sign in with."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import empty_state, field, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr, tr_n
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.roles import ROLE_LABELS
from autocrm.state.sso import AdminSsoState

ROLE_OPTIONS = [(role, ROLE_LABELS[role]) for role in ("customer", "agent")]


def _who(row) -> rx.Component:
    return rx.flex(
        rx.text(row["name"], size="2", weight="medium", class_name="provider-name"),
        rx.text(
            row["issuer"],
            size="1",
            color_scheme="gray",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        direction="column",
        min_width="0",
    )


def _newcomers(row) -> rx.Component:
    domains = row["allowed_domains"].to(list[str])
    return rx.flex(
        rx.text(
            rx.match(
                row["new_user_role"],
                ("agent", tr("New people become agents")),
                ("admin", tr("New people become admins")),
                tr("New people become customers"),
            ),
            size="2",
        ),
        rx.text(
            rx.cond(domains.length() > 0, tr("Only {domains}", domains=domains.join(", ")), tr("Any e-mail domain")),
            size="1",
            color_scheme="gray",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        direction="column",
        min_width="0",
    )


def _linked(row) -> rx.Component:
    return rx.text(
        tr_n("{n} person", "{n} people", row["linked_accounts"].to(int)),
        size="2",
        color_scheme="gray",
    )


def _switch(row) -> rx.Component:
    return rx.flex(
        rx.switch(
            checked=row["enabled"].to(bool),
            on_change=lambda checked: AdminSsoState.set_enabled(row["id"], checked),  # type: ignore[operator]  # see pages/admin.py _role_select
            size="1",
            aria_label=tr("Offer on the sign-in page"),
            class_name="provider-enabled",
        ),
        rx.text(
            rx.cond(row["enabled"], tr("On"), tr("Off")),
            size="1",
            color_scheme=rx.cond(row["enabled"], "grass", "gray"),
        ),
        align="center",
        spacing="2",
    )


def _edit(row) -> rx.Component:
    return rx.button(
        rx.icon("pencil", size=14),
        tr("Edit"),
        size="1",
        variant="soft",
        color_scheme="gray",
        on_click=AdminSsoState.open_edit(row["id"]),  # type: ignore[operator]  # see pages/admin.py _role_select
        class_name="edit-provider",
    )


COLUMNS = [
    Column(tr("Provider"), _who, cell_props={"max_width": "0"}),
    Column(tr("New people"), _newcomers, width="260px", cell_props={"max_width": "0"}),
    Column(tr("Linked"), _linked, width="110px"),
    Column(tr("Sign-in page"), _switch, width="130px"),
    Column("", _edit, width="90px"),
]


def _card(row) -> rx.Component:
    return rx.flex(
        _who(row),
        _newcomers(row),
        rx.flex(_switch(row), _linked(row), rx.spacer(), _edit(row), align="center", spacing="3"),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="provider-card",
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(
        name=name,
        id=f"sso-{name}",
        width="100%",
        aria_invalid=invalid(AdminSsoState.errors, name),
        # The app's red outline for refused inputs does not reach into the dialog (a portal outside the app's
        # root element): the input carries it itself.
        style={"&:has(input[aria-invalid='true'])": {"box_shadow": "inset 0 0 0 1px var(--red-8)"}},
        **props,
    )


def _dialog() -> rx.Component:
    s = AdminSsoState
    values = s.editing
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(s.is_new, tr("Add a sign-in provider"), tr("Edit the sign-in provider"))),
            rx.dialog.description(
                tr("Any OpenID Connect provider, such as Google Workspace, Entra ID, Okta or Keycloak."),
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.form(
                rx.flex(
                    form_callout(s.form_error),
                    field(
                        tr("Name on the button"),
                        _input("name", placeholder=tr("Company Google"), default_value=values["name"].to(str)),
                        error=s.errors.get("name", ""),
                        hint=tr("People see “Sign in with” and this name."),
                        html_for="sso-name",
                    ),
                    field(
                        tr("Issuer URL"),
                        _input(
                            "issuer",
                            type="url",
                            placeholder="https://accounts.google.com",
                            default_value=values["issuer"].to(str),
                        ),
                        error=s.errors.get("issuer", ""),
                        hint=tr("Saving reads its /.well-known/openid-configuration to check it."),
                        html_for="sso-issuer",
                    ),
                    field(
                        tr("Client ID"),
                        _input("client_id", default_value=values["client_id"].to(str), auto_complete="off"),
                        error=s.errors.get("client_id", ""),
                        html_for="sso-client_id",
                    ),
                    field(
                        tr("Client secret"),
                        _input(
                            "client_secret",
                            type="password",
                            auto_complete="new-password",
                            placeholder=rx.cond(values["has_client_secret"].to(bool), tr("•••••••• (stored)"), ""),
                        ),
                        error=s.errors.get("client_secret", ""),
                        html_for="sso-client_secret",
                    ),
                    rx.text(
                        rx.cond(
                            values["has_client_secret"].to(bool),
                            tr("Stored encrypted and never shown again. Leave empty to keep it."),
                            tr("Stored encrypted and never shown again. Leave empty for a public client (PKCE only)."),
                        ),
                        size="1",
                        color_scheme="gray",
                        margin_top="-10px",
                    ),
                    field(
                        tr("Allowed e-mail domains"),
                        _input(
                            "allowed_domains",
                            placeholder=tr("example.com, example.org"),
                            default_value=values["allowed_domains"].to(str),
                        ),
                        error=s.errors.get("allowed_domains", ""),
                        hint=tr(
                            "Empty: any domain (for customers only). Only addresses the provider verified can sign in."
                        ),
                        html_for="sso-allowed_domains",
                    ),
                    field(
                        tr("New people become"),
                        rx.select.root(
                            rx.select.trigger(width="100%", aria_label=tr("Role for new people")),
                            rx.select.content(
                                *[rx.select.item(tr(label), value=value) for value, label in ROLE_OPTIONS]
                            ),
                            value=s.edit_role,
                            on_change=s.set_edit_role,
                        ),
                        error=s.errors.get("new_user_role", ""),
                        hint=tr("For someone with no account yet. Existing accounts keep their role."),
                    ),
                    rx.el.label(
                        rx.flex(
                            rx.switch(checked=s.edit_enabled, on_change=s.set_edit_enabled, size="2"),
                            rx.text(tr("Show its button on the sign-in page"), size="2"),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(
                            rx.cond(s.is_new, tr("Add provider"), tr("Save")), type="submit", class_name="save-provider"
                        ),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="4",
                ),
                on_submit=s.save,
                reset_on_submit=False,
                key=values["key"].to(str),
                id="provider-form",
            ),
            max_width="500px",
        ),
        open=s.dialog_open,
        on_open_change=s.set_dialog_open,
    )


def _redirect_uri() -> rx.Component:
    return panel(
        rx.flex(
            rx.icon("info", size=16, flex_shrink="0", color="var(--accent-11)", margin_top="2px"),
            rx.flex(
                rx.text(
                    tr("Register this app at the provider as a web application with this redirect URI:"),
                    size="2",
                ),
                rx.code(AdminSsoState.callback_url, size="2", class_name="callback-url", word_break="break-all"),
                rx.text(
                    tr(
                        "Scopes: openid, email, profile. People are linked to an existing account only by an e-mail "
                        "address the provider has verified."
                    ),
                    size="1",
                    color_scheme="gray",
                ),
                direction="column",
                align="start",
                spacing="2",
                min_width="0",
            ),
            spacing="3",
        ),
        padding="14px 16px",
    )


@page(route=routes.ADMIN_SSO, title=N_("Single sign-on · AutoCRM"), on_load=AdminSsoState.load)
def admin_sso() -> rx.Component:
    s = AdminSsoState
    return agent_shell(
        rx.flex(
            _redirect_uri(),
            rx.cond(
                ~s.loaded,
                skeleton_rows(3),
                rx.cond(
                    s.has_providers,
                    responsive_list(s.providers, columns=COLUMNS, card=_card, row_class="provider-row"),
                    panel(
                        empty_state(
                            "key-round",
                            tr("No sign-in providers yet"),
                            tr(
                                "Add your company's identity provider, and a “Sign in with” button appears on the "
                                "sign-in page."
                            ),
                            rx.button(rx.icon("plus", size=14), tr("Add provider"), on_click=s.open_new),
                        ),
                        dashed=True,
                    ),
                ),
            ),
            _dialog(),
            direction="column",
            spacing="3",
        ),
        title=tr("Single sign-on"),
        actions=rx.button(rx.icon("plus", size=14), tr("Add provider"), on_click=s.open_new, class_name="add-provider"),
    )
