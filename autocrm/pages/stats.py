"""The agent's own figures: how the period went, against the one before, and the solved tickets over time."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.forms import form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.stats import StatsState


def _card(card: Any) -> rx.Component:
    return panel(
        rx.flex(
            rx.text(card["label"], size="1", weight="medium", color_scheme="gray"),
            rx.text(card["value"], size="6", weight="bold", class_name="stat-value"),
            rx.cond(card["detail"], rx.text(card["detail"], size="1", color_scheme="gray")),
            rx.text(
                card["text"],
                size="1",
                color=rx.match(card["tone"], ("green", "var(--green-11)"), ("red", "var(--red-11)"), "var(--gray-11)"),
                class_name="stat-change",
            ),
            direction="column",
            spacing="1",
        ),
        padding="14px 16px",
        class_name="stat-card",
    )


def _bar(bar: Any) -> rx.Component:
    return rx.flex(
        # An empty day keeps its line (so the bars stay aligned) but says nothing: a row of zeros is noise.
        rx.text(rx.cond(bar["solved"].to(int) > 0, bar["solved"].to(str), "\u00a0"), size="1", color_scheme="gray"),
        rx.box(
            height=bar["height"].to(str),
            width="100%",
            min_height="2px",
            background="var(--accent-9)",
            border_radius="3px 3px 0 0",
        ),
        direction="column",
        justify="end",
        align="center",
        gap="4px",
        flex="1",
        min_width="6px",
        height="100%",
        custom_attrs={"title": bar["title"]},
        class_name="stat-bar",
    )


def _chart() -> rx.Component:
    s = StatsState
    return panel(
        rx.flex(
            rx.text(tr("Tickets solved"), size="2", weight="medium"),
            rx.flex(
                rx.foreach(s.bars, _bar),
                align="end",
                gap="3px",
                height="160px",
                padding_top="8px",
            ),
            rx.flex(
                rx.text(s.bars[0]["label"], size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text(s.bars[-1]["label"], size="1", color_scheme="gray"),
            ),
            direction="column",
            spacing="2",
        ),
        padding="16px",
        class_name="stat-chart",
    )


def _recommended(row: Any) -> rx.Component:
    return rx.flex(
        rx.icon("list-filter", size=14, color="var(--gray-10)"),
        rx.flex(
            rx.text(row["label"], size="2", weight="medium"),
            rx.text(row["reason"], size="1", color_scheme="gray"),
            direction="column",
            flex="1",
            min_width="0",
        ),
        rx.button(
            rx.icon("bookmark-plus", size=14),
            tr("Save as a view"),
            size="1",
            variant="soft",
            on_click=StatsState.save_recommended(row["index"]),  # type: ignore[operator]  # Reflex event typing, see pages/admin.py
            class_name="save-recommended",
        ),
        align="center",
        spacing="3",
        padding="10px 0",
        border_top="1px solid var(--gray-4)",
        class_name="recommended-filter",
    )


def _suggestions() -> rx.Component:
    s: Any = StatsState
    return rx.cond(
        (s.recommended.length() > 0) | (s.tips.length() > 0),
        rx.grid(
            rx.cond(
                s.recommended.length() > 0,
                panel(
                    rx.text(tr("Views you might want"), size="2", weight="medium"),
                    rx.text(
                        tr("From the tickets you handled most in the last 30 days."), size="1", color_scheme="gray"
                    ),
                    rx.foreach(s.recommended, _recommended),
                    padding="14px 16px",
                    class_name="recommended-filters",
                ),
            ),
            rx.cond(
                s.tips.length() > 0,
                panel(
                    rx.text(tr("Tips"), size="2", weight="medium"),
                    rx.foreach(
                        s.tips,
                        lambda tip: rx.flex(
                            rx.icon("lightbulb", size=14, color="var(--amber-10)", flex_shrink="0", margin_top="3px"),
                            rx.text(tip, size="2"),
                            spacing="2",
                            padding_top="8px",
                        ),
                    ),
                    padding="14px 16px",
                    class_name="personal-tips",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            align="start",
        ),
    )


@page(route=routes.AGENT_STATS, title=N_("My stats · AutoCRM"), on_load=StatsState.load)
def my_stats() -> rx.Component:
    s: Any = StatsState
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.cond(
                    s.viewed_agent > 0,
                    rx.flex(
                        rx.link(
                            rx.icon("arrow-left", size=14),
                            tr("Dashboards"),
                            href=routes.ADMIN_DASHBOARDS,
                            size="2",
                            display="inline-flex",
                            align_items="center",
                            gap="4px",
                        ),
                        rx.text(
                            tr(
                                "{name}'s figures from the desk's records: each beside the period before it.",
                                name=s.agent_name,
                            ),
                            size="2",
                            color_scheme="gray",
                        ),
                        direction="column",
                        gap="4px",
                    ),
                    rx.text(
                        tr("Your figures from the desk's records: each beside the period before it."),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.spacer(),
                rx.select.root(
                    rx.select.trigger(aria_label=tr("Period"), class_name="stats-period"),
                    rx.select.content(
                        rx.foreach(s.period_options, lambda o: rx.select.item(o["label"], value=o["value"]))
                    ),
                    value=s.period,
                    on_change=s.set_period,
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            form_callout(s.error),
            rx.cond(
                ~s.loaded,
                skeleton_rows(2, "96px"),
                rx.fragment(
                    rx.grid(
                        rx.foreach(s.cards, _card),
                        columns=rx.breakpoints(initial="2", sm="3", xl="6"),
                        spacing="3",
                    ),
                    rx.cond(s.bars.length() > 0, _chart()),
                    _suggestions(),
                ),
            ),
            direction="column",
            spacing="4",
            max_width="1100px",
        ),
        title=rx.text(rx.cond(s.agent_name != "", s.agent_name, tr("My stats"))),
    )
