"""Team dashboards: a team's (or the whole desk's) figures beside the period before, created and solved per
bucket, each agent's figures with a link to their own stats, and the CSV download."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.confirm import confirm_dialog
from autocrm.components.forms import field, field_error, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.pages.stats import _card
from autocrm.state.dashboards import DashboardState

S: Any = DashboardState
CREATED_COLOR = "var(--gray-8)"
SOLVED_COLOR = "var(--accent-9)"


def _bar(height: Any, before: Any, color: str) -> rx.Component:
    """One bar, with the period before's value as a dashed outline behind it."""
    return rx.box(
        rx.box(
            position="absolute",
            bottom="0",
            left="0",
            right="0",
            height=before.to(str),
            border="1px dashed var(--gray-9)",
            border_bottom="none",
            border_radius="3px 3px 0 0",
        ),
        rx.box(
            position="absolute",
            bottom="0",
            left="1px",
            right="1px",
            height=height.to(str),
            background=color,
            border_radius="3px 3px 0 0",
        ),
        position="relative",
        flex="1",
        height="100%",
    )


def _bucket(point: Any) -> rx.Component:
    return rx.flex(
        _bar(point["created_height"], point["previous_created_height"], CREATED_COLOR),
        _bar(point["solved_height"], point["previous_solved_height"], SOLVED_COLOR),
        align="end",
        gap="1px",
        flex="1",
        min_width="4px",
        height="100%",
        custom_attrs={"title": point["title"]},
        class_name="flow-bucket",
    )


def _key(color: str, label: Any, dashed: bool = False) -> rx.Component:
    return rx.flex(
        rx.box(
            width="10px",
            height="10px",
            border_radius="2px",
            background="transparent" if dashed else color,
            border="1px dashed var(--gray-9)" if dashed else "none",
        ),
        rx.text(label, size="1", color_scheme="gray"),
        align="center",
        gap="6px",
    )


def _chart() -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.text(tr("Created and solved"), size="2", weight="medium"),
                rx.spacer(),
                rx.flex(
                    _key(CREATED_COLOR, tr("Created")),
                    _key(SOLVED_COLOR, tr("Solved")),
                    _key("", tr("Period before"), dashed=True),
                    gap="12px",
                    wrap="wrap",
                ),
                align="center",
                wrap="wrap",
                gap="8px",
            ),
            rx.flex(rx.foreach(S.chart, _bucket), align="end", gap="4px", height="180px", padding_top="8px"),
            rx.flex(
                rx.text(S.chart[0]["label"], size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text(S.chart[-1]["label"], size="1", color_scheme="gray"),
            ),
            direction="column",
            spacing="2",
        ),
        padding="16px",
        class_name="flow-chart",
    )


def _agent_row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row["name"], href=row["href"], weight="medium", class_name="agent-drilldown"),
        ),
        rx.table.cell(row["solved"], text_align="right"),
        rx.table.cell(row["first_response"], text_align="right"),
        rx.table.cell(row["resolution"], text_align="right"),
        rx.table.cell(
            rx.flex(
                rx.text(row["satisfaction"]),
                rx.text(row["ratings"], size="1", color_scheme="gray"),
                direction="column",
                align="end",
            ),
            text_align="right",
        ),
        class_name="agent-row",
    )


def _figure(label: str, value: Any) -> rx.Component:
    return rx.flex(
        rx.text(tr(label), size="1", color_scheme="gray"),
        rx.text(value, size="2"),
        direction="column",
    )


def _agent_card(row: Any) -> rx.Component:
    """An agent on a phone: the table's columns as a small grid under the name."""
    return rx.flex(
        rx.link(row["name"], href=row["href"], weight="medium", class_name="agent-drilldown-phone"),
        rx.grid(
            _figure("Solved", row["solved"]),
            _figure("First response", row["first_response"]),
            _figure("Resolution", row["resolution"]),
            _figure("Satisfaction", row["satisfaction"]),
            columns="2",
            gap="8px",
        ),
        direction="column",
        gap="6px",
        padding="10px 16px",
        border_top="1px solid var(--gray-4)",
        class_name="agent-card",
    )


def _agents() -> rx.Component:
    head = rx.table.header(
        rx.table.row(
            rx.table.column_header_cell(tr("Agent")),
            rx.table.column_header_cell(tr("Solved"), text_align="right"),
            rx.table.column_header_cell(tr("First response"), text_align="right"),
            rx.table.column_header_cell(tr("Resolution"), text_align="right"),
            rx.table.column_header_cell(tr("Satisfaction"), text_align="right"),
        )
    )
    return panel(
        rx.flex(
            rx.text(tr("Agents"), size="2", weight="medium"),
            rx.text(
                tr("Each agent's own tickets in the period (medians); open an agent for their figures over time."),
                size="1",
                color_scheme="gray",
            ),
            direction="column",
            spacing="1",
            padding="14px 16px 6px",
        ),
        rx.cond(
            S.agents.length() > 0,
            rx.fragment(
                rx.box(
                    rx.table.root(head, rx.table.body(rx.foreach(S.agents, _agent_row)), size="1", width="100%"),
                    overflow_x="auto",
                    display=rx.breakpoints(initial="none", sm="block"),
                ),
                rx.box(rx.foreach(S.agents, _agent_card), display=rx.breakpoints(initial="block", sm="none")),
            ),
            rx.text(tr("This team has no members yet."), size="2", color_scheme="gray", padding="8px 16px 16px"),
        ),
        padding="0",
        class_name="dashboard-agents",
    )


