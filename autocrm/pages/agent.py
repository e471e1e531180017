"""The agent workspace: the queue and one ticket."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.ai import (
    rewrite_menu,
    rewrite_notice,
    suggest_button,
    suggestion_notice,
    summary_panel,
    triage_panel,
)
from autocrm.components.badges import avatar, priority_badge, status_badge, time_ago
from autocrm.components.composer import closed_notice, composer
from autocrm.components.confirm import confirm_dialog
from autocrm.components.files import attachment_picker
from autocrm.components.forms import empty_state, field, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, page_buttons, responsive_list
from autocrm.components.panel import panel
from autocrm.components.presence import beat_buttons, others_replying_notice, queue_presence_badge, ticket_presence
from autocrm.components.spelling import spelling_button, spelling_panel
from autocrm.components.ticket_header import ticket_header
from autocrm.components.timeline import agent_timeline
from autocrm.core.i18n import N_
from autocrm.models.enums import CHANNEL_LABELS
from autocrm.pages.registry import page
from autocrm.state.presence import BEAT_KINDS
from autocrm.state.queue import QueueState
from autocrm.state.ticket import AgentTicketState

# The options' labels are msgids the states hold (a name keyed by a constant, so extraction skips the key).
LABEL = "label"


def _select(value, options, on_change, label: str, width: str = "auto") -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, min_width=width, variant="surface"),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"]))),
        value=value,
        on_change=on_change,
        size="2",
    )


# ---- queue ------------------------------------------------------------------------------------------

SHORTCUTS = [
    ("j / k", N_("Next / previous ticket in the queue")),
    # Translators: the Enter key, as printed on keyboards in your language.
    (N_("Enter"), N_("Open the ticket")),
    ("x", N_("Select the ticket")),
    ("/", N_("Search")),
    ("a", N_("Assign the open ticket to me")),
    ("r / n", N_("Reply / internal note on the open ticket")),
    # Translators: the Escape key, as printed on keyboards in your language.
    (N_("Esc"), N_("Back to the queue")),
    ("?", N_("These shortcuts")),
]


def _filter_bar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.input(
                rx.input.slot(rx.icon("search", size=15)),
                name="q",
                id="queue-search",
                placeholder=tr("Search words, #number, customer name or e-mail…"),
                default_value=QueueState.q,
                key=QueueState.q,
                type="search",
                size="2",
                width="100%",
                aria_label=tr("Search tickets"),
            ),
            on_submit=QueueState.search,
            reset_on_submit=False,
            flex="1 1 260px",
            min_width="200px",
        ),
        rx.flex(
            _select(QueueState.status, QueueState.status_options, QueueState.set_status, tr("Status"), "130px"),
            _select(QueueState.priority, QueueState.priority_options, QueueState.set_priority, tr("Priority"), "124px"),
            _select(QueueState.assignee, QueueState.assignee_options, QueueState.set_assignee, tr("Assignee"), "124px"),
            _select(QueueState.sort, QueueState.sort_options, QueueState.set_sort, tr("Sort"), "160px"),
            spacing="2",
            wrap="wrap",
        ),
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _quick_filters() -> rx.Component:
    return rx.flex(
        rx.text(tr("Quick:"), size="1", color_scheme="gray", weight="medium"),
        rx.foreach(
            QueueState.quick_options,
            lambda o: rx.button(
                rx.cond(o["active"], rx.icon("check", size=12), rx.fragment()),
                tr(o[LABEL]),
                size="1",
                radius="full",
                variant=rx.cond(o["active"], "solid", "surface"),
                color_scheme=rx.cond(o["active"], "indigo", "gray"),
                on_click=QueueState.toggle_quick(o["key"]),  # type: ignore[operator]  # Reflex's event typing
                class_name="quick-filter",
                custom_attrs={"aria-pressed": rx.cond(o["active"], "true", "false")},
            ),
        ),
        rx.foreach(
            QueueState.chips,
            lambda chip: rx.badge(
                chip["label"].to(str),
                rx.icon_button(
                    rx.icon("x", size=11),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=QueueState.remove_chip(chip["key"]),  # type: ignore[operator]
                    aria_label=tr("Remove the filter {filter}", filter=chip["label"]),
                    class_name="chip-remove",
                ),
                size="2",
                variant="soft",
                color_scheme="gray",
                radius="full",
                class_name="filter-chip",
                max_width="100%",
                overflow="hidden",
                white_space="nowrap",
            ),
        ),
        rx.cond(
            QueueState.filtered,
            rx.button(
                tr("Reset"), size="1", variant="ghost", on_click=QueueState.clear_filters, class_name="reset-filters"
            ),
        ),
        spacing="2",
        wrap="wrap",
        align="center",
    )


def _sort_header(label: str, column: str) -> rx.Component:
    icon = rx.cond(
        QueueState.sort == f"-{column}",
        rx.icon("arrow-down", size=12),
        rx.cond(
            QueueState.sort == column, rx.icon("arrow-up", size=12), rx.icon("arrow-up-down", size=12, opacity="0.4")
        ),
    )
    return rx.flex(
        label,
        icon,
        align="center",
        spacing="1",
        cursor="pointer",
        # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns
        # the callback): calling one with arguments is right at run time.
        on_click=QueueState.toggle_sort(column),  # type: ignore[operator]
        custom_attrs={"role": "button", "tabIndex": "0"},
    )


def _person(name, initials=None) -> rx.Component:
    return rx.cond(
        name,
        rx.flex(
            avatar(initials, size="1", color="gray") if initials is not None else rx.fragment(),
            rx.text(name, size="2", white_space="nowrap", overflow="hidden", text_overflow="ellipsis"),
            align="center",
            spacing="2",
            min_width="0",
        ),
        rx.text(tr("Unassigned"), size="2", color_scheme="gray"),
    )


def _ticket_href(row) -> rx.Var:
    return "/agent/tickets/" + row["id"].to_string()


def _fresh_badge(row) -> rx.Component:
    """Someone else changed the ticket since this agent looked at it."""
    return rx.cond(
        row["fresh"], rx.badge(tr("Updated"), size="1", variant="soft", class_name="fresh-badge", flex_shrink="0")
    )


def _subject_text(row) -> rx.Component:
    """The subject with the searched words marked."""
    return rx.foreach(
        row["subject_parts"].to(list[dict[str, str]]),
        lambda part: rx.cond(
            part["hit"],
            rx.el.mark(
                part["text"],
                class_name="search-hit",
                background="var(--amber-5)",
                color="inherit",
                border_radius="2px",
                padding="0 1px",
            ),
            rx.fragment(part["text"]),
        ),
    )


def _subject_link(row) -> rx.Component:
    return rx.flex(
        _fresh_badge(row),
        queue_presence_badge(row),
        rx.link(
            _subject_text(row),
            href=_ticket_href(row),
            color="inherit",
            weight="medium",
            size="2",
            underline="hover",
            class_name="ticket-subject",
            custom_attrs={"dir": "auto"},  # an Arabic or Hebrew subject reads right to left
            display="block",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            min_width="0",
        ),
        align="center",
        spacing="2",
        min_width="0",
    )


def _is_selected(row) -> rx.Var:
    return QueueState.selected_ids.contains(row["id"])  # type: ignore[attr-defined]  # a list var at run time


def _row_checkbox(row) -> rx.Component:
    return rx.box(
        rx.checkbox(
            checked=QueueState.all_matching | _is_selected(row),
            on_change=lambda _checked: QueueState.toggle_select(row["id"]),  # type: ignore[operator]
            aria_label=tr("Select ticket #{number}", number=row["number"]),
            class_name="row-select",
        ),
        on_click=rx.stop_propagation,
        display="flex",
        align_items="center",
    )


def _shown(key: str) -> Any:
    return QueueState.columns.contains(key)  # type: ignore[attr-defined]


def _ellipsis_text(text: Any) -> rx.Component:
    return rx.text(text, size="2", overflow="hidden", text_overflow="ellipsis", white_space="nowrap")


def _column_chooser() -> rx.Component:
    """Which columns the table shows; saving the view keeps the choice."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("columns-3", size=16),
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label=tr("Columns"),
                title=tr("Columns"),
                class_name="column-chooser",
            )
        ),
        rx.popover.content(
            rx.flex(
                rx.text(tr("Columns"), size="2", weight="bold"),
                rx.foreach(
                    QueueState.column_choices,
                    lambda choice: rx.el.label(
                        rx.flex(
                            rx.checkbox(
                                checked=choice["shown"].to(bool),
                                on_change=lambda _checked: QueueState.toggle_column(choice["key"]),  # type: ignore[operator]
                                class_name="column-choice",
                                custom_attrs={"data-column": choice["key"]},
                            ),
                            rx.text(choice["label"], size="2"),
                            spacing="2",
                            align="center",
                        ),
                    ),
                ),
                rx.text(tr("Save the view to keep them."), size="1", color_scheme="gray"),
                direction="column",
                spacing="2",
            ),
            width="220px",
        ),
    )


