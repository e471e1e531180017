"""Admin: e-mail. The IMAP mailboxes the desk reads every minute (add, edit, test, turn off) and the mail that
could not become a ticket, with its reason and a retry."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.confirm import confirm_dialog
from autocrm.components.forms import empty_state, field, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.components.secret import MONO
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.services.email.mailboxes import SECURITY_CHOICES
from autocrm.state.mailboxes import SECURITY_TEXT, AdminMailboxesState


def _said(row, key: str):
    """A row's word that is a msgid (a state, a source), in the tab's language; a key passed by name so the
    catalog extraction does not take it for a msgid."""
    return tr(row[key])


S = AdminMailboxesState


def _ellipsis(text, **props) -> rx.Component:
    return rx.text(text, overflow="hidden", text_overflow="ellipsis", white_space="nowrap", **props)


def _mailbox(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["name"], size="2", weight="medium", class_name="mailbox-name"),
        _ellipsis(row["account"], size="1", color_scheme="gray", font_family=MONO),
        direction="column",
        min_width="0",
    )


def _server(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["server"], size="2", font_family=MONO),
        _ellipsis(_said(row, "security_text"), size="1", color_scheme="gray"),
        direction="column",
        min_width="0",
    )


def _state(row) -> rx.Component:
    return rx.flex(
        rx.badge(
            _said(row, "state"),
            color_scheme=row["state_color"].to(str),
            variant="soft",
            radius="full",
            class_name="mailbox-state",
            width="fit-content",
        ),
        _ellipsis(
            _said(row, "last_status"),
            size="1",
            color_scheme="gray",
            title=_said(row, "last_status"),
            class_name="last-status",
        ),
        direction="column",
        gap="4px",
        min_width="0",
    )


def _actions(row) -> rx.Component:
    # mypy types @rx.event handlers as EventNamespace: calling one with arguments is right at run time.
    return rx.flex(
        rx.button(
            rx.icon("plug-zap", size=12),
            tr("Test"),
            size="1",
            variant="soft",
            on_click=S.test(row["id"]),  # type: ignore[operator]
            class_name="mailbox-test",
        ),
        rx.button(
            rx.cond(row["enabled"], tr("Turn off"), tr("Turn on")),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.toggle_enabled(row["id"]),  # type: ignore[operator]
            class_name="mailbox-toggle",
        ),
        rx.icon_button(
            rx.icon("pencil", size=14),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.open_edit(row["id"]),  # type: ignore[operator]
            class_name="mailbox-edit",
            aria_label=tr("Edit the mailbox {name}", name=row["name"]),
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=S.ask_delete(row["id"]),  # type: ignore[operator]
            class_name="mailbox-delete",
            aria_label=tr("Remove the mailbox {name}", name=row["name"]),
        ),
        spacing="2",
        justify="end",
    )


COLUMNS = [
    Column(tr("Mailbox"), _mailbox, cell_props={"max_width": "0"}),
    Column(tr("Server"), _server, width="220px", cell_props={"max_width": "0"}),
    Column(tr("State"), _state, width="260px", cell_props={"max_width": "0"}),
    Column(tr("Last read"), lambda row: time_ago(_said(row, "polled_rel"), row["polled_exact"]), width="104px"),
    Column("", _actions, width="232px"),
]


def _card(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            _mailbox(row),
            rx.spacer(),
            rx.badge(_said(row, "state"), color_scheme=row["state_color"].to(str)),
            spacing="3",
        ),
        _server(row),
        rx.text(_said(row, "last_status"), size="1", color_scheme="gray"),
        rx.flex(
            rx.text(tr("Last read"), size="1", color_scheme="gray"),
            time_ago(_said(row, "polled_rel"), row["polled_exact"], size="1"),
            rx.spacer(),
            _actions(row),
            align="center",
            gap="4px",
        ),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="mailbox-card",
    )


def _from(row) -> rx.Component:
    return rx.flex(
        _ellipsis(row["sender"], size="2", weight="medium"),
        _ellipsis(row["subject"], size="1", color_scheme="gray"),
        direction="column",
        min_width="0",
    )


def _retry(row) -> rx.Component:
    return rx.button(
        rx.icon("rotate-cw", size=12),
        tr("Retry"),
        size="1",
        variant="soft",
        on_click=S.retry(row["id"]),  # type: ignore[operator]  # see _actions
        class_name="failed-retry",
    )


FAILED_COLUMNS = [
    Column(tr("From"), _from, cell_props={"max_width": "0"}),
    Column(tr("Why it failed"), lambda row: rx.text(row["reason"], size="2"), width="40%"),
    Column(tr("Via"), lambda row: rx.text(_said(row, "source"), size="2"), width="60px"),
    Column(tr("Tries"), lambda row: rx.text(row["attempts"], size="2"), width="56px"),
    Column(tr("Received"), lambda row: time_ago(row["received_rel"], row["received_exact"]), width="90px"),
    Column("", _retry, width="80px"),
]


def _failed_card(row) -> rx.Component:
    return rx.flex(
        _from(row),
        rx.text(row["reason"], size="2"),
        rx.flex(
            time_ago(row["received_rel"], row["received_exact"], size="1"),
            rx.text(_said(row, "source"), size="1", color_scheme="gray"),
            rx.spacer(),
            _retry(row),
            align="center",
            spacing="2",
        ),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="failed-card",
    )


def _failed() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.heading(tr("Failed mail"), size="3"),
            rx.cond(S.has_failed, rx.badge(S.failed_count, color_scheme="red", radius="full")),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=12), tr("Refresh"), size="1", variant="soft", on_click=S.refresh),
            align="center",
            spacing="2",
        ),
        rx.text(
            tr(
                "Messages that could not become a ticket or a reply. Each is kept with its original: fix the cause "
                "(a deactivated sender, say) and retry it."
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            S.has_failed,
            responsive_list(S.failed, columns=FAILED_COLUMNS, card=_failed_card, row_class="failed-row"),
            panel(
                empty_state(
                    "mail-check",
                    "No failed mail",
                    tr("Every message so far became a ticket or a reply, or was set aside as an auto-reply or bounce."),
                ),
                dashed=True,
            ),
        ),
        direction="column",
        spacing="3",
        margin_top="16px",
    )


def _text_input(name: str, value, **props) -> rx.Component:
    return rx.input(name=name, id=f"mailbox-{name.replace('_', '-')}", default_value=value, **props)


def _edit_form() -> rx.Component:
    errors = S.edit_errors
    return rx.form(
        rx.flex(
            form_callout(S.edit_error),
            field(
                tr("Name"),
                _text_input("name", S.edit_name, placeholder=tr("Support inbox"), max_length=120),
                error=errors.get("name", ""),
                html_for="mailbox-name",
            ),
            rx.flex(
                rx.box(
                    field(
                        tr("Server"),
                        _text_input("host", S.edit_host, placeholder="imap.example.com", max_length=253),
                        error=errors.get("host", ""),
                        html_for="mailbox-host",
                    ),
                    flex="1",
                ),
                rx.box(
                    field(
                        tr("Port"),
                        _text_input("port", S.edit_port, input_mode="numeric", max_length=5, key=S.edit_security),
                        error=errors.get("port", ""),
                        html_for="mailbox-port",
                    ),
                    width="96px",
                ),
                spacing="3",
            ),
            field(
                tr("Encryption"),
                rx.select.root(
                    rx.select.trigger(id="mailbox-security", width="100%"),
                    rx.select.content(
                        *[rx.select.item(tr(SECURITY_TEXT[choice]), value=choice) for choice in SECURITY_CHOICES]
                    ),
                    value=S.edit_security,
                    on_change=S.set_edit_security,
                ),
                error=errors.get("security", ""),
                html_for="mailbox-security",
            ),
            field(
                tr("User name"),
                _text_input("username", S.edit_username, placeholder="support@example.com", max_length=254),
                error=errors.get("username", ""),
                html_for="mailbox-username",
            ),
            field(
                tr("Password"),
                rx.input(
                    name="password",
                    id="mailbox-password",
                    type="password",
                    auto_complete="new-password",
                    placeholder=rx.cond(S.editing, tr("Leave empty to keep the saved one"), ""),
                    max_length=1000,
                ),
                error=errors.get("password", ""),
                hint=tr("Stored encrypted. An app password works where the provider offers one."),
                html_for="mailbox-password",
            ),
            rx.flex(
                rx.box(
                    field(
                        tr("Folder"),
                        _text_input("folder", S.edit_folder, max_length=200),
                        error=errors.get("folder", ""),
                        html_for="mailbox-folder",
                    ),
                    flex="1",
                ),
                rx.box(
                    field(
                        tr("Move processed mail to"),
                        _text_input(
                            "processed_folder", S.edit_processed_folder, placeholder=tr("Optional"), max_length=200
                        ),
                        error=errors.get("processed_folder", ""),
                        html_for="mailbox-processed-folder",
                    ),
                    flex="1",
                ),
                spacing="3",
                wrap="wrap",
            ),
            rx.text(
                tr("Without a folder to move to, read messages stay where they are, marked as read."),
                size="1",
                color_scheme="gray",
            ),
            rx.el.label(
                rx.flex(
                    rx.switch(checked=S.edit_enabled, on_change=S.set_edit_enabled, class_name="mailbox-enabled"),
                    rx.text(tr("On: read new mail every minute"), size="2"),
                    spacing="2",
                    align="center",
                ),
                cursor="pointer",
            ),
            rx.flex(
                rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(
                    rx.cond(S.editing, tr("Save"), tr("Add mailbox")), type="submit", class_name="mailbox-submit"
                ),
                spacing="3",
                justify="end",
                margin_top="8px",
            ),
            direction="column",
            spacing="3",
        ),
        on_submit=S.save,
        reset_on_submit=False,
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing, tr("Edit mailbox"), tr("New mailbox"))),
            rx.dialog.description(
                tr(
                    "The desk reads this IMAP folder every minute: each new message opens a ticket or joins the one "
                    "it answers."
                ),
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            _edit_form(),
            max_width="540px",
            class_name="mailbox-dialog",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def _confirm_dialog() -> rx.Component:
    return confirm_dialog(
        S,
        description=tr(
            "No more mail is read from it, and its password is forgotten. The tickets its mail became stay, "
            "and so does the record of what it received."
        ),
        confirm_label=tr("Remove mailbox"),
        on_confirm=S.confirm_delete,
        class_name="confirm-delete",
    )


@page(route=routes.ADMIN_MAILBOXES, title=N_("E-mail · AutoCRM"), on_load=AdminMailboxesState.load)
def admin_mailboxes() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.text(
                    tr(
                        "Mail to these mailboxes becomes tickets; replies join their ticket. Sites that route mail "
                        "straight to the desk can run the SMTP listener (autocrm mail-listener) or post raw messages "
                        "to the API (POST /api/v1/channels/email/inbound)."
                    ),
                    size="2",
                    color_scheme="gray",
                    flex="1 1 320px",
                ),
                rx.button(
                    rx.icon("plus", size=14), tr("New mailbox"), on_click=S.open_create, class_name="new-mailbox"
                ),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                ~S.loaded,
                skeleton_rows(3),
                rx.cond(
                    S.has_rows,
                    responsive_list(S.rows, columns=COLUMNS, card=_card, row_class="mailbox-row"),
                    panel(
                        empty_state(
                            "inbox",
                            "No mailboxes yet",
                            tr("Add the IMAP mailbox your customers write to, and its mail becomes tickets."),
                            rx.button(rx.icon("plus", size=14), tr("New mailbox"), on_click=S.open_create),
                        ),
                        dashed=True,
                    ),
                ),
            ),
            rx.cond(S.loaded, _failed()),
            _edit_dialog(),
            _confirm_dialog(),
            direction="column",
            spacing="3",
        ),
        title=tr("E-mail"),
    )
