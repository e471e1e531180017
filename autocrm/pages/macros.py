"""The macro library (`/agent/macros`): every macro the agent may see with its state, an editor with a
placeholder helper and the ticket actions, each macro's versions with a coloured diff, and the approval queue
for team leads and admins."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.diff import diff_box, diff_line
from autocrm.components.forms import empty_state, field, field_error, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.macros import KEEP, STATE_LABELS, MacrosState

S: Any = MacrosState  # Vars and event specs at compile time (mypy sees the instance types)
LABEL = "label"  # the options' labels are msgids or names the state holds
SECTION = "section"  # a diff line's section heading: a msgid (a name keyed by a constant, so extraction skips it)
WIDE_ON_PHONE = ["100%", "auto"]
STATE_COLORS = {"draft": "gray", "pending": "amber", "approved": "grass", "rejected": "red"}
FILTERS = (
    ("all", N_("All states")),
    ("draft", N_("Drafts")),
    ("pending", N_("Pending approval")),
    ("approved", N_("Approved")),
    ("rejected", N_("Rejected")),
    ("archived", N_("Archived")),
)


def state_badge(state: Any, label: Any) -> rx.Component:
    return rx.badge(
        tr(label.to(str)),
        color_scheme=rx.match(state, *STATE_COLORS.items(), "gray"),
        variant="soft",
        radius="full",
        white_space="nowrap",
        class_name="macro-state",
    )


def scope_badge(scope: Any) -> rx.Component:
    return rx.cond(
        scope == "shared",
        rx.badge(rx.icon("users", size=11), tr("Shared"), variant="surface", color_scheme="indigo", size="1"),
        rx.badge(rx.icon("user-round", size=11), tr("Personal"), variant="surface", color_scheme="gray", size="1"),
    )


# ---- the list --------------------------------------------------------------------------------------


def _name_cell(row) -> rx.Component:
    return rx.flex(
        rx.link(
            row["name"],
            on_click=S.open_macro(row["id"], "edit"),
            weight="medium",
            size="2",
            color="var(--gray-12)",
            cursor="pointer",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            class_name="macro-name",
        ),
        rx.cond(
            row["live_version"].to(int) > 0,
            rx.text(
                tr("Agents use version {n}", n=row["live_version"]), size="1", color_scheme="gray", class_name="live"
            ),
        ),
        direction="column",
        min_width="0",
    )


def _changed(row) -> rx.Component:
    return rx.flex(
        rx.text(row["changed_by"], size="2", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
        time_ago(row["changed_rel"], row["changed_exact"], size="1"),
        direction="column",
        min_width="0",
    )


def _row_buttons(row) -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("pencil", size=13),
            tr("Edit"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.open_macro(row["id"], "edit"),
            class_name="macro-edit",
        ),
        rx.button(
            rx.icon("history", size=13),
            tr("History"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.open_macro(row["id"], "history"),
            class_name="macro-history",
        ),
        gap="6px",
        justify="end",
    )


def _card(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            _name_cell(row),
            rx.spacer(),
            state_badge(row["state"], row["state_label"]),
            align="start",
            gap="8px",
        ),
        rx.flex(
            scope_badge(row["scope"]),
            rx.text(row["changed_by"], size="1", color_scheme="gray"),
            time_ago(row["changed_rel"], row["changed_exact"], size="1"),
            align="center",
            gap="8px",
            wrap="wrap",
        ),
        _row_buttons(row),
        direction="column",
        gap="8px",
        padding="12px 14px",
        border_bottom="1px solid var(--gray-4)",
        class_name="macro-row",
    )


def _filter_bar() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            placeholder=tr("Search by name"),
            value=S.q,
            on_change=S.set_q.debounce(250),
            id="macro-search",
            aria_label=tr("Search by name"),
            flex="1 1 220px",
            max_width=["100%", "100%", "320px"],
        ),
        rx.select.root(
            rx.select.trigger(aria_label=tr("State"), min_width="170px", class_name="macro-state-filter"),
            rx.select.content(*[rx.select.item(tr(label), value=value) for value, label in FILTERS]),
            value=S.state_filter,
            on_change=S.set_state_filter,
        ),
        rx.spacer(display=["none", "none", "block"]),
        rx.button(rx.icon("plus", size=14), tr("New macro"), on_click=S.new_macro, class_name="new-macro"),
        gap="8px",
        wrap="wrap",
        align="center",
    )


def _library() -> rx.Component:
    return rx.flex(
        _filter_bar(),
        rx.cond(
            ~S.loaded,
            skeleton_rows(4),
            rx.cond(
                S.has_rows,
                rx.cond(
                    S.shown_rows.length() > 0,
                    responsive_list(
                        S.shown_rows,
                        columns=[
                            Column(N_("Name"), _name_cell),
                            Column(N_("Shared or personal"), lambda row: scope_badge(row["scope"]), "170px"),
                            Column(N_("State"), lambda row: state_badge(row["state"], row["state_label"]), "160px"),
                            Column(N_("Last changed"), _changed, "190px"),
                            Column("", _row_buttons, "170px"),
                        ],
                        card=_card,
                        row_class="macro-row",
                    ),
                    panel(
                        empty_state("search-x", N_("No macro matches"), N_("Try another name or state.")),
                        dashed=True,
                    ),
                ),
                panel(
                    empty_state(
                        "zap",
                        N_("No macros yet"),
                        N_(
                            "A macro is a reply you write once and send in a click, with the changes it makes to the "
                            "ticket. Shared ones are approved by a team lead first."
                        ),
                        rx.button(rx.icon("plus", size=14), tr("New macro"), on_click=S.new_macro),
                    ),
                    dashed=True,
                ),
            ),
        ),
        direction="column",
        gap="12px",
    )


# ---- the editor ------------------------------------------------------------------------------------


def _select(value, on_change, options, fixed: list[tuple[str, str]], label: str, class_name: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=tr(label), width="100%", class_name=class_name),
        rx.select.content(
            *[rx.select.item(tr(text), value=key) for key, text in fixed],
            rx.select.separator(),
            rx.foreach(options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"])),
        ),
        value=value,
        on_change=on_change,
    )


def _placeholder_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("braces", size=13),
                tr("Insert placeholder"),
                rx.icon("chevron-down", size=12),
                size="1",
                variant="soft",
                color_scheme="gray",
                type="button",
                class_name="placeholder-menu",
            )
        ),
        rx.menu.content(
            rx.foreach(
                S.placeholders,
                lambda p: rx.menu.item(
                    rx.flex(
                        rx.text(tr(p[LABEL]), size="2"),
                        rx.code(p["token"], size="1", variant="ghost", color_scheme="gray"),
                        justify="between",
                        gap="12px",
                        width="100%",
                    ),
                    on_select=S.insert_placeholder(p["token"]),
                    class_name="placeholder-option",
                ),
            ),
            max_height="340px",
            overflow_y="auto",
            # The cursor stays in the text (where the placeholder went), not on the menu's button.
            on_close_auto_focus=rx.prevent_default,
        ),
    )


def _actions_fields() -> rx.Component:
    errors = S.editor_errors
    return rx.grid(
        field(
            tr("Status"),
            _select(
                S.ed_status,
                S.set_ed_status,
                S.status_options,
                [(KEEP, N_("Leave as it is"))],
                N_("Status"),
                "ed-status",
            ),
            error=errors.get("status", ""),
        ),
        field(
            tr("Priority"),
            _select(
                S.ed_priority,
                S.set_ed_priority,
                S.priority_options,
                [(KEEP, N_("Leave as it is"))],
                N_("Priority"),
                "ed-priority",
            ),
            error=errors.get("priority", ""),
        ),
        field(
            tr("Assignee"),
            _select(
                S.ed_assignee,
                S.set_ed_assignee,
                S.agent_options,
                [(KEEP, N_("Leave as it is")), ("me", N_("Whoever applies it")), ("none", N_("Nobody (unassign)"))],
                N_("Assignee"),
                "ed-assignee",
            ),
            error=errors.get("assignee_id", ""),
        ),
        field(
            tr("Team"),
            _select(
                S.ed_team,
                S.set_ed_team,
                S.team_options,
                [(KEEP, N_("Leave as it is")), ("none", N_("No team"))],
                N_("Team"),
                "ed-team",
            ),
            error=errors.get("team_id", ""),
        ),
        field(
            tr("Add tags"),
            rx.input(
                name="add_tags",
                id="macro-add-tags",
                default_value=S.ed_add_tags,
                placeholder=tr("refund, vip"),
                max_length=600,
            ),
            hint=tr("Separate tags with commas."),
            html_for="macro-add-tags",
        ),
        field(
            tr("Remove tags"),
            rx.input(
                name="remove_tags",
                id="macro-remove-tags",
                default_value=S.ed_remove_tags,
                placeholder=tr("waiting"),
                max_length=600,
            ),
            html_for="macro-remove-tags",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        gap="12px",
        width="100%",
    )


def _scope_field() -> rx.Component:
    return rx.cond(
        S.is_new,
        field(
            tr("Who can use it"),
            rx.radio_group.root(
                rx.flex(
                    rx.el.label(
                        rx.flex(
                            rx.radio_group.item(value="shared"),
                            rx.flex(
                                rx.text(tr("Shared"), size="2", weight="medium"),
                                rx.text(
                                    tr("Every agent, once a team lead approves it."), size="1", color_scheme="gray"
                                ),
                                direction="column",
                            ),
                            gap="8px",
                            align="start",
                        ),
                        class_name="scope-shared",
                    ),
                    rx.el.label(
                        rx.flex(
                            rx.radio_group.item(value="personal"),
                            rx.flex(
                                rx.text(tr("Personal"), size="2", weight="medium"),
                                rx.text(tr("Only you, usable as soon as it is saved."), size="1", color_scheme="gray"),
                                direction="column",
                            ),
                            gap="8px",
                            align="start",
                        ),
                        class_name="scope-personal",
                    ),
                    gap="20px",
                    wrap="wrap",
                ),
                value=S.ed_scope,
                on_change=S.set_ed_scope,
            ),
            error=S.editor_errors.get("scope", ""),
        ),
        rx.flex(
            scope_badge(S.ed_scope),
            state_badge(S.ed_state, rx.cond(S.ed_scope == "personal", "In use", STATE_LABEL_VAR)),
            rx.text(tr("Version {n}", n=S.ed_version), size="1", color_scheme="gray"),
            rx.cond(
                (S.ed_live_version > 0) & (S.ed_live_version != S.ed_version) & (S.ed_scope == "shared"),
                rx.text(tr("Agents use version {n}", n=S.ed_live_version), size="1", color_scheme="gray"),
            ),
            gap="8px",
            align="center",
            wrap="wrap",
            class_name="editor-status",
        ),
    )


STATE_LABEL_VAR = rx.match(S.ed_state, *STATE_LABELS.items(), S.ed_state)


def _rejected_note() -> rx.Component:
    return rx.cond(
        (S.ed_state == "rejected") & (S.ed_comment != ""),
        rx.callout.root(
            rx.callout.icon(rx.icon("message-square-warning", size=16)),
            rx.callout.text(
                rx.text(tr("Sent back by {name}:", name=S.ed_reviewer), weight="medium", as_="span"),
                " ",
                S.ed_comment,
            ),
            color_scheme="red",
            size="1",
            class_name="rejected-note",
        ),
    )


def _editor_form() -> rx.Component:
    errors = S.editor_errors
    return rx.form(
        rx.flex(
            form_callout(S.editor_error),
            _rejected_note(),
            _scope_field(),
            field(
                tr("Name"),
                rx.input(
                    name="name",
                    id="macro-name",
                    default_value=S.ed_name,
                    max_length=120,
                    placeholder=tr("Refund on its way"),
                    custom_attrs={"aria-invalid": invalid(errors, "name")},
                ),
                error=errors.get("name", ""),
                html_for="macro-name",
            ),
            rx.flex(
                rx.flex(
                    rx.el.label(rx.text(tr("Text"), size="2", weight="medium"), html_for="macro-body"),
                    rx.spacer(),
                    _placeholder_menu(),
                    align="center",
                    gap="8px",
                ),
                rx.text_area(
                    name="body",
                    id="macro-body",
                    default_value=S.ed_body,
                    rows="9",
                    resize="vertical",
                    placeholder=tr("Hi {{customer.first_name}}, …"),
                    custom_attrs={"aria-invalid": invalid(errors, "body")},
                ),
                rx.cond(
                    errors.contains("body"),
                    field_error(errors.get("body", "")),
                    rx.text(
                        tr("Placeholders are filled in for each ticket; a blank line starts a new paragraph."),
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                direction="column",
                gap="6px",
            ),
            rx.flex(
                rx.icon("zap", size=14, color="var(--gray-10)"),
                rx.text(tr("When applied, also"), size="2", weight="medium"),
                align="center",
                gap="6px",
                margin_top="4px",
            ),
            rx.cond(errors.contains("actions"), field_error(errors.get("actions", ""))),
            _actions_fields(),
            # A phone stacks them full width, the save first; a laptop puts them in a row, the save last.
            rx.flex(
                rx.button(
                    tr("Cancel"),
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    on_click=S.close_editor,
                    width=WIDE_ON_PHONE,
                ),
                rx.cond(
                    S.ed_can_archive & ~S.is_new,
                    rx.button(
                        rx.icon(rx.cond(S.ed_archived, "archive-restore", "archive"), size=14),
                        rx.cond(S.ed_archived, tr("Restore"), tr("Archive")),
                        variant="soft",
                        color_scheme="gray",
                        type="button",
                        on_click=S.toggle_archived,
                        width=WIDE_ON_PHONE,
                        class_name="archive-macro",
                    ),
                ),
                rx.spacer(),
                rx.cond(
                    S.can_submit,
                    rx.button(
                        rx.icon("send", size=14),
                        tr("Submit for approval"),
                        variant="soft",
                        type="button",
                        on_click=S.submit_for_approval,
                        width=WIDE_ON_PHONE,
                        class_name="submit-macro",
                    ),
                ),
                rx.button(
                    rx.icon("save", size=14),
                    rx.cond(S.is_new, tr("Create macro"), tr("Save new version")),
                    type="submit",
                    width=WIDE_ON_PHONE,
                    class_name="save-macro",
                ),
                direction=rx.breakpoints(initial="column-reverse", sm="row"),
                gap="8px",
                margin_top="8px",
            ),
            direction="column",
            gap="14px",
        ),
        on_submit=S.save,
        reset_on_submit=False,
        key=S.form_key.to(str),
        class_name="macro-editor",
    )


# ---- history and diffs -----------------------------------------------------------------------------


def diff_view(lines: Any) -> rx.Component:
    """The version diff, its lines under the headings of the sections they are in (body, actions)."""

    def with_section(row) -> rx.Component:
        return rx.fragment(
            rx.cond(
                row["section"].to(str) != "",
                rx.text(
                    tr(row[SECTION].to(str)),
                    size="1",
                    weight="medium",
                    color_scheme="gray",
                    padding="6px 10px 2px",
                    font_family="var(--default-font-family)",
                    text_transform="uppercase",
                    letter_spacing="0.04em",
                    class_name="diff-section",
                ),
            ),
            diff_line(row),
        )

    return diff_box(rx.foreach(lines, with_section), class_name="macro-diff")


def _version(version) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.badge(tr("v{n}", n=version["number"]), variant="outline", color_scheme="gray"),
            state_badge(version["state"], version["state_label"]),
            rx.text(version["author"], size="2", weight="medium"),
            time_ago(version["rel"], version["exact"], size="1"),
            align="center",
            gap="8px",
            wrap="wrap",
        ),
        rx.cond(
            version["reviewer"].to(str) != "",
            rx.text(
                rx.cond(
                    version["state"] == "approved",
                    tr("Approved by {name}", name=version["reviewer"]),
                    tr("Sent back by {name}", name=version["reviewer"]),
                ),
                rx.cond(
                    version["comment"].to(str) != "",
                    rx.text(" — ", version["comment"], as_="span", font_style="italic"),
                ),
                size="1",
                color_scheme="gray",
            ),
        ),
        direction="column",
        gap="4px",
        padding="10px 14px",
        border_bottom="1px solid var(--gray-4)",
        class_name="macro-version",
    )


def _version_select(value, on_change, label: str, class_name: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=tr(label), class_name=class_name, min_width="90px"),
        rx.select.content(rx.foreach(S.version_options, lambda n: rx.select.item(tr("Version {n}", n=n), value=n))),
        value=value,
        on_change=on_change,
        size="2",
    )


def _history() -> rx.Component:
    return rx.flex(
        panel(
            rx.flex(
                rx.flex(
                    rx.text(tr("Compare"), size="2", weight="medium"),
                    _version_select(S.diff_from, S.set_diff_from, N_("Older version"), "diff-from"),
                    rx.icon("arrow-right", size=14, color="var(--gray-9)"),
                    _version_select(S.diff_to, S.set_diff_to, N_("Newer version"), "diff-to"),
                    align="center",
                    gap="8px",
                    wrap="wrap",
                ),
                rx.cond(
                    S.has_diff,
                    diff_view(S.diff),
                    rx.text(
                        rx.cond(
                            S.versions.length() > 1,
                            tr("Choose two different versions to see what changed."),
                            tr("Only one version so far: save a change to compare."),
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                direction="column",
                gap="12px",
            ),
            padding="14px 16px",
        ),
        rx.heading(tr("Versions"), size="2", weight="medium", margin_top="4px"),
        panel(rx.foreach(S.versions, _version), class_name="macro-versions"),
        direction="column",
        gap="12px",
    )


def _detail() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.button(
                rx.icon("arrow-left", size=14),
                tr("All macros"),
                variant="ghost",
                color_scheme="gray",
                size="2",
                on_click=S.close_editor,
                class_name="back-to-macros",
            ),
            rx.spacer(),
            rx.cond(
                ~S.is_new,
                rx.segmented_control.root(
                    rx.segmented_control.item(tr("Edit"), value="edit"),
                    rx.segmented_control.item(tr("History"), value="history", class_name="history-tab"),
                    value=S.detail_tab,
                    on_change=S.set_detail_tab,
                    size="2",
                ),
            ),
            align="center",
            gap="8px",
        ),
        rx.heading(rx.cond(S.is_new, tr("New macro"), S.ed_name), size="4", class_name="macro-title"),
        rx.cond(
            S.detail_tab == "history",
            _history(),
            panel(_editor_form(), padding=["14px", "18px 20px", "20px 24px"]),
        ),
        direction="column",
        gap="12px",
        max_width="860px",
        width="100%",
    )


# ---- the approval queue ----------------------------------------------------------------------------


def _queue_entry(entry) -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(entry["name"], size="3", class_name="queue-name"),
                    rx.text(
                        tr("Version {n} by {name}", n=entry["version"], name=entry["author"]),
                        size="1",
                        color_scheme="gray",
                    ),
                    direction="column",
                    min_width="0",
                ),
                rx.spacer(),
                time_ago(entry["rel"], entry["exact"], size="1"),
                align="start",
                gap="8px",
            ),
            rx.text(
                rx.cond(
                    entry["against"].to(int) > 0,
                    tr("Changes since approved version {n}:", n=entry["against"]),
                    tr("New macro: nothing of it is approved yet."),
                ),
                size="2",
                color_scheme="gray",
            ),
            diff_view(entry["lines"].to(list[dict[str, str]])),
            rx.cond(
                entry["own"].to(bool),
                rx.text(
                    tr("Someone else must approve your own version."),
                    size="2",
                    color_scheme="gray",
                    text_align="right",
                    class_name="own-version",
                ),
                _verdict(entry),
            ),
            direction="column",
            gap="10px",
        ),
        padding="14px 16px",
        class_name="queue-entry",
    )


def _verdict(entry) -> rx.Component:
    """The comment and the two verdicts (the service checks again that this reviewer may give them)."""
    mine = S.review_for == entry["id"].to(int)
    return rx.flex(
        rx.text_area(
            placeholder=tr("Comment for the author (needed to send it back)"),
            on_blur=lambda value: S.set_review_comment(entry["id"], value),
            rows="2",
            max_length=1000,
            aria_label=tr("Comment for the author"),
            class_name="review-comment",
        ),
        rx.cond(mine & S.review_errors.contains("comment"), field_error(S.review_errors.get("comment", ""))),
        rx.flex(
            rx.spacer(),
            rx.button(
                rx.icon("undo-2", size=14),
                tr("Send back"),
                variant="soft",
                color_scheme="red",
                on_click=S.review(entry["id"], False),
                class_name="reject-macro",
            ),
            rx.button(
                rx.icon("check", size=14),
                tr("Approve"),
                color_scheme="grass",
                on_click=S.review(entry["id"], True),
                class_name="approve-macro",
            ),
            gap="8px",
        ),
        direction="column",
        gap="10px",
    )


def _queue() -> rx.Component:
    return rx.cond(
        S.queue_count > 0,
        rx.flex(
            rx.text(
                tr(
                    "Shared macros waiting for a team lead or an admin. Agents keep using the approved version until you approve the new one."
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.foreach(S.queue, _queue_entry),
            direction="column",
            gap="12px",
            max_width="860px",
        ),
        panel(
            empty_state("circle-check", N_("Nothing waits for approval"), N_("Submitted shared macros show up here.")),
            dashed=True,
        ),
    )


@page(route=routes.AGENT_MACROS, title=N_("Macros · AutoCRM"), on_load=MacrosState.load)
def agent_macros() -> rx.Component:
    tabs = rx.cond(
        S.can_review,
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger(tr("Library"), value="library", class_name="library-tab"),
                rx.tabs.trigger(
                    rx.flex(
                        tr("Approval queue"),
                        rx.cond(
                            S.queue_count > 0,
                            rx.badge(S.queue_count, color_scheme="amber", variant="solid", radius="full", size="1"),
                        ),
                        align="center",
                        gap="6px",
                    ),
                    value="queue",
                    class_name="queue-tab",
                ),
            ),
            value=S.tab,
            on_change=S.set_tab,
            margin_bottom="12px",
        ),
    )
    return agent_shell(
        rx.flex(
            rx.cond(~S.editing, tabs),
            rx.cond(S.editing, _detail(), rx.cond(S.tab == "queue", _queue(), _library())),
            direction="column",
        ),
        title=tr("Macros"),
    )