def _firing(alert: Any) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("bell-ring", size=16)),
        rx.callout.text(
            rx.text(alert["summary"], weight="medium", as_="span"),
            rx.text(" · ", as_="span", color_scheme="gray"),
            rx.text(tr("since {when}", when=alert["since"]), as_="span", size="1", color_scheme="gray"),
        ),
        color_scheme="amber",
        size="1",
        class_name="dashboard-alert",
        role="alert",
    )


def _rule_row(rule: Any) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(rule["what"], size="2", weight="medium"),
            rx.text(tr("Alert above {threshold}", threshold=rule["threshold"]), size="1", color_scheme="gray"),
            direction="column",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            rule["firing"],
            rx.badge(tr("Firing"), color_scheme="amber", variant="soft", radius="full"),
            rx.badge(tr("Quiet"), color_scheme="gray", variant="soft", radius="full"),
        ),
        rx.cond(
            S.can_manage_alerts,
            rx.fragment(
                rx.switch(
                    checked=rule["enabled"].to(bool),
                    on_change=lambda on: S.switch_alert(rule["id"], on),
                    aria_label=tr("Checked every minute"),
                    class_name="alert-switch",
                ),
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    on_click=S.ask_delete_alert(rule["id"]),
                    aria_label=tr("Delete the alert"),
                    class_name="alert-delete",
                ),
            ),
        ),
        align="center",
        gap="10px",
        padding="10px 16px",
        border_top="1px solid var(--gray-4)",
        class_name="alert-rule",
    )


def _add_alert() -> rx.Component:
    errors = S.alert_errors
    return rx.form(
        rx.flex(
            field(
                tr("Alert on"),
                rx.select.root(
                    rx.select.trigger(
                        id="alert-kind", aria_label=tr("Alert on"), class_name="alert-kind", min_width="300px"
                    ),
                    rx.select.content(
                        rx.foreach(S.alert_kind_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                    ),
                    value=S.alert_kind,
                    on_change=S.set_alert_kind,
                ),
                error=errors.get("kind", ""),
                html_for="alert-kind",
            ),
            field(
                tr("Above"),
                rx.input(
                    name="threshold",
                    id="alert-threshold",
                    input_mode="numeric",
                    placeholder="10",
                    width="110px",
                    custom_attrs={"aria-invalid": invalid(errors, "threshold")},
                ),
                error=errors.get("threshold", ""),
                html_for="alert-threshold",
            ),
            rx.button(rx.icon("plus", size=14), tr("Add alert"), type="submit", class_name="alert-add"),
            align=rx.breakpoints(initial="stretch", sm="end"),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="10px",
        ),
        field_error(S.alert_error),
        on_submit=S.add_alert,
        reset_on_submit=False,
        padding="12px 16px 16px",
        border_top="1px solid var(--gray-4)",
    )


def _alerts() -> rx.Component:
    return panel(
        rx.flex(
            rx.text(tr("Alerts"), size="2", weight="medium"),
            rx.text(
                tr(
                    "Checked every minute; the team's leads (admins, for the whole desk) get a notification when one fires."
                ),
                size="1",
                color_scheme="gray",
            ),
            direction="column",
            spacing="1",
            padding="14px 16px 10px",
        ),
        rx.foreach(S.alert_rules, _rule_row),
        rx.cond(
            S.alert_rules.length() == 0,
            rx.text(tr("No alerts for this team yet."), size="2", color_scheme="gray", padding="0 16px 12px"),
        ),
        rx.cond(S.can_manage_alerts, _add_alert()),
        confirm_dialog(
            S,
            description=tr("Nobody is told about this any more; its past notifications stay."),
            confirm_label=tr("Delete"),
            on_confirm=S.confirm_delete_alert,
            class_name="alert-delete-confirm",
        ),
        padding="0",
        class_name="dashboard-alerts",
    )


def _pickers() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(aria_label=tr("Team"), class_name="dashboard-team", min_width="180px"),
            rx.select.content(rx.foreach(S.teams, lambda o: rx.select.item(o["label"], value=o["value"]))),
            value=S.team,
            on_change=S.set_team,
        ),
        rx.select.root(
            rx.select.trigger(aria_label=tr("Period"), class_name="dashboard-period"),
            rx.select.content(rx.foreach(S.period_options, lambda o: rx.select.item(o["label"], value=o["value"]))),
            value=S.period,
            on_change=S.set_period,
        ),
        rx.spacer(),
        rx.cond(
            S.csv_href != "",
            # A download event, not a link: the app's router would open a link to one of its paths as a page.
            rx.button(
                rx.icon("download", size=14),
                tr("Download CSV"),
                on_click=rx.download(url=S.csv_href),
                variant="soft",
                class_name="dashboard-csv",
            ),
        ),
        align="center",
        gap="8px",
        wrap="wrap",
    )


@page(route=routes.ADMIN_DASHBOARDS, title=N_("Dashboards · AutoCRM"), on_load=DashboardState.load)
def dashboards() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.text(
                tr("From the desk's records: each figure beside the period before it, for a team or the whole desk."),
                size="2",
                color_scheme="gray",
            ),
            _pickers(),
            rx.foreach(S.alerts_firing, _firing),
            form_callout(S.error),
            rx.cond(
                ~S.loaded,
                skeleton_rows(2, "96px"),
                rx.cond(
                    S.cards.length() > 0,
                    rx.fragment(
                        rx.grid(
                            rx.foreach(S.cards, _card),
                            columns=rx.breakpoints(initial="2", sm="3", md="4", xl="7"),
                            spacing="3",
                        ),
                        rx.cond(S.chart.length() > 0, _chart()),
                        _agents(),
                        _alerts(),
                    ),
                ),
            ),
            direction="column",
            spacing="4",
            max_width="1200px",
        ),
        title=tr("Dashboards"),
    )