QUEUE_COLUMNS = [
    Column(
        rx.checkbox(
            checked=QueueState.page_selected,
            on_change=QueueState.toggle_page,
            aria_label=tr("Select every ticket on this page"),
            class_name="page-select",
        ),
        _row_checkbox,
        width="36px",
    ),
    Column(
        _sort_header("#", "number"),
        lambda row: rx.text("#", row["number"], size="2", color_scheme="gray", white_space="nowrap"),
        width="76px",
        shown=_shown("number"),
    ),
    Column(tr("Subject"), _subject_link, cell_props={"max_width": "0", "width": "40%"}, shown=_shown("subject")),
    Column(
        tr("Requester"),
        lambda row: _person(row["requester_name"], row["requester_initials"]),
        width="180px",
        cell_props={"max_width": "180px"},
        shown=_shown("requester"),
    ),
    Column(
        tr("Status"),
        lambda row: status_badge(row["status_category"], row["status_name"]),
        width="150px",
        shown=_shown("status"),
    ),
    Column(
        tr("Priority"),
        lambda row: priority_badge(row["priority"], row["priority_name"]),
        width="110px",
        shown=_shown("priority"),
    ),
    Column(
        tr("Assignee"),
        lambda row: _person(row["assignee_name"]),
        width="160px",
        cell_props={"max_width": "160px"},
        shown=_shown("assignee"),
    ),
    Column(
        tr("Team"),
        lambda row: _ellipsis_text(row["team_name"]),
        width="140px",
        cell_props={"max_width": "140px"},
        shown=_shown("team"),
    ),
    Column(tr("Channel"), lambda row: _ellipsis_text(row["channel_name"]), width="100px", shown=_shown("channel")),
    Column(
        _sort_header(tr("Updated"), "updated_at"),
        lambda row: time_ago(row["updated_rel"], row["updated_exact"]),
        width="132px",  # "il y a 6 min", "hace 3 días"
        shown=_shown("updated"),
    ),
    Column(
        _sort_header(tr("Created"), "created_at"),
        lambda row: time_ago(row["created_rel"], row["created_exact"]),
        width="132px",
        shown=_shown("created"),
    ),
]


