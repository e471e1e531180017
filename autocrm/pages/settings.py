"""Admin: desk settings. Tabs for statuses, priorities, custom fields and tags, each a list (cards on a phone)
with its add form or dialog; retiring asks first, and a refusal (tickets still use it) is said above the list."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import STATUS_COLORS
from autocrm.components.confirm import confirm_dialog
from autocrm.components.forms import empty_state, field, field_error, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.components.secret import MONO
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.settings import AdminSettingsState

S = AdminSettingsState

# mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns the
# callback): calling one with arguments is right at run time, hence the `type: ignore[operator]`s below.


def _ellipsis(text, **props) -> rx.Component:
    return rx.text(text, overflow="hidden", text_overflow="ellipsis", white_space="nowrap", **props)


def _key(row) -> rx.Component:
    return _ellipsis(row["key"], size="1", color_scheme="gray", font_family=MONO)


def _retired(row) -> rx.Component:
    return rx.cond(~row["active"].to(bool), rx.badge(tr("Retired"), size="1", variant="outline", color_scheme="gray"))


def _icon_button(icon: str, label, on_click, class_name: str, **props) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=14),
        size="1",
        variant="soft",
        color_scheme=props.pop("color_scheme", "gray"),
        on_click=on_click,
        aria_label=label,
        title=label,
        class_name=class_name,
        **props,
    )


def _moves(row, handler, name) -> list[rx.Component]:
    return [
        _icon_button(
            "arrow-up",
            tr("Move {name} up", name=name),
            handler(row["key"], -1),
            "move-up",
            disabled=row["first"].to(bool),
        ),
        _icon_button(
            "arrow-down",
            tr("Move {name} down", name=name),
            handler(row["key"], 1),
            "move-down",
            disabled=row["last"].to(bool),
        ),
    ]


def _retire_or_restore(row, ask, restore, name) -> rx.Component:
    return rx.cond(
        row["active"],
        _icon_button("archive", tr("Retire {name}", name=name), ask, "retire", color_scheme="red"),
        rx.button(tr("Bring back"), size="1", variant="soft", on_click=restore, class_name="restore"),
    )


def _notice() -> rx.Component:
    return form_callout(S.notice)


# ---- statuses ---------------------------------------------------------------------------------------------


def _status_name(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.badge(
                rx.box(width="6px", height="6px", border_radius="50%", background="currentColor"),
                row["name"],
                color_scheme=rx.match(row["category"], *STATUS_COLORS.items(), "gray"),
                variant="soft",
                radius="full",
                class_name="status-name",
            ),
            _retired(row),
            spacing="2",
            align="center",
        ),
        _key(row),
        direction="column",
        gap="2px",
        min_width="0",
    )


def _status_actions(row) -> rx.Component:
    return rx.flex(
        *_moves(row, S.move_status, row["name"]),
        _icon_button(
            "pencil",
            tr("Rename {name}", name=row["name"]),
            S.open_rename("status", row["key"]),  # type: ignore[operator]
            "rename",
        ),
        _retire_or_restore(
            row,
            S.ask_retire_status(row["key"]),  # type: ignore[operator]
            S.restore_status(row["key"]),  # type: ignore[operator]
            row["name"],
        ),
        spacing="2",
        justify="end",
    )


STATUS_COLUMNS = [
    Column(tr("Status"), _status_name, cell_props={"max_width": "0"}),
    Column(tr("Kind"), lambda row: rx.text(row["category_text"], size="2"), width="140px"),
    Column(tr("Tickets"), lambda row: rx.text(row["tickets_text"], size="2", color_scheme="gray"), width="120px"),
    Column("", _status_actions, width="170px"),
]


def _status_card(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.box(_status_name(row), flex="1", min_width="0"), rx.text(row["category_text"], size="1"), spacing="3"
        ),
        rx.flex(
            rx.text(row["tickets_text"], size="1", color_scheme="gray"),
            rx.spacer(),
            _status_actions(row),
            align="center",
        ),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="status-card",
    )


def _add_status() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.flex(
                rx.input(
                    name="name",
                    id="new-status-name",
                    placeholder=tr("New status, e.g. Waiting on supplier"),
                    aria_label=tr("New status name"),
                    max_length=80,
                ),
                field_error(S.status_errors.get("name", "")),
                direction="column",
                gap="4px",
                flex="1 1 220px",
            ),
            rx.select.root(
                rx.select.trigger(aria_label=tr("What kind of status"), min_width="150px", class_name="new-category"),
                rx.select.content(
                    rx.foreach(S.category_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                ),
                value=S.new_category,
                on_change=S.set_new_category,
            ),
            rx.button(rx.icon("plus", size=14), tr("Add status"), type="submit", class_name="add-status"),
            gap="8px",
            wrap="wrap",
            align="start",
        ),
        form_callout(S.status_error),
        on_submit=S.add_status,
        reset_on_submit=False,
    )


def _statuses() -> rx.Component:
    return rx.flex(
        rx.text(
            tr(
                "The kind decides what a status means to rules, SLAs and reports. A status is never deleted: "
                "retire it once no ticket is in it."
            ),
            size="2",
            color_scheme="gray",
        ),
        _add_status(),
        _notice(),
        responsive_list(S.statuses, columns=STATUS_COLUMNS, card=_status_card, row_class="status-row"),
        direction="column",
        spacing="3",
    )


# ---- priorities -------------------------------------------------------------------------------------------


def _priority_name(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(row["name"], size="2", weight="medium", class_name="priority-name"),
            rx.cond(row["default"], rx.badge(tr("Default"), size="1", color_scheme="indigo", variant="soft")),
            _retired(row),
            spacing="2",
            align="center",
        ),
        _key(row),
        direction="column",
        gap="2px",
        min_width="0",
    )


def _priority_actions(row) -> rx.Component:
    return rx.flex(
        rx.cond(
            row["active"] & ~row["default"].to(bool),
            rx.button(
                tr("Make default"),
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=S.make_default(row["key"]),  # type: ignore[operator]
                class_name="make-default",
            ),
        ),
        *_moves(row, S.move_priority, row["name"]),
        _icon_button(
            "pencil",
            tr("Rename {name}", name=row["name"]),
            S.open_rename("priority", row["key"]),  # type: ignore[operator]
            "rename",
        ),
        _retire_or_restore(
            row,
            S.ask_retire_priority(row["key"]),  # type: ignore[operator]
            S.restore_priority(row["key"]),  # type: ignore[operator]
            row["name"],
        ),
        spacing="2",
        justify="end",
        align="center",
    )


PRIORITY_COLUMNS = [
    Column(tr("Priority"), _priority_name, cell_props={"max_width": "0"}),
    Column(tr("Tickets"), lambda row: rx.text(row["tickets_text"], size="2", color_scheme="gray"), width="120px"),
    Column("", _priority_actions, width="270px"),
]


def _priority_card(row) -> rx.Component:
    return rx.flex(
        _priority_name(row),
        rx.flex(
            rx.text(row["tickets_text"], size="1", color_scheme="gray"),
            rx.spacer(),
            _priority_actions(row),
            align="center",
            wrap="wrap",
            gap="8px",
        ),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="priority-card",
    )


def _priorities() -> rx.Component:
    return rx.flex(
        rx.text(
            tr("Least urgent first. New tickets get the default one unless a rule or an agent says otherwise."),
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.flex(
                rx.flex(
                    rx.input(
                        name="name",
                        id="new-priority-name",
                        placeholder=tr("New priority, e.g. Critical"),
                        aria_label=tr("New priority name"),
                        max_length=80,
                    ),
                    field_error(S.priority_errors.get("name", "")),
                    direction="column",
                    gap="4px",
                    flex="1 1 220px",
                ),
                rx.button(rx.icon("plus", size=14), tr("Add priority"), type="submit", class_name="add-priority"),
                gap="8px",
                wrap="wrap",
                align="start",
            ),
            form_callout(S.priority_error),
            on_submit=S.add_priority,
            reset_on_submit=False,
        ),
        _notice(),
        responsive_list(S.priorities, columns=PRIORITY_COLUMNS, card=_priority_card, row_class="priority-row"),
        direction="column",
        spacing="3",
    )


# ---- custom fields ----------------------------------------------------------------------------------------


def _flag(on, label) -> rx.Component:
    return rx.cond(on, rx.badge(label, size="1", variant="soft", color_scheme="gray"))


def _field_name(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(row["label"], size="2", weight="medium", class_name="field-label"),
            _retired(row),
            spacing="2",
            align="center",
        ),
        _key(row),
        direction="column",
        gap="2px",
        min_width="0",
    )


def _field_type(row) -> rx.Component:
    return rx.flex(
        rx.text(row["type_text"], size="2"),
        rx.cond(
            row["options_text"],
            _ellipsis(row["options_text"], size="1", color_scheme="gray", title=row["options_text"]),
        ),
        direction="column",
        min_width="0",
    )


def _field_flags(row) -> rx.Component:
    return rx.flex(
        _flag(row["required"], tr("Required")),
        rx.cond(
            row["visible"],
            rx.badge(rx.icon("eye", size=11), tr("Customers see it"), size="1", variant="soft", color_scheme="grass"),
            rx.badge(rx.icon("eye-off", size=11), tr("Staff only"), size="1", variant="soft", color_scheme="gray"),
        ),
        gap="6px",
        wrap="wrap",
    )


def _field_actions(row) -> rx.Component:
    return rx.flex(
        *_moves(row, S.move_field, row["label"]),
        _icon_button(
            "pencil",
            tr("Edit {name}", name=row["label"]),
            S.open_edit_field(row["id"]),  # type: ignore[operator]
            "edit-field",
        ),
        _retire_or_restore(
            row,
            S.ask_retire_field(row["id"]),  # type: ignore[operator]
            S.restore_field(row["id"]),  # type: ignore[operator]
            row["label"],
        ),
        spacing="2",
        justify="end",
    )


FIELD_COLUMNS = [
    Column(tr("Field"), _field_name, cell_props={"max_width": "0"}),
    Column(tr("Type"), _field_type, width="200px", cell_props={"max_width": "0"}),
    Column(tr("Shown"), _field_flags, width="220px"),
    Column("", _field_actions, width="170px"),
]


def _field_card(row) -> rx.Component:
    return rx.flex(
        rx.flex(rx.box(_field_name(row), flex="1", min_width="0"), _field_type(row), spacing="3"),
        _field_flags(row),
        rx.flex(rx.spacer(), _field_actions(row)),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="field-card",
    )


def _switch(label, checked, on_change, class_name: str) -> rx.Component:
    return rx.el.label(
        rx.flex(
            rx.switch(checked=checked, on_change=on_change, class_name=class_name),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
        cursor="pointer",
    )


def _field_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing, tr("Edit custom field"), tr("New custom field"))),
            rx.dialog.description(
                tr("Agents fill it in on the ticket page; rules and views can test it."),
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.form(
                rx.flex(
                    form_callout(S.field_error),
                    field(
                        tr("Label"),
                        rx.input(name="label", id="field-label", default_value=S.field_label, max_length=120),
                        error=S.field_errors.get("label", S.field_errors.get("key", "")),
                        html_for="field-label",
                    ),
                    field(
                        tr("Type"),
                        rx.select.root(
                            rx.select.trigger(width="100%", aria_label=tr("Type"), class_name="field-type"),
                            rx.select.content(
                                rx.foreach(S.type_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                            ),
                            value=S.field_type,
                            on_change=S.set_field_type,
                            disabled=S.editing,
                        ),
                        error=S.field_errors.get("field_type", ""),
                        hint=tr("A field's type cannot change once it is made."),
                    ),
                    rx.cond(
                        S.field_has_options,
                        field(
                            tr("Options"),
                            rx.text_area(
                                name="options",
                                id="field-options",
                                default_value=S.field_options,
                                placeholder=tr("One option per line"),
                                rows="4",
                            ),
                            error=S.field_errors.get("options", ""),
                            hint=tr("One per line. Values tickets already have stay as they are."),
                            html_for="field-options",
                        ),
                    ),
                    _switch(
                        tr("Required when an agent opens a ticket"),
                        S.field_required,
                        S.set_field_required,
                        "field-required",
                    ),
                    _switch(
                        tr("Customers see it on their request (read-only)"),
                        S.field_visible,
                        S.set_field_visible,
                        "field-visible",
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(
                            rx.cond(S.editing, tr("Save"), tr("Add field")), type="submit", class_name="field-submit"
                        ),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="4",
                ),
                on_submit=S.save_field,
                reset_on_submit=False,
            ),
            max_width="480px",
            class_name="field-dialog",
        ),
        open=S.field_open,
        on_open_change=S.set_field_open,
    )


def _fields() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(
                tr("Extra facts on every ticket. Staff only unless you let customers see a field."),
                size="2",
                color_scheme="gray",
                flex="1 1 280px",
            ),
            rx.button(rx.icon("plus", size=14), tr("Add field"), on_click=S.open_add_field, class_name="add-field"),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
        _notice(),
        rx.cond(
            S.has_fields,
            responsive_list(S.fields, columns=FIELD_COLUMNS, card=_field_card, row_class="field-row"),
            panel(
                empty_state(
                    "list-plus",
                    tr("No custom fields yet"),
                    tr("Add one for an order number, a plan or anything agents should record."),
                ),
                dashed=True,
            ),
        ),
        _field_dialog(),
        direction="column",
        spacing="3",
    )


# ---- tags -------------------------------------------------------------------------------------------------


def _tag_pick(row) -> rx.Component:
    return rx.checkbox(
        checked=S.tag_picked[row["tag"].to(str)],
        on_change=lambda checked: S.pick_tag(row["tag"], checked),  # type: ignore[operator]
        aria_label=tr("Pick {name} to merge", name=row["tag"]),
        class_name="pick-tag",
    )


def _tag_name(row) -> rx.Component:
    return rx.badge(row["tag"], variant="surface", color_scheme="gray", font_family=MONO, class_name="tag-name")


def _tag_rename(row) -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("pencil", size=12),
            tr("Rename"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.open_rename_tag(row["tag"]),  # type: ignore[operator]
            class_name="rename-tag",
        ),
        justify="end",
    )


TAG_COLUMNS = [
    Column("", _tag_pick, width="44px"),
    Column(tr("Tag"), _tag_name, cell_props={"max_width": "0"}),
    Column(tr("Tickets"), lambda row: rx.text(row["tickets_text"], size="2", color_scheme="gray"), width="120px"),
    Column("", _tag_rename, width="120px"),
]


def _tag_card(row) -> rx.Component:
    return rx.flex(
        _tag_pick(row),
        rx.flex(
            _tag_name(row), rx.text(row["tickets_text"], size="1", color_scheme="gray"), direction="column", gap="4px"
        ),
        rx.spacer(),
        _tag_rename(row),
        align="center",
        spacing="3",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="tag-card",
    )


def _tag_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.merging, tr("Merge tags"), tr("Rename tag"))),
            rx.dialog.description(
                rx.flex(
                    rx.text(S.tag_sources_text, font_family=MONO, size="2", weight="medium"),
                    rx.text(S.tag_tickets_text, size="2", color_scheme="gray"),
                    direction="column",
                    gap="4px",
                ),
                margin_bottom="16px",
            ),
            rx.form(
                rx.flex(
                    form_callout(S.tag_error),
                    field(
                        tr("New name"),
                        rx.input(name="into", id="tag-into", default_value=S.tag_into, max_length=50),
                        error=S.tag_errors.get("into", S.tag_errors.get("tags", "")),
                        hint=tr("An existing tag's name merges them into it."),
                        html_for="tag-into",
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(
                            rx.cond(S.merging, tr("Merge tags"), tr("Rename tag")),
                            type="submit",
                            color_scheme="red",
                            class_name="tag-submit",
                        ),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="4",
                ),
                on_submit=S.save_tags,
                reset_on_submit=False,
            ),
            max_width="460px",
            class_name="tag-dialog",
        ),
        open=S.tag_open,
        on_open_change=S.set_tag_open,
    )


def _tags() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.form(
                rx.input(
                    rx.input.slot(rx.icon("search", size=15)),
                    name="q",
                    type="search",
                    placeholder=tr("Find a tag…"),
                    aria_label=tr("Find a tag"),
                    id="tag-search",
                ),
                on_submit=S.search_tags,
                reset_on_submit=False,
                flex="1 1 220px",
            ),
            rx.button(
                rx.icon("merge", size=14),
                tr("Merge selected"),
                disabled=~S.can_merge,
                on_click=S.open_merge,
                variant="soft",
                class_name="merge-tags",
            ),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            S.has_tags,
            responsive_list(S.tag_rows, columns=TAG_COLUMNS, card=_tag_card, row_class="tag-row"),
            panel(
                empty_state("tags", tr("No tags found"), tr("Tags appear here once tickets carry them.")),
                dashed=True,
            ),
        ),
        _tag_dialog(),
        direction="column",
        spacing="3",
    )


# ---- the page ---------------------------------------------------------------------------------------------


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.rename_kind == "status", tr("Rename status"), tr("Rename priority"))),
            rx.form(
                rx.flex(
                    form_callout(S.rename_error),
                    field(
                        tr("Name"),
                        rx.input(name="name", id="rename-name", default_value=S.rename_name, max_length=80),
                        error=S.rename_errors.get("name", ""),
                        hint=tr("Its key stays {key}: rules, views and the API keep working.", key=S.rename_key),
                        html_for="rename-name",
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Save"), type="submit", class_name="rename-submit"),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="4",
                    margin_top="12px",
                ),
                on_submit=S.save_rename,
                reset_on_submit=False,
            ),
            max_width="420px",
            class_name="rename-dialog",
        ),
        open=S.renaming,
        on_open_change=S.set_rename_open,
    )


def _confirm() -> rx.Component:
    return confirm_dialog(
        S,
        description=S.pending["text"].to(str),
        confirm_label=S.pending["confirm"].to(str),
        on_confirm=S.confirm_retire,
        class_name="confirm-retire",
    )


@page(route=routes.ADMIN_SETTINGS, title=N_("Desk settings · AutoCRM"), on_load=AdminSettingsState.load)
def admin_settings() -> rx.Component:
    return agent_shell(
        rx.cond(
            ~S.loaded,
            skeleton_rows(8),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger(tr("Statuses"), value="statuses", class_name="statuses-tab"),
                    rx.tabs.trigger(tr("Priorities"), value="priorities", class_name="priorities-tab"),
                    rx.tabs.trigger(tr("Custom fields"), value="fields", class_name="fields-tab"),
                    rx.tabs.trigger(tr("Tags"), value="tags", class_name="tags-tab"),
                    overflow_x="auto",
                ),
                rx.tabs.content(_statuses(), value="statuses", padding_top="12px"),
                rx.tabs.content(_priorities(), value="priorities", padding_top="12px"),
                rx.tabs.content(_fields(), value="fields", padding_top="12px"),
                rx.tabs.content(_tags(), value="tags", padding_top="12px"),
                value=S.tab,
                on_change=S.set_tab,
            ),
        ),
        _rename_dialog(),
        _confirm(),
        title=tr("Desk settings"),
    )
