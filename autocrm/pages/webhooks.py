"""Admin: webhooks. Subscribe a URL to events (the signing secret is shown once, with a copy button), change
or pause a subscription, delete it after a confirmation, and see one subscription's deliveries with a retry."""

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
from autocrm.services.webhooks import EVENT_TYPES
from autocrm.state.webhooks import EVENT_HINTS, AdminWebhooksState


def _said(row, key: str):
    """A row's word that is a msgid (a state, a source), in the tab's language; a key passed by name so the
    catalog extraction does not take it for a msgid."""
    return tr(row[key])


S = AdminWebhooksState


def _ellipsis(text, **props) -> rx.Component:
    return rx.text(text, overflow="hidden", text_overflow="ellipsis", white_space="nowrap", **props)


def _endpoint(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["url"], size="2", weight="medium", font_family=MONO, class_name="hook-url", title=row["url"]),
        _ellipsis(row["description_text"], size="1", color_scheme="gray"),
        direction="column",
        min_width="0",
    )


def _events(row) -> rx.Component:
    return rx.flex(
        rx.foreach(
            row["events"].to(list[str]),
            lambda event: rx.badge(event, variant="surface", color_scheme="gray", size="1", font_family=MONO),
        ),
        wrap="wrap",
        gap="4px",
    )


def _state(row) -> rx.Component:
    badge = rx.badge(
        _said(row, "state"),
        color_scheme=row["state_color"].to(str),
        variant="soft",
        radius="full",
        class_name="hook-state",
    )
    return rx.cond(row["state_hint"], rx.tooltip(badge, content=row["state_hint"].to(str)), badge)


def _actions(row) -> rx.Component:
    # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns the
    # callback): calling one with arguments is right at run time.
    return rx.flex(
        rx.button(
            tr("Deliveries"),
            size="1",
            variant="soft",
            on_click=S.watch(row["id"]),  # type: ignore[operator]
            class_name="hook-deliveries",
        ),
        rx.icon_button(
            rx.icon("pencil", size=14),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.open_edit(row["id"]),  # type: ignore[operator]
            class_name="hook-edit",
            aria_label=tr("Edit the webhook to {url}", url=row["url"]),
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=S.ask_delete(row["id"]),  # type: ignore[operator]
            class_name="hook-delete",
            aria_label=tr("Delete the webhook to {url}", url=row["url"]),
        ),
        spacing="2",
        justify="end",
    )


COLUMNS = [
    Column(tr("Endpoint"), _endpoint, cell_props={"max_width": "0"}),
    Column(tr("Events"), _events, width="290px"),
    Column(tr("State"), _state, width="90px"),
    Column(tr("Created"), lambda row: time_ago(row["created_rel"], row["created_exact"]), width="100px"),
    Column("", _actions, width="170px"),
]


def _card(row) -> rx.Component:
    return rx.flex(
        rx.flex(_endpoint(row), rx.spacer(), _state(row), align="start", spacing="3"),
        _events(row),
        rx.flex(
            time_ago(row["created_rel"], row["created_exact"], size="1"), rx.spacer(), _actions(row), align="center"
        ),
        direction="column",
        spacing="3",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="hook-card",
    )


def _delivery_status(row) -> rx.Component:
    return rx.badge(
        _said(row, "status"),
        color_scheme=row["status_color"].to(str),
        variant="soft",
        radius="full",
        class_name="dl-status",
    )


def _delivery_event(row) -> rx.Component:
    return rx.flex(
        rx.text(row["event_type"], size="2", font_family=MONO),
        _ellipsis(row["ref"], size="1", color_scheme="gray"),
        direction="column",
        min_width="0",
    )


def _answer(row) -> rx.Component:
    return _ellipsis(row["answer"], size="2", title=row["answer_detail"])


def _retry(row) -> rx.Component:
    return rx.cond(
        row["retryable"],
        rx.button(
            rx.icon("rotate-cw", size=12),
            tr("Retry"),
            size="1",
            variant="soft",
            on_click=S.retry(row["id"]),  # type: ignore[operator]  # see _actions
            class_name="dl-retry",
        ),
    )


DELIVERY_COLUMNS = [
    Column(tr("Event"), _delivery_event, cell_props={"max_width": "0"}),
    Column(tr("Status"), _delivery_status, width="100px"),
    Column(tr("Tries"), lambda row: rx.text(row["attempts"], size="2"), width="56px"),
    Column(tr("Last answer"), _answer, width="220px", cell_props={"max_width": "0"}),
    Column(tr("Took"), lambda row: rx.text(row["duration"], size="2"), width="70px"),
    Column(tr("Next try"), lambda row: rx.text(row["next_try"], size="2", title=row["next_try_exact"]), width="90px"),
    Column(tr("Created"), lambda row: time_ago(row["created_rel"], row["created_exact"]), width="90px"),
    Column("", _retry, width="80px"),
]


def _delivery_card(row) -> rx.Component:
    return rx.flex(
        rx.flex(_delivery_event(row), rx.spacer(), _delivery_status(row), align="start", spacing="3"),
        rx.text(row["facts"], size="1", color_scheme="gray"),
        rx.flex(rx.box(_answer(row), min_width="0", flex="1"), _retry(row), align="center", spacing="3"),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="dl-card",
    )


