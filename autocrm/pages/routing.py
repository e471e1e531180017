"""Admin: routing rules. The ordered rules (drag, or move up/down, to reorder; a switch each; edit; delete after a
confirmation), the rule editor in a dialog, and "Test a ticket" beside the list (below it on a phone)."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.confirm import confirm_dialog
from autocrm.components.drag import drag_block
from autocrm.components.forms import empty_state, field, field_error, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.models.enums import CHANNEL_LABELS
from autocrm.pages.registry import page
from autocrm.state.routing import NONE, AdminRoutingState

S = AdminRoutingState


def _options(options, *, none_label: str | None = None) -> rx.Component:
    items = [rx.select.item(tr(none_label), value=NONE)] if none_label else []
    return rx.select.content(
        *items, rx.foreach(options, lambda option: rx.select.item(option["label"], value=option["value"]))
    )


def _picker(label: str, which: str, value, options, *, error=None) -> rx.Component:
    ident = f"rule-{which}"
    return field(
        tr(label),
        rx.select.root(
            rx.select.trigger(id=ident, width="100%", class_name=ident),
            _options(options, none_label=N_("No change")),
            value=value,
            on_change=lambda v: S.set_ed_pick(which, v),  # type: ignore[operator]
        ),
        error=error,
        html_for=ident,
    )


# ---- the list --------------------------------------------------------------------------------------------


def _rule_controls(rule) -> rx.Component:
    return rx.flex(
        rx.tooltip(
            rx.switch(
                checked=rule["enabled"].to(bool),
                on_change=lambda on: S.set_enabled(rule["id"], on),  # type: ignore[operator]
                aria_label=tr("Rule on"),
                class_name="rule-enabled",
            ),
            content=rx.cond(rule["enabled"].to(bool), tr("On: acts on tickets"), tr("Off: acts on nothing")),
        ),
        rx.icon_button(
            rx.icon("arrow-up", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            disabled=rule["first"].to(bool),
            on_click=S.move(rule["id"], -1),  # type: ignore[operator]
            aria_label=tr("Move {name} up", name=rule["name"]),
            class_name="rule-up",
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            disabled=rule["last"].to(bool),
            on_click=S.move(rule["id"], 1),  # type: ignore[operator]
            aria_label=tr("Move {name} down", name=rule["name"]),
            class_name="rule-down",
        ),
        rx.icon_button(
            rx.icon("pencil", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=S.open_edit(rule["id"]),  # type: ignore[operator]
            aria_label=tr("Edit {name}", name=rule["name"]),
            class_name="rule-edit",
        ),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=S.ask_delete(rule["id"]),  # type: ignore[operator]
            aria_label=tr("Delete {name}", name=rule["name"]),
            class_name="rule-delete",
        ),
        align="center",
        gap="10px",
        flex_shrink="0",
    )


def _sentence(label: str, text) -> rx.Component:
    return rx.flex(
        rx.text(tr(label), size="1", weight="bold", color_scheme="gray", min_width="44px", padding_top="2px"),
        rx.text(text, size="2", flex="1", min_width="0", overflow_wrap="anywhere"),
        gap="8px",
        align="start",
    )


def _rule(rule) -> rx.Component:
    dragging = S.dragging_id == rule["id"].to(int)
    target = (S.drag_over_id == rule["id"].to(int)) & (S.dragging_id > 0) & ~dragging
    return drag_block(
        rx.flex(
            rx.flex(
                rx.tooltip(
                    rx.icon("grip-vertical", size=16, color="var(--gray-9)", cursor="grab", flex_shrink="0"),
                    content=tr("Drag to reorder"),
                ),
                rx.text(rule["number"], size="1", color_scheme="gray", class_name="rule-number", min_width="16px"),
                rx.text(
                    rule["name"],
                    size="2",
                    weight="bold",
                    class_name="rule-name",
                    overflow_wrap="anywhere",
                    min_width="0",
                ),
                rx.cond(~rule["enabled"].to(bool), rx.badge(tr("Off"), color_scheme="gray", variant="soft", size="1")),
                rx.cond(
                    rule["on_updates"].to(bool),
                    rx.badge(tr("Also on changes"), color_scheme="iris", variant="soft", size="1"),
                ),
                rx.cond(
                    rule["continue_after"].to(bool),
                    rx.badge(tr("Later rules go on"), color_scheme="iris", variant="soft", size="1"),
                ),
                align="center",
                gap="8px",
                wrap="wrap",
                flex="1 1 220px",
                min_width="0",
            ),
            _rule_controls(rule),
            align="center",
            justify="between",
            gap="8px",
            wrap="wrap",
        ),
        rx.flex(
            _sentence(N_("When"), rule["when"]),
            _sentence(N_("Then"), rule["then"]),
            direction="column",
            gap="4px",
            padding_left="48px",
            class_name="rule-sentences",
        ),
        on_start=S.start_drag(rule["id"]),  # type: ignore[operator]
        on_enter=S.drag_enter(rule["id"]),  # type: ignore[operator]
        on_drop=S.drop_on(rule["id"]),  # type: ignore[operator]
        on_end=S.end_drag,
        display="flex",
        flex_direction="column",
        gap="6px",
        padding="12px 14px",
        border_bottom="1px solid var(--gray-4)",
        border_top=rx.cond(target, "2px solid var(--accent-9)", "2px solid transparent"),
        opacity=rx.cond(dragging, "0.5", rx.cond(rule["enabled"].to(bool), "1", "0.75")),
        background=rx.cond(target, "var(--accent-2)", "transparent"),
        class_name="rule-row",
        custom_attrs={"data-rule-id": rule["id"].to(str)},
    )


def _rules() -> rx.Component:
    return rx.cond(
        ~S.loaded,
        skeleton_rows(4, height="72px"),
        rx.cond(
            S.has_rules,
            panel(rx.foreach(S.rows, _rule), class_name="rule-list"),
            panel(
                empty_state(
                    "route",
                    tr("No routing rules yet"),
                    tr(
                        "A rule sends new tickets that match its conditions to a team or an agent, and can set "
                        "their priority, tags, SLA policy and the skills they need."
                    ),
                    rx.button(rx.icon("plus", size=14), tr("New rule"), on_click=S.open_new),
                ),
                dashed=True,
            ),
        ),
    )


# ---- the editor ----------------------------------------------------------------------------------------------


def _value_control(row) -> rx.Component:
    index = row["index"].to(int)
    text_input = rx.input(
        value=row["value"].to(str),
        on_change=lambda v: S.set_row(index, "value", v),  # type: ignore[operator]
        placeholder=rx.cond(row["kind"] == "list", tr("Values, separated by commas"), tr("Value")),
        aria_label=tr("Value"),
        width="100%",
        class_name="condition-value",
    )
    select = rx.select.root(
        rx.select.trigger(placeholder=tr("Choose…"), width="100%", class_name="condition-value-select"),
        rx.select.content(
            rx.foreach(
                row["choices"].to(list[dict[str, str]]),
                lambda c: rx.select.item(c["label"], value=c["value"]),
            )
        ),
        value=row["select_value"].to(str),
        on_change=lambda v: S.set_row(index, "value", v),  # type: ignore[operator]
    )
    multi = rx.flex(
        rx.foreach(
            row["choices"].to(list[dict]),
            lambda c: rx.button(
                rx.cond(c["on"].to(bool), rx.icon("check", size=12), rx.fragment()),
                c["label"].to(str),
                size="1",
                type="button",
                variant=rx.cond(c["on"].to(bool), "solid", "outline"),
                color_scheme=rx.cond(c["on"].to(bool), "indigo", "gray"),
                on_click=S.toggle_choice(index, c["value"].to(str)),  # type: ignore[operator]
                custom_attrs={"aria-pressed": rx.cond(c["on"].to(bool), "true", "false")},
                class_name="condition-choice",
            ),
        ),
        gap="4px",
        wrap="wrap",
    )
    return rx.match(
        row["kind"].to(str),
        ("none", rx.fragment()),
        ("select", select),
        ("multi", multi),
        text_input,
    )


def _condition_row(row) -> rx.Component:
    index = row["index"].to(int)
    return rx.flex(
        rx.grid(
            rx.select.root(
                rx.select.trigger(aria_label=tr("Field"), width="100%", class_name="condition-field"),
                _options(S.field_options),
                value=row["field"].to(str),
                on_change=lambda v: S.set_row(index, "field", v),  # type: ignore[operator]
            ),
            rx.select.root(
                rx.select.trigger(aria_label=tr("Test"), width="100%", class_name="condition-op"),
                _options(row["ops"].to(list[dict[str, str]])),
                value=row["op"].to(str),
                on_change=lambda v: S.set_row(index, "op", v),  # type: ignore[operator]
            ),
            rx.box(_value_control(row), min_width="0"),
            columns=rx.breakpoints(initial="1", sm="3"),
            gap="6px",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            row["triage"].to(bool),
            rx.tooltip(
                rx.input(
                    value=row["confidence"].to(str),
                    on_change=lambda v: S.set_row(index, "confidence", v),  # type: ignore[operator]
                    type="number",
                    min="0",
                    max="1",
                    step="0.05",
                    width="76px",
                    aria_label=tr("Minimum confidence, 0 to 1"),
                    class_name="condition-confidence",
                ),
                content=tr("Only when triage is at least this sure (0 to 1)"),
            ),
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            size="2",
            variant="ghost",
            color_scheme="gray",
            type="button",
            on_click=S.remove_row(index),  # type: ignore[operator]
            aria_label=tr("Remove this condition"),
            class_name="condition-remove",
        ),
        align="start",
        gap="6px",
        class_name="condition-row",
    )


def _conditions() -> rx.Component:
    return rx.cond(
        S.ed_rows_editable,
        rx.flex(
            rx.flex(
                rx.text(tr("When a ticket matches"), size="2", weight="medium"),
                rx.select.root(
                    rx.select.trigger(aria_label=tr("Match"), class_name="rule-match"),
                    rx.select.content(
                        rx.select.item(tr("all of these"), value="all"),
                        rx.select.item(tr("any of these"), value="any"),
                    ),
                    value=S.ed_match,
                    on_change=S.set_ed_match,
                    size="1",
                ),
                align="center",
                gap="8px",
                wrap="wrap",
            ),
            rx.foreach(
                S.editor_rows,
                lambda row: rx.flex(
                    _condition_row(row), field_error(row["error"].to(str)), direction="column", gap="4px"
                ),
            ),
            rx.button(
                rx.icon("plus", size=14),
                tr("Add condition"),
                size="1",
                variant="soft",
                color_scheme="gray",
                type="button",
                on_click=S.add_row,
                class_name="condition-add",
                align_self="start",
            ),
            field_error(S.editor_errors.get("conditions", "")),
            direction="column",
            gap="8px",
        ),
        rx.callout(
            tr(
                "Its conditions were written through the API and are kept as they are: {conditions}",
                conditions=S.ed_fixed_conditions,
            ),
            icon="info",
            size="1",
            color_scheme="gray",
        ),
    )


def _skill_row(skill, index) -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(aria_label=tr("Skill"), flex="1", class_name="skill-pick"),
            _options(S.skill_options),
            value=skill["skill_id"],
            on_change=lambda v: S.set_skill(index, "skill_id", v),  # type: ignore[operator]
        ),
        rx.select.root(
            rx.select.trigger(aria_label=tr("Level"), class_name="skill-level"),
            rx.select.content(*[rx.select.item(tr("Level {level}", level=str(n)), value=str(n)) for n in range(1, 6)]),
            value=skill["level"],
            on_change=lambda v: S.set_skill(index, "level", v),  # type: ignore[operator]
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            variant="ghost",
            color_scheme="gray",
            type="button",
            on_click=S.remove_skill(index),  # type: ignore[operator]
            aria_label=tr("Remove this skill"),
        ),
        gap="6px",
        align="center",
    )


def _actions() -> rx.Component:
    errors = S.editor_errors
    return rx.flex(
        rx.text(tr("Then"), size="2", weight="medium"),
        rx.grid(
            _picker(N_("Send to team"), "team", S.ed_team, S.team_options, error=errors.get("team_id", "")),
            _picker(
                N_("Assign to"),
                "assignee",
                S.ed_assignee,
                S.assignee_options,
                error=errors.get("actions.assignee_id", ""),
            ),
            _picker(
                N_("Set priority"), "priority", S.ed_priority, S.priority_options, error=errors.get("priority", "")
            ),
            _picker(
                N_("SLA policy"), "policy", S.ed_policy, S.policy_options, error=errors.get("actions.sla_policy_id", "")
            ),
            field(
                tr("Add tags"),
                rx.input(
                    id="rule-add-tags",
                    value=S.ed_add_tags,
                    on_change=lambda v: S.set_ed_text("add_tags", v),  # type: ignore[operator]
                    placeholder=tr("vip, billing"),
                ),
                html_for="rule-add-tags",
            ),
            field(
                tr("Remove tags"),
                rx.input(
                    id="rule-remove-tags",
                    value=S.ed_remove_tags,
                    on_change=lambda v: S.set_ed_text("remove_tags", v),  # type: ignore[operator]
                ),
                html_for="rule-remove-tags",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            gap="10px",
        ),
        field(
            tr("Skills the assignee needs"),
            rx.flex(
                rx.foreach(S.ed_skills, _skill_row),
                rx.cond(
                    S.has_skills,
                    rx.button(
                        rx.icon("plus", size=14),
                        tr("Add skill"),
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        type="button",
                        on_click=S.add_skill,
                        align_self="start",
                        class_name="skill-add",
                    ),
                    rx.text(tr("The desk has no skills yet."), size="1", color_scheme="gray"),
                ),
                direction="column",
                gap="6px",
            ),
            error=errors.get("actions.required_skills", ""),
        ),
        field_error(errors.get("actions", "")),
        direction="column",
        gap="10px",
    )


def _check(label: str, which: str, value) -> rx.Component:
    return rx.el.label(
        rx.flex(
            rx.checkbox(checked=value, on_change=lambda on: S.set_ed_flag(which, on)),  # type: ignore[operator]
            rx.text(tr(label), size="2"),
            align="center",
            gap="6px",
        ),
        class_name=f"rule-{which}",
    )


def _editor() -> rx.Component:
    errors = S.editor_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id > 0, tr("Edit rule"), tr("New rule"))),
            rx.dialog.description(
                tr("Rules are tried from the top; the first that matches a new ticket acts."),
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.flex(
                form_callout(S.editor_error),
                rx.flex(
                    rx.box(
                        field(
                            tr("Name"),
                            rx.input(
                                id="rule-name",
                                value=S.ed_name,
                                on_change=S.set_ed_name,
                                max_length=120,
                                placeholder=tr("Card problems to the Cards team"),
                            ),
                            error=errors.get("name", ""),
                            html_for="rule-name",
                        ),
                        flex="1",
                    ),
                    rx.el.label(
                        rx.flex(
                            rx.switch(checked=S.ed_enabled, on_change=S.set_ed_enabled, class_name="rule-on"),
                            rx.text(tr("On"), size="2"),
                            align="center",
                            gap="6px",
                        ),
                        padding_top="28px",
                    ),
                    gap="12px",
                    align="start",
                ),
                rx.separator(size="4"),
                _conditions(),
                rx.separator(size="4"),
                _actions(),
                rx.separator(size="4"),
                rx.flex(
                    _check(N_("Also when a ticket changes"), "on_updates", S.ed_on_updates),
                    _check(N_("Let later rules act too"), "continue", S.ed_continue),
                    gap="16px",
                    wrap="wrap",
                ),
                rx.flex(
                    rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                    rx.button(tr("Save rule"), on_click=S.save, class_name="rule-save"),
                    spacing="3",
                    justify="end",
                    # Kept in sight while a long rule scrolls the dialog.
                    # Over the dialog's bottom padding too, so nothing scrolls by beneath the buttons.
                    position="sticky",
                    bottom="calc(-1 * var(--dialog-content-padding))",
                    padding="12px 0 var(--dialog-content-padding)",
                    margin_bottom="calc(-1 * var(--dialog-content-padding))",
                    background="var(--color-panel-solid)",
                    border_top="1px solid var(--gray-4)",
                ),
                direction="column",
                gap="14px",
            ),
            max_width="760px",
            width="calc(100vw - 24px)",
            max_height="calc(100dvh - 32px)",
            overflow_y="auto",
            class_name="rule-editor",
        ),
        open=S.editor_open,
        on_open_change=S.set_editor_open,
    )


# ---- test a ticket ------------------------------------------------------------------------------------------------


def _trial_input(label: str, which: str, value, *, placeholder: str = "") -> rx.Component:
    ident = f"trial-{which}"
    return field(
        tr(label),
        rx.input(
            id=ident,
            value=value,
            on_change=lambda v: S.set_trial(which, v),  # type: ignore[operator]
            **({"placeholder": tr(placeholder)} if placeholder else {}),
        ),
        html_for=ident,
    )


def _trial_custom(spec) -> rx.Component:
    key = spec["key"].to(str)
    return field(
        spec["label"].to(str),
        rx.cond(
            spec["choices"].to(list).length() > 0,
            rx.select.root(
                rx.select.trigger(width="100%", aria_label=spec["label"].to(str)),
                _options(spec["choices"].to(list[dict[str, str]]), none_label=N_("Not set")),
                value=spec["select_value"].to(str),
                on_change=lambda v: S.set_trial_custom(key, v),  # type: ignore[operator]
            ),
            rx.input(
                value=spec["value"].to(str),
                on_change=lambda v: S.set_trial_custom(key, v),  # type: ignore[operator]
                aria_label=spec["label"].to(str),
            ),
        ),
    )


def _trial_result() -> rx.Component:
    result = S.trial
    return rx.cond(
        S.has_trial,
        rx.cond(
            result["matched"].to(bool),
            rx.flex(
                rx.flex(
                    rx.icon("circle-check", size=16, color="var(--grass-11)"),
                    rx.text(tr("Matches “{rule}”", rule=result["rule"].to(str)), size="2", weight="bold"),
                    align="center",
                    gap="6px",
                ),
                rx.cond(
                    result["also"].to(str) != "",
                    rx.text(tr("Later rules that go on too: {rules}", rules=result["also"].to(str)), size="1"),
                ),
                rx.cond(
                    result["lines"].to(list).length() > 0,
                    rx.grid(
                        rx.foreach(
                            result["lines"].to(list[dict[str, str]]),
                            lambda line: rx.fragment(
                                rx.text(line["label"], size="1", color_scheme="gray"),
                                rx.text(line["value"], size="2", weight="medium", overflow_wrap="anywhere"),
                            ),
                        ),
                        columns="auto 1fr",
                        gap="4px 12px",
                        align_items="baseline",
                    ),
                ),
                direction="column",
                gap="8px",
                padding="12px",
                border_radius="var(--radius-3)",
                background="var(--grass-2)",
                border="1px solid var(--grass-6)",
                class_name="trial-result trial-matched",
            ),
            rx.flex(
                rx.icon("circle-minus", size=16, color="var(--gray-10)"),
                rx.text(tr("No rule matches: the ticket would arrive as it is."), size="2"),
                align="center",
                gap="6px",
                padding="12px",
                border_radius="var(--radius-3)",
                background="var(--gray-2)",
                border="1px solid var(--gray-5)",
                class_name="trial-result trial-none",
            ),
        ),
    )


def _trial_triage() -> rx.Component:
    return rx.cond(
        S.trial["triage"].to(str) != "",
        rx.flex(
            rx.icon("sparkles", size=14, color="var(--gray-10)", flex_shrink="0"),
            rx.text(S.trial["triage"].to(str), size="1", color_scheme="gray"),
            gap="6px",
            align="center",
            class_name="trial-triage",
        ),
    )


def _trial() -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.heading(tr("Test a ticket"), size="3"),
                rx.text(
                    tr("Which rule a ticket like this would meet, and what it would do. Nothing is saved."),
                    size="1",
                    color_scheme="gray",
                ),
                direction="column",
                gap="2px",
            ),
            _trial_input(N_("Subject"), "subject", S.tr_subject, placeholder=N_("My card was declined")),
            field(
                tr("Message"),
                rx.text_area(
                    id="trial-body",
                    value=S.tr_body,
                    on_change=lambda v: S.set_trial("body", v),  # type: ignore[operator]
                    rows="3",
                ),
                html_for="trial-body",
            ),
            rx.grid(
                field(
                    tr("Priority"),
                    rx.select.root(
                        rx.select.trigger(id="trial-priority", width="100%"),
                        _options(S.priority_options, none_label=N_("The desk's default")),
                        value=S.tr_priority,
                        on_change=lambda v: S.set_trial("priority", v),  # type: ignore[operator]
                    ),
                    html_for="trial-priority",
                ),
                field(
                    tr("Channel"),
                    rx.select.root(
                        rx.select.trigger(id="trial-channel", width="100%"),
                        rx.select.content(
                            *[rx.select.item(tr(label), value=key) for key, label in CHANNEL_LABELS.items()]
                        ),
                        value=S.tr_channel,
                        on_change=lambda v: S.set_trial("channel", v),  # type: ignore[operator]
                    ),
                    html_for="trial-channel",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="10px",
            ),
            rx.grid(
                _trial_input(N_("Tags"), "tags", S.tr_tags, placeholder=N_("vip, billing")),
                _trial_input(N_("Requester's e-mail"), "email", S.tr_email, placeholder=N_("name@example.com")),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="10px",
            ),
            rx.cond(
                S.has_organizations,
                field(
                    tr("Requester's organization"),
                    rx.select.root(
                        rx.select.trigger(id="trial-organization", width="100%"),
                        _options(S.organization_options, none_label=N_("None")),
                        value=S.tr_organization,
                        on_change=lambda v: S.set_trial("organization", v),  # type: ignore[operator]
                    ),
                    html_for="trial-organization",
                ),
            ),
            rx.cond(
                S.has_custom_fields,
                rx.flex(rx.foreach(S.trial_custom_rows, _trial_custom), direction="column", gap="10px"),
            ),
            form_callout(S.trial_error),
            rx.button(
                rx.icon("flask-conical", size=14),
                tr("Test"),
                on_click=S.run_trial,
                class_name="trial-run",
                align_self="start",
            ),
            _trial_result(),
            rx.cond(S.has_trial, _trial_triage()),
            direction="column",
            gap="10px",
        ),
        padding="14px 16px",
        class_name="trial-panel",
    )


def _confirm() -> rx.Component:
    return confirm_dialog(
        S,
        description=tr("New tickets will no longer meet this rule. Tickets it already routed keep what it set."),
        confirm_label=tr("Delete rule"),
        on_confirm=S.confirm_delete,
        class_name="confirm-delete-rule",
    )


@page(route=routes.ADMIN_ROUTING, title=N_("Routing · AutoCRM"), on_load=AdminRoutingState.load)
def admin_routing() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.text(
                    tr(
                        "Rules are tried from the top on every new ticket; the first that matches acts. Drag a "
                        "rule, or use its arrows, to change the order."
                    ),
                    size="2",
                    color_scheme="gray",
                    flex="1 1 320px",
                ),
                rx.button(rx.icon("plus", size=14), tr("New rule"), on_click=S.open_new, class_name="new-rule"),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.grid(
                rx.box(_rules(), min_width="0"),
                rx.box(_trial(), min_width="0"),
                columns=rx.breakpoints(initial="1", md="minmax(0, 3fr) minmax(300px, 2fr)"),
                gap="12px",
                align_items="start",
            ),
            _editor(),
            _confirm(),
            direction="column",
            spacing="3",
        ),
        title=tr("Routing"),
    )