def _card_body(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.cond(QueueState.select_mode, _row_checkbox(row)),
            rx.text("#", row["number"], size="1", color_scheme="gray"),
            rx.spacer(),
            time_ago(row["updated_rel"], row["updated_exact"], size="1"),
            align="center",
            spacing="2",
        ),
        rx.flex(
            _fresh_badge(row),
            queue_presence_badge(row),
            rx.text(
                _subject_text(row), size="2", weight="medium", class_name="ticket-subject", custom_attrs={"dir": "auto"}
            ),
            align="center",
            spacing="2",
        ),
        rx.flex(
            status_badge(row["status_category"], row["status_name"]),
            priority_badge(row["priority"], row["priority_name"]),
            rx.text(
                row["requester_name"],
                size="1",
                color_scheme="gray",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                min_width="0",
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        direction="column",
        spacing="2",
        padding="12px",
    )


def _queue_card(row) -> rx.Component:
    card_class = rx.cond(row["fresh"], "queue-card queue-card-fresh", "queue-card")
    return rx.cond(
        QueueState.select_mode,
        rx.box(
            _card_body(row),
            on_click=QueueState.toggle_select(row["id"]),  # type: ignore[operator]
            cursor="pointer",
            border_bottom="1px solid var(--gray-4)",
            background=rx.cond(_is_selected(row), "var(--accent-3)", "transparent"),
            class_name=card_class,
            custom_attrs={"tabIndex": "0"},
        ),
        rx.link(
            _card_body(row),
            href=_ticket_href(row),
            underline="none",
            color="inherit",
            display="block",
            border_bottom="1px solid var(--gray-4)",
            class_name=card_class,
            # A long press (the context menu on a touch screen) starts selecting, with this card chosen.
            on_context_menu=[rx.prevent_default, QueueState.start_selecting(row["id"])],  # type: ignore[operator]
            style={"-webkit-touch-callout": "none"},
        ),
    )


def _queue_list() -> rx.Component:
    return responsive_list(
        QueueState.rows,
        columns=QUEUE_COLUMNS,
        card=_queue_card,
        row_props=lambda row: {
            "on_click": QueueState.open_ticket(row["id"]),  # type: ignore[operator]  # Reflex's event typing
            "cursor": "pointer",
            "_hover": {"background": "var(--gray-3)"},
            "custom_attrs": {"tabIndex": "0"},
            "background": rx.cond(_is_selected(row), "var(--accent-2)", "transparent"),
        },
        row_class=lambda row: rx.cond(row["fresh"], "queue-row queue-row-fresh", "queue-row"),
        table_class="queue-table",
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.text(QueueState.range_label, size="2", color_scheme="gray", class_name="range-label"),
        rx.spacer(),
        rx.text(
            tr("Page {page} of {pages}", page=QueueState.page, pages=QueueState.page_count),
            size="2",
            color_scheme="gray",
            display=["none", "inline", "inline"],
        ),
        *page_buttons(
            has_prev=QueueState.has_prev,
            has_next=QueueState.has_next,
            on_prev=QueueState.prev_page,
            on_next=QueueState.next_page,
        ),
        align="center",
        spacing="2",
        padding_top="12px",
    )


def _bulk_bar() -> rx.Component:
    return rx.cond(
        QueueState.selected_count > 0,
        rx.flex(
            rx.text(QueueState.selection_label, size="2", weight="medium", class_name="selection-label"),
            rx.cond(
                QueueState.can_select_all_matching,
                rx.button(
                    tr("Select all {count} matching", count=QueueState.total_label),
                    size="1",
                    variant="ghost",
                    on_click=QueueState.select_all_matching,
                    class_name="select-all-matching",
                ),
            ),
            rx.spacer(),
            _select(
                QueueState.bulk_field,
                QueueState.bulk_field_options,
                QueueState.set_bulk_field,
                tr("What to change"),
                "140px",
            ),
            rx.cond(
                QueueState.bulk_needs_tag,
                rx.input(
                    placeholder=tr("tag"),
                    value=QueueState.bulk_tag,
                    on_change=QueueState.set_bulk_tag,
                    size="2",
                    width="140px",
                    aria_label=tr("Tag"),
                    class_name="bulk-tag",
                ),
                rx.select.root(
                    rx.select.trigger(placeholder=tr("Choose…"), aria_label=tr("New value"), min_width="150px"),
                    rx.select.content(
                        rx.foreach(QueueState.bulk_options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"]))
                    ),
                    value=QueueState.bulk_value,
                    on_change=QueueState.set_bulk_value,
                    size="2",
                ),
            ),
            rx.button(tr("Apply…"), size="2", on_click=QueueState.ask_bulk, class_name="bulk-apply"),
            rx.button(tr("Clear"), size="2", variant="soft", color_scheme="gray", on_click=QueueState.clear_selection),
            align="center",
            spacing="2",
            wrap="wrap",
            padding="8px 12px",
            border_radius="var(--radius-3)",
            background="var(--accent-3)",
            class_name="bulk-bar",
            position="sticky",
            top="56px",
            z_index="5",
        ),
    )


def _job_and_result() -> rx.Component:
    return rx.fragment(
        rx.cond(
            QueueState.job_running,
            rx.flex(
                rx.text(QueueState.job_text, size="2", class_name="job-text"),
                rx.progress(value=QueueState.job_progress, max=100, width="100%", class_name="job-progress"),
                direction="column",
                spacing="2",
                padding="10px 12px",
                border="1px solid var(--gray-5)",
                border_radius="var(--radius-3)",
            ),
        ),
        rx.cond(
            QueueState.bulk_message,
            rx.callout.root(
                rx.callout.icon(rx.icon(rx.cond(QueueState.bulk_failures, "triangle-alert", "circle-check"))),
                rx.callout.text(
                    rx.flex(
                        rx.flex(
                            rx.text(QueueState.bulk_message, weight="medium", class_name="bulk-message"),
                            rx.spacer(),
                            rx.button(
                                tr("Dismiss"), size="1", variant="ghost", on_click=QueueState.dismiss_bulk_result
                            ),
                            align="center",
                        ),
                        rx.foreach(
                            QueueState.bulk_failures,
                            lambda f: rx.text(
                                rx.link(f["ticket"], href="/agent/tickets/" + f["id"]),
                                ": ",
                                f["message"],
                                size="2",
                                class_name="bulk-failure",
                            ),
                        ),
                        direction="column",
                        spacing="1",
                    )
                ),
                color_scheme=rx.cond(QueueState.bulk_failures, "amber", "green"),
                class_name="bulk-result",
            ),
        ),
    )


def _queue_body() -> rx.Component:
    return rx.cond(
        ~QueueState.loaded,
        skeleton_rows(8),
        rx.cond(
            QueueState.error,
            rx.callout(QueueState.error, icon="circle-alert", color_scheme="red"),
            rx.cond(
                QueueState.has_rows,
                rx.fragment(_queue_list(), _pager()),
                panel(
                    rx.cond(
                        QueueState.filtered,
                        empty_state(
                            "search-x",
                            tr("No tickets match"),
                            tr("Try another search word, or reset the filters to see the whole view."),
                            rx.button(tr("Reset filters"), variant="soft", on_click=QueueState.clear_filters),
                        ),
                        empty_state(
                            "party-popper",
                            tr("Nothing here"),
                            tr("No tickets in this view. New requests from customers appear here as they arrive."),
                        ),
                    ),
                    dashed=True,
                ),
            ),
        ),
    )


def _view_menu() -> rx.Component:
    """What can be done with the open view: save it, save changes, rename, duplicate, move, delete."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16),
                variant="soft",
                color_scheme="gray",
                size="2",
                aria_label=tr("View actions"),
                class_name="view-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(
                tr("Save as a new view…"),
                on_select=QueueState.open_view_dialog("create"),  # type: ignore[operator]
                class_name="view-save-new",
            ),
            rx.cond(
                QueueState.view_can_edit,
                rx.fragment(
                    rx.cond(
                        QueueState.modified & (QueueState.view_id != 0),
                        rx.menu.item(
                            tr("Save changes to this view"), on_select=QueueState.save_changes, class_name="view-save"
                        ),
                    ),
                    rx.menu.item(
                        tr("Rename…"),
                        on_select=QueueState.open_view_dialog("rename"),  # type: ignore[operator]
                        class_name="view-rename",
                    ),
                    rx.menu.item(
                        tr("Move up"),
                        on_select=QueueState.move_view(QueueState.view_id, -1),  # type: ignore[operator]
                        class_name="view-up",
                    ),
                    rx.menu.item(
                        tr("Move down"),
                        on_select=QueueState.move_view(QueueState.view_id, 1),  # type: ignore[operator]
                        class_name="view-down",
                    ),
                ),
            ),
            rx.cond(
                QueueState.view_id != 0,
                rx.menu.item(
                    tr("Duplicate"),
                    on_select=QueueState.duplicate_view(QueueState.view_id),  # type: ignore[operator]
                    class_name="view-duplicate",
                ),
            ),
            rx.cond(
                QueueState.view_can_edit,
                rx.fragment(
                    rx.menu.separator(),
                    rx.menu.item(
                        tr("Delete view…"),
                        color="red",
                        on_select=QueueState.ask_delete_view(QueueState.view_id),  # type: ignore[operator]
                        class_name="view-delete",
                    ),
                ),
            ),
            align="end",
        ),
    )


def _view_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(QueueState.view_dialog == "rename", tr("Rename the view"), tr("Save as a new view"))
            ),
            rx.dialog.description(
                rx.cond(
                    QueueState.view_dialog == "rename",
                    tr("The view keeps its filters."),
                    tr("The filters, quick filters and sort you see now become a view in your sidebar."),
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.flex(
                    rx.text(tr("Name"), as_="label", size="2", weight="medium", html_for="view-name"),
                    rx.input(
                        id="view-name",
                        name="name",
                        default_value=rx.cond(QueueState.view_dialog == "rename", QueueState.view_name, ""),
                        placeholder=tr("e.g. Urgent cards"),
                        max_length=120,
                        required=True,
                        auto_focus=True,
                    ),
                    rx.cond(
                        QueueState.is_admin_here & (QueueState.view_dialog == "create"),
                        rx.flex(
                            rx.text(tr("Who sees it"), size="2", weight="medium"),
                            rx.radio_group.root(
                                rx.flex(
                                    rx.radio_group.item(tr("Only me"), value="personal"),
                                    rx.cond(
                                        QueueState.team_options.length() > 0,  # type: ignore[attr-defined]
                                        rx.radio_group.item(tr("A team"), value="team", class_name="view-team"),
                                    ),
                                    rx.radio_group.item(tr("Every agent"), value="everyone"),
                                    spacing="4",
                                    wrap="wrap",
                                ),
                                value=QueueState.view_form_visibility,
                                on_change=QueueState.set_view_form_visibility,
                                size="2",
                            ),
                            rx.cond(
                                QueueState.view_form_visibility == "team",
                                rx.select.root(
                                    rx.select.trigger(aria_label=tr("The team that sees it"), width="100%"),
                                    rx.select.content(
                                        rx.foreach(
                                            QueueState.team_options,
                                            lambda o: rx.select.item(o["label"], value=o["value"]),
                                        )
                                    ),
                                    value=QueueState.view_form_team,
                                    on_change=QueueState.set_view_form_team,
                                    class_name="view-team-select",
                                ),
                            ),
                            direction="column",
                            spacing="1",
                        ),
                    ),
                    rx.cond(QueueState.view_form_error, rx.text(QueueState.view_form_error, color="red", size="2")),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Save view"), type="submit", class_name="view-dialog-save"),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=QueueState.save_view,
                reset_on_submit=False,
            ),
            max_width="420px",
            class_name="view-dialog",
        ),
        open=QueueState.view_dialog != "",
        on_open_change=QueueState.close_view_dialog,
    )


def shortcuts_button() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("keyboard", size=16),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label=tr("Keyboard shortcuts (?)"),
                class_name="shortcuts-button",
            )
        ),
        rx.dialog.content(
            rx.dialog.title(tr("Keyboard shortcuts")),
            rx.flex(
                *(
                    rx.flex(
                        rx.code(tr(keys), size="2", min_width="64px"),
                        rx.text(tr(what), size="2"),
                        spacing="3",
                        align="center",
                    )
                    for keys, what in SHORTCUTS
                ),
                rx.text(tr("They do nothing while you type in a field."), size="1", color_scheme="gray"),
                direction="column",
                spacing="2",
            ),
            rx.flex(rx.dialog.close(rx.button(tr("Close"), variant="soft")), justify="end", margin_top="12px"),
            max_width="400px",
            class_name="shortcuts-dialog",
        ),
    )


def _queue_actions() -> rx.Component:
    return rx.flex(
        rx.box(
            # An icon only: on a phone the view's title needs the width ("Ungelöst (geändert)").
            rx.icon_button(
                rx.cond(QueueState.select_mode, rx.icon("x", size=16), rx.icon("square-check", size=16)),
                size="2",
                variant=rx.cond(QueueState.select_mode, "solid", "soft"),
                on_click=QueueState.toggle_select_mode,
                class_name="select-mode",
                aria_label=rx.cond(QueueState.select_mode, tr("Done selecting"), tr("Select tickets")),
                title=rx.cond(QueueState.select_mode, tr("Done selecting"), tr("Select tickets")),
                custom_attrs={"aria-pressed": rx.cond(QueueState.select_mode, "true", "false")},
            ),
            display=["block", "block", "none"],
        ),
        rx.cond(
            QueueState.modified,
            rx.box(
                rx.button(
                    rx.icon("bookmark-plus", size=14),
                    tr("Save view"),
                    size="1",
                    variant="soft",
                    on_click=QueueState.open_view_dialog("create"),  # type: ignore[operator]
                    class_name="save-view",
                ),
                display=["none", "block", "block"],
            ),
        ),
        rx.box(_column_chooser(), display=["none", "none", "block"]),
        _view_menu(),
        rx.box(shortcuts_button(), display=["none", "none", "block"]),
        spacing="2",
        align="center",
    )


@page(route=routes.AGENT_QUEUE, title=N_("Queue · AutoCRM"), on_load=QueueState.load)
def queue() -> rx.Component:
    return agent_shell(
        rx.flex(
            _filter_bar(),
            _quick_filters(),
            _job_and_result(),
            _bulk_bar(),
            _queue_body(),
            _view_dialog(),
            confirm_dialog(
                QueueState,
                description=QueueState.pending_words,
                confirm_label=QueueState.pending_label,
                on_confirm=QueueState.confirm,
                class_name="confirm-yes",
                danger=QueueState.pending_is_danger,
            ),
            direction="column",
            spacing="3",
            class_name="queue-page",
        ),
        title=QueueState.view_title,
        actions=_queue_actions(),
    )


# ---- one ticket ---------------------------------------------------------------------------------------


def _prop(label: str, control: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(
            label, size="1", weight="medium", color_scheme="gray", text_transform="uppercase", letter_spacing="0.04em"
        ),
        control,
        direction="column",
        gap="6px",
    )


def _full_select(value, options, on_change, label: str, class_name: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, width="100%", class_name=class_name),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"]))),
        value=value,
        on_change=on_change,
        size="2",
    )


def _properties() -> rx.Component:
    t = AgentTicketState.ticket
    return panel(
        rx.flex(
            _prop(
                tr("Status"),
                _full_select(
                    t["status"].to(str),
                    AgentTicketState.status_options,
                    AgentTicketState.set_status,
                    tr("Status"),
                    "status-select",
                ),
            ),
            _prop(
                tr("Priority"),
                _full_select(
                    t["priority"].to(str),
                    AgentTicketState.priority_options,
                    AgentTicketState.set_priority,
                    tr("Priority"),
                    "priority-select",
                ),
            ),
            _prop(
                tr("Assignee"),
                rx.flex(
                    _full_select(
                        t["assignee_id_str"].to(str),
                        AgentTicketState.assignee_options,
                        AgentTicketState.set_assignee,
                        tr("Assignee"),
                        "assignee-select",
                    ),
                    rx.cond(
                        t["assignee_id_str"].to(str) != AgentTicketState.user["id"].to_string(),
                        rx.button(
                            tr("Assign to me"),
                            size="1",
                            variant="ghost",
                            on_click=AgentTicketState.assign_to_me,
                            class_name="assign-me",
                            align_self="start",
                            margin_left="2px",
                        ),
                    ),
                    direction="column",
                    spacing="1",
                ),
            ),
            rx.separator(size="4"),
            _prop(
                tr("Tags"),
                rx.cond(
                    t["tags"].to(list).length() > 0,
                    rx.flex(
                        rx.foreach(
                            t["tags"].to(list[str]), lambda tag: rx.badge(tag, variant="outline", color_scheme="gray")
                        ),
                        spacing="1",
                        wrap="wrap",
                    ),
                    rx.text(tr("No tags"), size="2", color_scheme="gray"),
                ),
            ),
            rx.flex(
                rx.text(tr("Channel"), size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text(
                    rx.match(t["channel"], *((key, tr(label)) for key, label in CHANNEL_LABELS.items()), t["channel"]),
                    size="1",
                ),
            ),
            rx.flex(
                rx.text(tr("Created"), size="1", color_scheme="gray"),
                rx.spacer(),
                time_ago(t["created_rel"], t["created_exact"], size="1"),
            ),
            rx.flex(
                rx.text(tr("Updated"), size="1", color_scheme="gray"),
                rx.spacer(),
                time_ago(t["updated_rel"], t["updated_exact"], size="1"),
            ),
            rx.cond(
                t["has_rating"],
                rx.flex(
                    rx.text(tr("Rating"), size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.text(t["rating"], "/5 ★", size="1", weight="medium", color="var(--amber-11)"),
                ),
            ),
            direction="column",
            spacing="4",
        ),
        padding="16px",
        class_name="ticket-properties",
    )


def _context_row(icon: str, value) -> rx.Component:
    return rx.cond(
        value,
        rx.flex(
            rx.icon(icon, size=14, color="var(--gray-10)", flex_shrink="0"),
            rx.text(value, size="1", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
            align="center",
            spacing="2",
            min_width="0",
        ),
    )


def _previous_ticket(row) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.text("#", row["number"], size="1", color_scheme="gray", white_space="nowrap"),
            rx.text(
                row["subject"], size="1", flex="1", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"
            ),
            status_badge(row["status_category"], row["status_name"]),
            align="center",
            spacing="2",
            min_width="0",
        ),
        href=routes.agent_ticket("") + row["id"].to(str),
        underline="none",
        color="inherit",
        class_name="previous-ticket",
    )


def _requester_panel() -> rx.Component:
    """Who wrote: reachable, where and when they are, how past answers went, and their other tickets."""
    r = AgentTicketState.requester
    return panel(
        rx.flex(
            rx.text(
                tr("Requester"),
                size="1",
                weight="medium",
                color_scheme="gray",
                text_transform="uppercase",
                letter_spacing="0.04em",
            ),
            rx.flex(
                avatar(r["initials"], size="3", color="gray"),
                rx.flex(
                    rx.text(r["name"], size="2", weight="bold", overflow="hidden", text_overflow="ellipsis"),
                    rx.text(r["open_tickets"], size="1", color_scheme="gray"),
                    direction="column",
                    min_width="0",
                ),
                align="center",
                spacing="3",
            ),
            rx.flex(
                _context_row("mail", r["email"]),
                _context_row("building-2", r["organization"]),
                rx.cond(
                    r["local_time"],
                    _context_row("clock", tr("{time} local time", time=r["local_time"].to(str))),
                ),
                _context_row("calendar", tr("Customer since {date}", date=r["customer_since"].to(str))),
                direction="column",
                spacing="2",
            ),
            rx.cond(
                r["has_average"],
                rx.flex(
                    rx.text(tr("Satisfaction"), size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.text(r["average"], " / 5 ★", size="1", weight="medium", color="var(--amber-11)"),
                    class_name="requester-satisfaction",
                ),
            ),
            rx.cond(
                r["previous"].to(list).length() > 0,
                rx.flex(
                    rx.text(
                        tr("Other tickets"),
                        size="1",
                        weight="medium",
                        color_scheme="gray",
                        text_transform="uppercase",
                        letter_spacing="0.04em",
                    ),
                    rx.foreach(r["previous"].to(list[dict]), _previous_ticket),
                    direction="column",
                    spacing="2",
                ),
                rx.text(tr("No other tickets from this customer."), size="1", color_scheme="gray"),
            ),
            direction="column",
            spacing="3",
        ),
        padding="16px",
        class_name="requester-panel",
    )


def _suggested_article(row, index) -> rx.Component:
    return rx.flex(
        rx.link(
            row["title"],
            href=row["url"].to(str),
            is_external=True,
            size="2",
            weight="medium",
            class_name="suggested-title",
            custom_attrs={"dir": "auto"},
        ),
        rx.box(
            rx.html(row["snippet"].to(str)),
            font_size="var(--font-size-1)",
            color="var(--gray-11)",
            line_height="1.45",
            style={
                "display": "-webkit-box",
                "-webkit-line-clamp": "3",
                "-webkit-box-orient": "vertical",
                "overflow": "hidden",
            },
            class_name="kb-snippet",
        ),
        rx.cond(
            row["internal"],
            rx.badge(
                rx.icon("lock", size=12),
                tr("Internal: not for customers"),
                color_scheme="orange",
                variant="soft",
                align_self="start",
                class_name="suggested-internal",
            ),
            rx.button(
                rx.icon("link", size=12),
                tr("Insert link"),
                size="1",
                variant="soft",
                type="button",
                align_self="start",
                on_click=AgentTicketState.insert_article(index),  # type: ignore[operator]
                class_name="insert-article",
                disabled=AgentTicketState.is_closed,
            ),
        ),
        direction="column",
        spacing="1",
        class_name="suggested-article",
    )


def _suggestions_panel() -> rx.Component:
    """Help-centre and internal articles that match what the customer wrote last; a public one's link goes into
    the reply with one click."""
    s = AgentTicketState
    return panel(
        rx.flex(
            rx.flex(
                rx.text(
                    tr("Suggested articles"),
                    size="1",
                    weight="medium",
                    color_scheme="gray",
                    text_transform="uppercase",
                    letter_spacing="0.04em",
                ),
                rx.spacer(),
                rx.link(
                    rx.icon("search", size=14),
                    href=routes.AGENT_KB,
                    color="var(--gray-10)",
                    aria_label=tr("Search the knowledge base"),
                ),
                align="center",
            ),
            rx.cond(
                s.suggested_articles.length() > 0,  # type: ignore[attr-defined]
                rx.flex(rx.foreach(s.suggested_articles, _suggested_article), direction="column", spacing="4"),
                rx.text(tr("No article matches this ticket yet."), size="1", color_scheme="gray"),
            ),
            direction="column",
            spacing="3",
        ),
        padding="16px",
        class_name="ticket-suggestions",
    )


TIMELINE_FILTERS = (
    ("all", N_("All")),
    ("conversation", N_("Conversation")),
    ("notes", N_("Notes")),
    ("calls", N_("Calls")),
    ("changes", N_("Changes")),
)


def _timeline_filter() -> rx.Component:
    """Segments where they fit; a phone gets the same choice as a select."""
    s = AgentTicketState
    return rx.flex(
        rx.segmented_control.root(
            *(rx.segmented_control.item(tr(label), value=key) for key, label in TIMELINE_FILTERS),
            value=s.timeline_kind,
            on_change=s.show_kind,
            size="1",
            aria_label=tr("Show in the timeline"),
            class_name="timeline-filter",
            display=["none", "inline-grid"],
        ),
        rx.box(
            rx.select.root(
                rx.select.trigger(aria_label=tr("Show in the timeline"), class_name="timeline-filter-select"),
                rx.select.content(*(rx.select.item(tr(label), value=key) for key, label in TIMELINE_FILTERS)),
                value=s.timeline_kind,
                on_change=s.show_kind,
                size="1",
            ),
            display=["block", "none"],
        ),
        justify="end",
    )


def _timeline() -> rx.Component:
    s = AgentTicketState
    return rx.flex(
        _timeline_filter(),
        rx.cond(
            s.shown_entries.length() > 0,
            agent_timeline(s.shown_entries),
            rx.text(tr("Nothing of this kind on this ticket yet."), size="2", color_scheme="gray", padding="12px 0"),
        ),
        direction="column",
        spacing="3",
    )


def _call_button() -> rx.Component:
    s: Any = AgentTicketState
    return rx.button(
        rx.icon("phone", size=14),
        tr("Log a call"),
        variant="soft",
        color_scheme="gray",
        size="1",
        type="button",
        on_click=s.open_call(True),
        class_name="log-call",
    )


def _call_dialog() -> rx.Component:
    """Log a phone call with the customer: which way, how long, what was said (an internal note). Rendered
    outside the composer's form: a form's submit inside a dialog bubbles through React's portal to the
    form around it."""
    s: Any = AgentTicketState
    errors = AgentTicketState.call_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("Log a call")),
            rx.dialog.description(
                tr("The summary is an internal note: only your team sees it."), size="2", color_scheme="gray"
            ),
            rx.form(
                rx.flex(
                    rx.radio_group.root(
                        rx.flex(
                            rx.radio_group.item(value="inbound", id="call-inbound"),
                            rx.el.label(tr("The customer called"), html_for="call-inbound"),
                            rx.radio_group.item(value="outbound", id="call-outbound", margin_left="16px"),
                            rx.el.label(tr("We called the customer"), html_for="call-outbound"),
                            align="center",
                            spacing="2",
                            wrap="wrap",
                        ),
                        name="direction",
                        default_value="inbound",
                        size="2",
                    ),
                    field(
                        tr("Length in minutes"),
                        rx.input(
                            id="call-minutes",
                            name="minutes",
                            input_mode="decimal",
                            placeholder="5",
                            width="120px",
                            aria_invalid=invalid(errors, "duration_seconds"),
                        ),
                        error=errors["duration_seconds"],
                        html_for="call-minutes",
                    ),
                    field(
                        tr("Summary"),
                        rx.text_area(
                            id="call-summary",
                            name="summary",
                            rows="4",
                            placeholder=tr("What was asked, what was agreed, what happens next"),
                            aria_invalid=invalid(errors, "summary"),
                        ),
                        error=errors["summary"],
                        html_for="call-summary",
                    ),
                    form_callout(AgentTicketState.call_error),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(rx.icon("phone", size=14), tr("Log the call"), type="submit", class_name="save-call"),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=s.log_call,
                reset_on_submit=False,  # a refused form keeps what was typed; a logged call closes the dialog
            ),
            max_width="460px",
            class_name="call-dialog",
        ),
        open=AgentTicketState.call_open,
        on_open_change=s.open_call,
    )


def _macro_menu() -> rx.Component:
    s: Any = AgentTicketState  # Vars and event specs at compile time (mypy sees the instance types)
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("zap", size=14),
                tr("Macros"),
                rx.icon("chevron-down", size=12),
                variant="soft",
                color_scheme="gray",
                size="1",
                type="button",
                class_name="macro-menu",
            )
        ),
        rx.menu.content(
            rx.foreach(
                s.macro_options,
                lambda o: rx.menu.item(o[LABEL], on_select=s.choose_macro(o["value"]), class_name="macro-option"),
            ),
            max_height="320px",
            overflow_y="auto",
        ),
    )


def _collision_notice() -> rx.Component:
    """Someone else wrote since the agent read the ticket: the reply waits until they have read it."""
    s: Any = AgentTicketState
    return rx.cond(
        AgentTicketState.collision,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.flex(
                rx.text(
                    tr("{names} wrote on this ticket while you were writing. Read it above first.", names=s.collision),
                    size="2",
                ),
                rx.flex(
                    rx.button(
                        tr("Send anyway"), type="submit", size="1", color_scheme="amber", class_name="send-anyway"
                    ),
                    rx.button(
                        tr("Keep editing"),
                        type="button",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=s.dismiss_collision,
                    ),
                    spacing="2",
                ),
                direction="column",
                spacing="2",
            ),
            color="amber",
            size="1",
            class_name="collision-notice",
            custom_attrs={"role": "alert"},
        ),
    )


def _macro_notice() -> rx.Component:
    """The chosen macro: its text is in the composer to edit, and this says what sending will also change."""
    m = AgentTicketState.macro
    return rx.cond(
        AgentTicketState.macro,
        rx.callout.root(
            rx.callout.icon(rx.icon("zap", size=16)),
            rx.flex(
                rx.flex(
                    rx.text(tr("Macro “{name}”", name=m["name"].to(str)), size="2", weight="medium"),
                    rx.spacer(),
                    rx.button(
                        rx.icon("x", size=12),
                        tr("Don't apply"),
                        variant="ghost",
                        size="1",
                        type="button",
                        on_click=AgentTicketState.drop_macro,
                        class_name="drop-macro",
                    ),
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    m["lines"].to(list).length() > 0,
                    rx.flex(
                        rx.text(tr("Sending also changes:"), size="1"),
                        rx.foreach(m["lines"].to(list[str]), lambda line: rx.text("· ", line, size="1")),
                        direction="column",
                    ),
                    rx.text(tr("Its actions change nothing on this ticket."), size="1"),
                ),
                direction="column",
                spacing="1",
                width="100%",
            ),
            color="indigo",
            size="1",
            class_name="macro-notice",
        ),
    )


def _composer_toolbar() -> rx.Component:
    s = AgentTicketState
    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item(
                rx.flex(rx.icon("reply", size=14), tr("Public reply"), align="center", spacing="1"),
                value="reply",
            ),
            rx.segmented_control.item(
                rx.flex(rx.icon("lock", size=14), tr("Internal note"), align="center", spacing="1"),
                value="note",
            ),
            value=s.mode,
            on_change=s.set_mode,
            size="1",
            class_name="composer-mode",
        ),
        rx.cond(AgentTicketState.macro_options.length() > 0, _macro_menu()),  # type: ignore[attr-defined]
        rx.cond(~AgentTicketState.is_note, suggest_button(AgentTicketState)),
        rewrite_menu(AgentTicketState),
        spelling_button(AgentTicketState),
        _call_button(),
        rx.spacer(),
        rx.text(
            rx.cond(s.is_note, tr("Only your team sees notes"), tr("The customer sees replies in the portal")),
            size="1",
            color=rx.cond(s.is_note, "var(--amber-11)", "var(--gray-11)"),
            display=["none", "inline", "inline"],
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def _closed_notice() -> rx.Component:
    return closed_notice(
        tr("This ticket is closed"),
        tr("It takes no more replies or notes. A follow-up ticket continues the conversation, linked to this one."),
        rx.button(
            rx.icon("git-branch-plus", size=14),
            tr("Open a follow-up ticket"),
            variant="soft",
            type="button",
            on_click=AgentTicketState.start_follow_up,
            class_name="start-follow-up",
        ),
    )


def _follow_up_composer() -> rx.Component:
    s = AgentTicketState
    t = s.ticket
    return composer(
        form_id="follow-up-form",
        on_submit=s.open_follow_up,
        body_id="follow-up-body",
        label=tr("First message"),
        label_visible=True,
        placeholder=tr("What the follow-up is about. The customer sees it in the portal."),
        error=s.follow_up_errors.get("body", ""),
        toolbar=rx.flex(
            rx.heading(tr("Follow-up ticket"), size="3"),
            rx.text(
                tr(
                    "A new ticket for {name}, linked to #{number}.",
                    name=t["requester_name"].to(str),
                    number=t["number"].to_string(),
                ),
                size="2",
                color_scheme="gray",
            ),
            direction="column",
            spacing="1",
        ),
        fields=[
            form_callout(s.follow_up_error),
            field(
                tr("Subject"),
                rx.input(
                    name="subject",
                    id="follow-up-subject",
                    default_value=t["subject"].to(str),
                    max_length=250,
                    aria_invalid=invalid(s.follow_up_errors, "subject"),
                ),
                error=s.follow_up_errors.get("subject", ""),
                html_for="follow-up-subject",
            ),
        ],
        actions=[
            rx.button(
                tr("Cancel"),
                variant="soft",
                color_scheme="gray",
                type="button",
                on_click=s.cancel_follow_up,
            )
        ],
        submit_label=tr("Open follow-up ticket"),
        submit_icon=rx.icon("git-branch-plus", size=14),
        submit_class="follow-up-submit",
        rule="3px solid var(--accent-8)",
    )


def _composer() -> rx.Component:
    s = AgentTicketState
    return composer(
        form_id="composer-form",
        on_submit=s.send,
        body_id="composer-body",
        language=rx.cond(s.is_note, s.locale, s.reply_language),
        label=rx.cond(s.is_note, tr("Internal note"), tr("Reply")),
        placeholder=rx.cond(
            s.is_closed,
            tr("Closed tickets take no more messages."),
            rx.cond(s.is_note, tr("Add a note for your team…"), tr("Write your reply to the customer…")),
        ),
        submit_label=rx.cond(s.is_note, tr("Add internal note"), tr("Send reply")),
        submit_icon=rx.cond(s.is_note, rx.icon("lock", size=14), rx.icon("send", size=14)),
        submit_class="composer-submit",
        submit_color=rx.cond(s.is_note, "amber", "indigo"),
        error=s.composer_error,
        toolbar=_composer_toolbar(),
        fields=[
            others_replying_notice(AgentTicketState),
            _collision_notice(),
            _macro_notice(),
            suggestion_notice(AgentTicketState),
            rewrite_notice(AgentTicketState),
            spelling_panel(AgentTicketState),
        ],
        body_background=rx.cond(s.is_note, "var(--amber-2)", "var(--color-surface)"),
        rule=rx.cond(s.is_note, "3px solid var(--amber-8)", "3px solid var(--accent-8)"),
        locked=s.is_closed,
        locked_notice=_closed_notice(),
        attachments=attachment_picker(AgentTicketState, "composer-files"),
        mentions=s.mention_people,
        mentions_on=s.is_note,
        image_url=s.image_upload_url,
    )


def _ticket_header() -> rx.Component:
    t = AgentTicketState.ticket
    return ticket_header(
        t,
        facts=[
            rx.text("#", t["number"], size="2", color_scheme="gray"),
            status_badge(t["status_category"], t["status_name"]),
            priority_badge(t["priority"], t["priority_name"]),
            rx.text(tr("from {name}", name=t["requester_name"].to(str)), size="2", color_scheme="gray"),
            rx.text("·", color_scheme="gray", size="2"),
            time_ago(t["created_rel"], t["created_exact"]),
        ],
        follow_up_text=N_("Follows up #{number}"),
        ticket_href=routes.agent_ticket(""),
    )


@page(route=routes.AGENT_TICKET, title=N_("Ticket · AutoCRM"), on_load=AgentTicketState.load)
def agent_ticket() -> rx.Component:
    s = AgentTicketState
    return agent_shell(
        rx.cond(
            ~s.loaded,
            rx.flex(
                rx.skeleton(rx.box(height="28px", width="60%")),
                skeleton_rows(3, "96px"),
                direction="column",
                spacing="4",
            ),
            rx.cond(
                s.not_found,
                empty_state(
                    "file-question",
                    tr("Ticket not found"),
                    tr("It may have been deleted, or the link is wrong. Go back to the queue to find it."),
                    rx.link(rx.button(tr("Back to the queue"), variant="soft"), href=routes.AGENT_QUEUE),
                ),
                rx.flex(
                    _ticket_header(),
                    ticket_presence(AgentTicketState),
                    beat_buttons(AgentTicketState, BEAT_KINDS),
                    rx.grid(
                        rx.flex(
                            summary_panel(AgentTicketState),
                            _timeline(),
                            rx.cond(s.following_up, _follow_up_composer(), _composer()),
                            _call_dialog(),
                            direction="column",
                            spacing="4",
                            min_width="0",
                        ),
                        rx.flex(
                            _properties(),
                            triage_panel(AgentTicketState),
                            _suggestions_panel(),
                            _requester_panel(),
                            # Not sticky: the two panels together are taller than a laptop's screen.
                            direction="column",
                            spacing="4",
                        ),
                        columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 280px"),
                        spacing="5",
                        align="start",
                    ),
                    direction="column",
                    spacing="4",
                    max_width="1200px",
                ),
            ),
        ),
        title=rx.flex(
            rx.link(tr("Tickets"), href=routes.AGENT_QUEUE, color_scheme="gray", underline="hover"),
            rx.icon("chevron-right", size=14, color="var(--gray-9)"),
            rx.text(s.ticket_title, as_="span", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
            align="center",
            spacing="2",
            min_width="0",
        ),
    )
