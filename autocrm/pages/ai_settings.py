"""Admin: AI. Is a model set up and answering; the kill switch and each feature's switch; last week's usage."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.forms import form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.components.secret import MONO
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.ai_settings import AdminAiState

S: Any = AdminAiState


def _heading(text: str) -> rx.Component:
    return rx.text(tr(text), size="3", weight="bold")


def _model_panel() -> rx.Component:
    return panel(
        rx.flex(
            _heading("Model"),
            rx.cond(
                S.configured,
                rx.flex(
                    rx.text(tr("The AI features use an LLM through:"), " ", rx.text.strong(S.provider_name), size="2"),
                    rx.flex(
                        rx.button(
                            rx.icon("activity", size=14),
                            tr("Check the connection"),
                            on_click=S.check_health,
                            variant="soft",
                            size="1",
                            class_name="ai-check-health",
                        ),
                        rx.cond(
                            S.health_text != "",
                            rx.badge(S.health_text, color_scheme=S.health_color, class_name="ai-health"),
                        ),
                        rx.text(S.health_detail, size="1", color_scheme="gray"),
                        align="center",
                        spacing="2",
                        wrap="wrap",
                    ),
                    direction="column",
                    spacing="2",
                ),
                rx.flex(
                    rx.text(
                        tr(
                            "No LLM is set up. The AI features still work from your knowledge base and the desk's "
                            "own history (summaries taken from the conversation, triage from similar solved "
                            "tickets, answers quoted from articles); rewriting a draft needs an LLM."
                        ),
                        size="2",
                    ),
                    rx.text(
                        tr("To use one, set these and restart the desk:"),
                        " ",
                        rx.code("AUTOCRM_LLM_BASE_URL"),
                        ", ",
                        rx.code("AUTOCRM_LLM_API_KEY"),
                        ", ",
                        rx.code("AUTOCRM_LLM_MODEL"),
                        size="2",
                        color_scheme="gray",
                    ),
                    direction="column",
                    spacing="2",
                    class_name="ai-not-configured",
                ),
            ),
            direction="column",
            spacing="3",
        ),
        padding="16px",
    )


def _feature_row(feature: Any) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(feature["label"], size="2", weight="medium"),
            rx.cond(
                feature["model"] != "",
                rx.text(feature["model"], size="1", color_scheme="gray", font_family=MONO),
            ),
            direction="column",
            flex="1",
        ),
        rx.switch(
            checked=feature["enabled"].to(bool),
            on_change=lambda value: S.set_feature(feature["name"], value),
            disabled=~S.enabled,
            aria_label=feature["label"],
            class_name="ai-feature-switch",
        ),
        align="center",
        spacing="3",
        padding="10px 0",
        border_top="1px solid var(--gray-4)",
        custom_attrs={"data-feature": feature["name"]},
    )


def _switches_panel() -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.flex(
                    _heading("AI features"),
                    rx.text(
                        tr("Off stops every feature from asking the LLM at once, in every process."),
                        size="1",
                        color_scheme="gray",
                    ),
                    direction="column",
                    flex="1",
                ),
                rx.switch(
                    checked=S.enabled,
                    on_change=S.set_enabled,
                    aria_label=tr("AI features"),
                    class_name="ai-kill-switch",
                ),
                align="center",
                spacing="3",
                padding_bottom="6px",
            ),
            rx.foreach(S.features, _feature_row),
            direction="column",
        ),
        padding="16px",
    )


USAGE_COLUMNS = [
    Column(N_("Feature"), lambda r: rx.text(r["label"], size="2", weight="medium"), width="24%"),
    Column(N_("Calls"), lambda r: rx.text(r["calls"], size="2")),
    Column(N_("Failed"), lambda r: rx.text(r["failures"], size="2")),
    Column(N_("Tokens in / out"), lambda r: rx.text(r["tokens"], size="2"), width="18%"),
    Column(N_("Latency p50"), lambda r: rx.text(r["p50"], size="2")),
    Column(N_("Latency p95"), lambda r: rx.text(r["p95"], size="2")),
    Column(N_("First token p95"), lambda r: rx.text(r["first_token"], size="2")),
]


def _usage_card(row: Any) -> rx.Component:
    return rx.flex(
        rx.text(row["label"], size="2", weight="medium"),
        rx.text(
            row["calls"],
            " ",
            tr("calls"),
            " · ",
            row["failures"],
            " ",
            tr("failed"),
            " · p95 ",
            row["p95"],
            size="1",
            color_scheme="gray",
        ),
        direction="column",
        padding="10px 12px",
        border_bottom="1px solid var(--gray-4)",
    )


QUALITY_COLUMNS = [
    Column(N_("Measured"), lambda r: rx.text(r["what"], size="2"), width="46%"),
    Column(N_("Target"), lambda r: rx.text(r["target"], size="2")),
    Column(N_("Result"), lambda r: rx.text(r["measured"], size="2", weight="medium")),
    Column(
        N_("Met"),
        lambda r: rx.badge(
            rx.cond(r["met"] == "yes", tr("Met"), tr("Not yet")),
            color_scheme=rx.cond(r["met"] == "yes", "grass", "amber"),
        ),
        width="90px",
    ),
]


def _quality_card(row: Any) -> rx.Component:
    return rx.flex(
        rx.text(row["what"], size="2"),
        rx.text(row["measured"], " · ", tr("target"), " ", row["target"], size="1", color_scheme="gray"),
        direction="column",
        padding="10px 12px",
        border_bottom="1px solid var(--gray-4)",
    )


@page(route=routes.ADMIN_AI, title=N_("AI · AutoCRM"), on_load=AdminAiState.load)
def admin_ai() -> rx.Component:
    return agent_shell(
        rx.flex(
            form_callout(S.error),
            rx.cond(
                ~S.loaded,
                skeleton_rows(3, "96px"),
                rx.fragment(
                    rx.grid(
                        _model_panel(), _switches_panel(), columns=rx.breakpoints(initial="1", md="2"), spacing="3"
                    ),
                    rx.text(tr("Last 7 days"), size="3", weight="bold", margin_top="8px"),
                    responsive_list(S.usage, columns=USAGE_COLUMNS, card=_usage_card, row_class="ai-usage-row"),
                    rx.text(
                        tr("Only calls to the LLM are counted; the features that work without one cost nothing here."),
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.cond(
                        S.quality.length() > 0,
                        rx.fragment(
                            rx.text(tr("Quality without an LLM"), size="3", weight="bold", margin_top="8px"),
                            responsive_list(
                                S.quality, columns=QUALITY_COLUMNS, card=_quality_card, row_class="ai-quality-row"
                            ),
                            rx.text(S.quality_note, size="1", color_scheme="gray"),
                        ),
                    ),
                ),
            ),
            direction="column",
            spacing="3",
            max_width="1100px",
        ),
        title=tr("AI"),
    )
