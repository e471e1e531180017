"""Admin: API keys. Make one (the secret is shown once, with a copy button), see each key's scopes, creator,
last use and expiry, and revoke one after a confirmation."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.confirm import confirm_dialog
from autocrm.components.forms import empty_state, field, field_error, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.components.secret import MONO, shown_once
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.services.actor import ALL_SCOPES
from autocrm.services.api_keys import EXPIRY_CHOICES_DAYS
from autocrm.state.api_keys import NEVER, SCOPE_HINTS, AdminApiKeysState
from autocrm.state.roles import ROLE_LABELS

ROLE_OPTIONS = [(role, ROLE_LABELS[role]) for role in ("agent", "admin")]
EXPIRY_OPTIONS = [*((str(days), tr("{n} days", n=days)) for days in EXPIRY_CHOICES_DAYS), (NEVER, tr("Never expires"))]


def _ellipsis(text, **props) -> rx.Component:
    return rx.text(text, overflow="hidden", text_overflow="ellipsis", white_space="nowrap", **props)


def _key(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["name"], size="2", weight="medium", class_name="key-name"),
        _ellipsis(row["prefix"], size="1", color_scheme="gray", font_family=MONO),
        direction="column",
        min_width="0",
    )


def _scopes(row) -> rx.Component:
    return rx.flex(
        rx.foreach(
            row["scopes"].to(list[str]),
            lambda scope: rx.badge(scope, variant="surface", color_scheme="gray", size="1", font_family=MONO),
        ),
        wrap="wrap",
        gap="4px",
    )


def _role(row) -> rx.Component:
    return rx.badge(
        row["role"],
        color_scheme=rx.cond(row["role"] == "admin", "crimson", "indigo"),
        variant="soft",
        text_transform="capitalize",
    )


def _creator(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["creator"], size="2"),
        time_ago(row["created_rel"], row["created_exact"], size="1"),
        direction="column",
        min_width="0",
    )


def _state(row) -> rx.Component:
    badge = rx.badge(
        row["state"], color_scheme=row["state_color"].to(str), variant="soft", radius="full", class_name="key-state"
    )
    return rx.cond(row["state_hint"], rx.tooltip(badge, content=row["state_hint"].to(str)), badge)


def _revoke(row) -> rx.Component:
    return rx.cond(
        row["revocable"],
        rx.button(
            tr("Revoke"),
            size="1",
            variant="soft",
            color_scheme="red",
            # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns
            # the callback): calling one with arguments is right at run time.
            on_click=AdminApiKeysState.ask_revoke(row["id"]),  # type: ignore[operator]
            class_name="revoke-key",
            aria_label=tr("Revoke {name}", name=row["name"]),
        ),
    )


COLUMNS = [
    Column(tr("Key"), _key, cell_props={"max_width": "0"}),
    Column(tr("Scopes"), _scopes, width="210px"),
    Column(tr("Role"), _role, width="80px"),
    Column(tr("Created by"), _creator, width="150px", cell_props={"max_width": "0"}),
    Column(tr("Last used"), lambda row: time_ago(row["last_used_rel"], row["last_used_exact"]), width="105px"),
    Column(tr("Expires"), lambda row: rx.text(row["expires"], size="2", title=row["expires_exact"]), width="110px"),
    Column(tr("State"), _state, width="100px"),
    Column("", _revoke, width="84px"),
]


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.flex(rx.text(label, size="1", color_scheme="gray"), value, direction="column", gap="2px", min_width="0")


def _card(row) -> rx.Component:
    return rx.flex(
        rx.flex(_key(row), rx.spacer(), _state(row), align="start", spacing="3"),
        _scopes(row),
        rx.grid(
            _fact(tr("Created by"), _creator(row)),
            _fact(tr("Last used"), time_ago(row["last_used_rel"], row["last_used_exact"])),
            _fact(tr("Role"), rx.box(_role(row))),
            _fact(tr("Expires"), rx.text(row["expires"], size="2")),
            columns="2",
            gap="10px 16px",
        ),
        rx.flex(_revoke(row), justify="end"),
        direction="column",
        spacing="3",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="key-card",
    )


def _scope_choice(scope: str) -> rx.Component:
    s = AdminApiKeysState
    return rx.el.label(
        rx.flex(
            rx.checkbox(
                checked=s.scope_chosen[scope],
                on_change=lambda checked: s.toggle_scope(scope, checked),  # type: ignore[operator]  # see _revoke
                class_name="scope-" + scope.replace(":", "-"),
            ),
            rx.flex(
                rx.text(scope, size="2", weight="medium", font_family=MONO),
                rx.text(tr(SCOPE_HINTS.get(scope, "")), size="1", color_scheme="gray"),
                direction="column",
            ),
            spacing="2",
            align="start",
        ),
        cursor="pointer",
    )


def _create_form() -> rx.Component:
    s = AdminApiKeysState
    return rx.form(
        rx.flex(
            form_callout(s.create_error),
            field(
                tr("Name"),
                rx.input(name="name", id="key-name", placeholder=tr("Zapier, nightly export…"), max_length=120),
                error=s.create_errors.get("name", ""),
                hint=tr("Say which app uses it: one key per app, so you can revoke one alone."),
                html_for="key-name",
            ),
            field(
                tr("Acts as"),
                rx.select.root(
                    rx.select.trigger(width="100%", aria_label=tr("Role of the key")),
                    rx.select.content(*[rx.select.item(tr(label), value=value) for value, label in ROLE_OPTIONS]),
                    value=s.create_role,
                    on_change=s.set_create_role,
                ),
                error=s.create_errors.get("role", ""),
                hint=tr("The key stops working if you are deactivated or stop being an admin."),
            ),
            rx.flex(
                rx.text(tr("Scopes"), size="2", weight="medium"),
                rx.flex(*[_scope_choice(scope) for scope in ALL_SCOPES], direction="column", spacing="2"),
                field_error(s.create_errors.get("scopes", "")),
                direction="column",
                gap="8px",
            ),
            field(
                tr("Expires"),
                rx.select.root(
                    rx.select.trigger(width="100%", aria_label=tr("When the key expires"), class_name="key-expiry"),
                    rx.select.content(*[rx.select.item(label, value=value) for value, label in EXPIRY_OPTIONS]),
                    value=s.create_expiry,
                    on_change=s.set_create_expiry,
                ),
                error=s.create_errors.get("expires_in_days", ""),
            ),
            rx.flex(
                rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(tr("Create key"), type="submit", class_name="create-key-submit"),
                spacing="3",
                justify="end",
                margin_top="8px",
            ),
            direction="column",
            spacing="4",
        ),
        on_submit=s.create,
        reset_on_submit=False,
    )


def _secret_view() -> rx.Component:
    return shown_once(
        AdminApiKeysState.secret,
        warning=tr("Copy this key now and store it where the app keeps its secrets. It is not shown again."),
        copy_label=tr("Copy key"),
        copied=tr("Key copied."),
        value_class="new-key-secret",
        copy_class="copy-key",
    )


def _create_dialog() -> rx.Component:
    s = AdminApiKeysState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(s.showing_secret, tr("Key “{name}” created", name=s.secret_name), tr("New API key"))
            ),
            rx.dialog.description(
                rx.cond(
                    s.showing_secret,
                    tr("Send it as “Authorization: Bearer <key>”."),
                    tr("Apps use a key to call the REST API under /api/v1."),
                ),
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.cond(s.showing_secret, _secret_view(), _create_form()),
            max_width="480px",
            class_name="key-dialog",
        ),
        open=s.create_open,
        on_open_change=s.set_create_open,
    )


def _confirm_dialog() -> rx.Component:
    return confirm_dialog(
        AdminApiKeysState,
        description=tr(
            "Apps using this key get “401 Unauthorized” from their next request. A revoked key cannot be "
            "used again: make a new one if an app still needs access."
        ),
        confirm_label=tr("Revoke key"),
        on_confirm=AdminApiKeysState.confirm_revoke,
        class_name="confirm-revoke",
    )


@page(route=routes.ADMIN_API_KEYS, title=N_("API keys · AutoCRM"), on_load=AdminApiKeysState.load)
def admin_api_keys() -> rx.Component:
    s = AdminApiKeysState
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.text(
                    tr(
                        "Keys let other apps use the REST API. Each acts as an agent or an admin, within its scopes, "
                        "and only while the admin who made it is an active admin."
                    ),
                    size="2",
                    color_scheme="gray",
                    flex="1 1 320px",
                ),
                rx.button(rx.icon("plus", size=14), tr("New key"), on_click=s.open_create, class_name="new-key"),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                ~s.loaded,
                skeleton_rows(5),
                rx.cond(
                    s.has_rows,
                    responsive_list(s.rows, columns=COLUMNS, card=_card, row_class="key-row"),
                    panel(
                        empty_state(
                            "key-round",
                            tr("No API keys yet"),
                            tr("Make one key per app that calls the API, so you can revoke one without the others."),
                            rx.button(rx.icon("plus", size=14), tr("New key"), on_click=s.open_create),
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
        title=tr("API keys"),
    )