def _deliveries() -> rx.Component:
    return rx.cond(
        S.watching,
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(tr("Deliveries"), size="3"),
                    _ellipsis(S.watched["url"].to(str), size="1", color_scheme="gray", font_family=MONO),
                    direction="column",
                    min_width="0",
                    flex="1",
                ),
                rx.button(rx.icon("refresh-cw", size=12), tr("Refresh"), size="1", variant="soft", on_click=S.refresh),
                rx.button(tr("Close"), size="1", variant="soft", color_scheme="gray", on_click=S.unwatch),
                spacing="2",
                align="center",
            ),
            rx.cond(
                S.has_deliveries,
                responsive_list(S.deliveries, columns=DELIVERY_COLUMNS, card=_delivery_card, row_class="dl-row"),
                panel(
                    empty_state(
                        "send",
                        tr("Nothing delivered yet"),
                        tr("Each event this webhook listens to is listed here once it happens, with every try."),
                    ),
                    dashed=True,
                ),
            ),
            direction="column",
            spacing="3",
            margin_top="12px",
            class_name="hook-deliveries-panel",
        ),
    )


def _event_choice(event: str) -> rx.Component:
    return rx.el.label(
        rx.flex(
            rx.checkbox(
                checked=S.event_chosen[event],
                on_change=lambda checked: S.toggle_event(event, checked),  # type: ignore[operator]  # see _actions
                class_name="event-" + event.replace(".", "-").replace("_", "-"),
            ),
            rx.flex(
                rx.text(event, size="2", weight="medium", font_family=MONO),
                rx.text(tr(EVENT_HINTS.get(event, "")), size="1", color_scheme="gray"),
                direction="column",
            ),
            spacing="2",
            align="start",
        ),
        cursor="pointer",
    )


def _edit_form() -> rx.Component:
    return rx.form(
        rx.flex(
            form_callout(S.edit_error),
            field(
                tr("URL"),
                rx.input(
                    name="url",
                    id="hook-url",
                    placeholder="https://example.com/hooks/autocrm",
                    default_value=S.edit_url,
                    max_length=2000,
                ),
                error=S.edit_errors.get("url", ""),
                hint=tr("Where the desk POSTs each event. Public addresses only."),
                html_for="hook-url",
            ),
            field(
                tr("Description"),
                rx.input(
                    name="description",
                    id="hook-description",
                    placeholder=tr("CRM sync, Slack bridge…"),
                    default_value=S.edit_description,
                    max_length=500,
                ),
                error=S.edit_errors.get("description", ""),
                html_for="hook-description",
            ),
            rx.flex(
                rx.text(tr("Events"), size="2", weight="medium"),
                rx.flex(*[_event_choice(event) for event in EVENT_TYPES], direction="column", spacing="2"),
                field_error(S.edit_errors.get("events", "")),
                direction="column",
                gap="8px",
            ),
            rx.el.label(
                rx.flex(
                    rx.switch(checked=S.edit_active, on_change=S.set_edit_active, class_name="hook-active"),
                    rx.text(tr("Active: deliver events now"), size="2"),
                    spacing="2",
                    align="center",
                ),
                cursor="pointer",
            ),
            rx.flex(
                rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(
                    rx.cond(S.editing, tr("Save"), tr("Create webhook")), type="submit", class_name="hook-submit"
                ),
                spacing="3",
                justify="end",
                margin_top="8px",
            ),
            direction="column",
            spacing="4",
        ),
        on_submit=S.save,
        reset_on_submit=False,
    )


def _secret_view() -> rx.Component:
    return shown_once(
        S.secret,
        warning=tr("Copy this signing secret now and give it to the receiver. It is not shown again."),
        copy_label=tr("Copy secret"),
        copied=tr("Secret copied."),
        value_class="new-hook-secret",
        copy_class="copy-secret",
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(
                    S.showing_secret, tr("Webhook created"), rx.cond(S.editing, tr("Edit webhook"), tr("New webhook"))
                )
            ),
            rx.dialog.description(
                rx.cond(
                    S.showing_secret,
                    tr("Receivers check each delivery's webhook-signature header with it (Standard Webhooks)."),
                    tr("The desk POSTs a signed JSON body for each event you choose, retrying for 24 hours."),
                ),
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.cond(S.showing_secret, _secret_view(), _edit_form()),
            max_width="520px",
            class_name="hook-dialog",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def _confirm_dialog() -> rx.Component:
    return confirm_dialog(
        S,
        description=tr(
            "Events are no longer sent there, and its delivery history is deleted with it. Deliveries not "
            "sent yet are dropped."
        ),
        confirm_label=tr("Delete webhook"),
        on_confirm=S.confirm_delete,
        class_name="confirm-delete",
    )


@page(route=routes.ADMIN_WEBHOOKS, title=N_("Webhooks · AutoCRM"), on_load=AdminWebhooksState.load)
def admin_webhooks() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.text(
                    tr(
                        "Webhooks tell other apps what happens on the desk as it happens: each event is POSTed, signed "
                        "with the webhook's secret, and retried until the receiver answers 2xx."
                    ),
                    size="2",
                    color_scheme="gray",
                    flex="1 1 320px",
                ),
                rx.button(rx.icon("plus", size=14), tr("New webhook"), on_click=S.open_create, class_name="new-hook"),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                ~S.loaded,
                skeleton_rows(4),
                rx.cond(
                    S.has_rows,
                    responsive_list(S.rows, columns=COLUMNS, card=_card, row_class="hook-row"),
                    panel(
                        empty_state(
                            "webhook",
                            tr("No webhooks yet"),
                            tr("Add one to send ticket, message and rating events to another app."),
                            rx.button(rx.icon("plus", size=14), tr("New webhook"), on_click=S.open_create),
                        ),
                        dashed=True,
                    ),
                ),
            ),
            _deliveries(),
            _edit_dialog(),
            _confirm_dialog(),
            direction="column",
            spacing="3",
        ),
        title=tr("Webhooks"),
    )
