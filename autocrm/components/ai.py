"""The AI's pieces of the agent's ticket page: the summary above the conversation, and the composer's rewrite
menu with its notice. Bound to a state with `state/ai_assist.TicketAiMixin`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.i18n import tr
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.state.ai_assist import TONE_TEXT


def _line(label: str, item: Any) -> rx.Component:
    return rx.cond(
        item["text"] != "",
        rx.flex(
            rx.text(tr(label), size="1", weight="bold", color_scheme="gray", min_width="92px"),
            rx.text(
                item["text"],
                " ",
                rx.cond(
                    item["href"] != "",
                    rx.link(tr("source"), href=item["href"], size="1", class_name="summary-source"),
                ),
                size="2",
                custom_attrs={"dir": "auto"},
            ),
            spacing="3",
            align="baseline",
        ),
    )


def _previous(ticket: Any) -> rx.Component:
    return rx.text(
        rx.link("#", ticket["number"], " ", ticket["subject"], href=routes.agent_ticket("") + ticket["id"].to(str)),
        rx.text(" · ", ticket["status"], as_="span", color_scheme="gray"),
        rx.cond(ticket["problem"] != "", rx.text(" — ", ticket["problem"], as_="span", color_scheme="gray")),
        size="1",
        custom_attrs={"dir": "auto"},
    )


def summary_panel(state: Any) -> rx.Component:
    """The conversation in four lines, each linking to the message it came from, and the requester's earlier
    tickets; it says whether it was quoted from the conversation or written by the AI."""
    s = state.summary
    return rx.cond(
        state.show_summary,
        panel(
            rx.flex(
                rx.flex(
                    rx.icon("sparkles", size=14, color="var(--accent-10)"),
                    rx.text(tr("Summary"), size="2", weight="bold"),
                    rx.badge(
                        rx.cond(s["by_llm"], tr("Written by AI"), tr("Quoted from the conversation")),
                        variant="soft",
                        color_scheme=rx.cond(s["by_llm"], "violet", "gray"),
                        size="1",
                        class_name="summary-made-by",
                    ),
                    rx.spacer(),
                    rx.cond(
                        state.summary_stale,
                        rx.button(
                            rx.icon("refresh-cw", size=12),
                            tr("New messages: refresh"),
                            size="1",
                            variant="soft",
                            on_click=state.refresh_summary,
                            loading=state.summary_loading,
                            class_name="summary-refresh",
                        ),
                    ),
                    align="center",
                    spacing="2",
                ),
                _line(N_("Problem"), s["problem"].to(dict)),
                rx.cond(
                    s["tried"].to(list).length() > 0,
                    rx.flex(
                        rx.text(tr("Tried"), size="1", weight="bold", color_scheme="gray", min_width="92px"),
                        rx.flex(
                            rx.foreach(
                                s["tried"].to(list[dict]),
                                lambda item: rx.text(
                                    "· ",
                                    item["text"],
                                    " ",
                                    rx.link(tr("source"), href=item["href"], size="1", class_name="summary-source"),
                                    size="2",
                                    custom_attrs={"dir": "auto"},
                                ),
                            ),
                            direction="column",
                        ),
                        spacing="3",
                        align="baseline",
                    ),
                ),
                rx.flex(
                    rx.text(tr("State"), size="1", weight="bold", color_scheme="gray", min_width="92px"),
                    rx.text(s["state"], size="2"),
                    spacing="3",
                    align="baseline",
                ),
                _line(N_("Last ask"), s["last_ask"].to(dict)),
                rx.cond(
                    s["previous"].to(list).length() > 0,
                    rx.flex(
                        rx.text(tr("Earlier tickets"), size="1", weight="bold", color_scheme="gray", min_width="92px"),
                        rx.flex(rx.foreach(s["previous"].to(list[dict]), _previous), direction="column", spacing="1"),
                        spacing="3",
                        align="baseline",
                    ),
                ),
                direction="column",
                spacing="2",
            ),
            padding="12px 14px",
            class_name="ticket-summary",
        ),
    )


def rewrite_menu(state: Any) -> rx.Component:
    """Rewrite the draft friendlier, more concise or more formal (only when an LLM is set up)."""
    return rx.cond(
        state.rewrite_available,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("wand-sparkles", size=14),
                    tr("Rewrite"),
                    rx.icon("chevron-down", size=12),
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    type="button",
                    loading=state.rewriting,
                    class_name="rewrite-menu",
                )
            ),
            rx.menu.content(
                *(
                    rx.menu.item(tr(label), on_select=state.ask_rewrite(tone), class_name=f"rewrite-{tone}")
                    for tone, label in TONE_TEXT.items()
                ),
            ),
        ),
    )


def rewrite_notice(state: Any) -> rx.Component:
    """After a rewrite: read it before sending, or put the draft back. A refused rewrite says why."""
    return rx.fragment(
        rx.cond(
            state.draft_before_rewrite != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("wand-sparkles", size=16)),
                rx.flex(
                    rx.text(tr("The AI rewrote your draft. Read it before you send it."), size="2"),
                    rx.spacer(),
                    rx.button(
                        tr("Undo"),
                        size="1",
                        variant="soft",
                        type="button",
                        on_click=state.undo_rewrite,
                        class_name="rewrite-undo",
                    ),
                    rx.button(
                        tr("Keep"),
                        size="1",
                        variant="ghost",
                        type="button",
                        on_click=state.keep_rewrite,
                    ),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
                size="1",
                color_scheme="violet",
                class_name="rewrite-notice",
            ),
        ),
        rx.cond(
            state.rewrite_error != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-alert", size=16)),
                rx.callout.text(state.rewrite_error),
                size="1",
                color_scheme="red",
                class_name="rewrite-error",
            ),
        ),
    )


def suggest_button(state: Any) -> rx.Component:
    return rx.button(
        rx.icon("sparkles", size=14),
        tr("Suggest a reply"),
        variant="soft",
        color_scheme="gray",
        size="1",
        type="button",
        loading=state.suggesting,
        on_click=state.suggest_reply,
        class_name="suggest-reply",
    )


def _source(source: Any) -> rx.Component:
    return rx.flex(
        rx.icon(rx.cond(source["kind"] == "macro", "zap", "file-text"), size=12),
        rx.cond(
            source["url"] != "",
            rx.link(source["title"], href=source["url"], is_external=True, size="1"),
            rx.text(source["title"], size="1"),
        ),
        align="center",
        spacing="1",
        class_name="suggestion-source",
    )


def suggestion_notice(state: Any) -> rx.Component:
    """What the suggested reply in the composer was made from, or that nothing matched."""
    return rx.cond(
        state.suggestion_note != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("sparkles", size=16)),
            rx.flex(
                rx.flex(
                    rx.text(state.suggestion_note, size="2"),
                    rx.spacer(),
                    rx.icon_button(
                        rx.icon("x", size=12),
                        size="1",
                        variant="ghost",
                        type="button",
                        on_click=state.dismiss_suggestion,
                        aria_label=tr("Dismiss"),
                    ),
                    align="start",
                    spacing="2",
                ),
                rx.flex(rx.foreach(state.suggestion_sources, _source), spacing="3", wrap="wrap"),
                direction="column",
                spacing="1",
                width="100%",
            ),
            size="1",
            color_scheme="violet",
            class_name="suggestion-notice",
        ),
    )


def _caption(text: str) -> rx.Component:
    return rx.text(
        tr(text), size="1", weight="medium", color_scheme="gray", text_transform="uppercase", letter_spacing="0.04em"
    )


def _triage_offer(state: Any, row: Any) -> rx.Component:
    """What the ticket has now and its confidence on one line, the suggestion and its Apply on the next: a long
    category or team name wraps rather than hiding behind the button."""
    return rx.flex(
        rx.flex(
            rx.text(row["now"], size="1", color_scheme="gray", flex="1", min_width="0"),
            rx.tooltip(
                rx.badge(
                    row["percent"],
                    color_scheme=row["tone"],
                    variant="soft",
                    flex_shrink="0",
                    class_name="triage-confidence",
                ),
                content=tr(
                    "Confidence: how strongly the most similar resolved tickets agree on this. Not a guarantee."
                ),
            ),
            align="start",
            spacing="2",
        ),
        rx.flex(
            rx.text(
                row["label"],
                size="2",
                weight="medium",
                flex="1",
                min_width="0",
                style={"overflowWrap": "anywhere"},
                class_name="triage-value",
                custom_attrs={"dir": "auto"},
            ),
            rx.button(
                tr("Apply"),
                size="1",
                variant="soft",
                type="button",
                flex_shrink="0",
                on_click=state.apply_triage(row["key"]),
                disabled=state.is_closed | state.triage_applying,
                class_name="triage-apply",
                aria_label=tr("Apply {field}: {value}", field=row["field_label"].to(str), value=row["label"].to(str)),
            ),
            align="center",
            spacing="2",
        ),
        direction="column",
        spacing="1",
        class_name="triage-offer",
        custom_attrs={"data-field": row["field"]},
    )


def _learned_from(ticket: Any) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.text("#", ticket["number"], size="1", color_scheme="gray", white_space="nowrap"),
            rx.text(
                ticket["subject"],
                size="1",
                flex="1",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                custom_attrs={"dir": "auto"},
            ),
            align="center",
            spacing="2",
            min_width="0",
        ),
        href=ticket["href"].to(str),
        underline="none",
        color="inherit",
        class_name="triage-source",
    )


def _suggested_agent(state: Any, row: Any) -> rx.Component:
    """One suggested agent: the name and its Assign (or "Assigned") on one line, the reason under it."""
    return rx.flex(
        rx.flex(
            rx.text(
                row["name"],
                size="2",
                weight="medium",
                flex="1",
                min_width="0",
                style={"overflowWrap": "anywhere"},
                class_name="best-agent-name",
            ),
            rx.cond(
                row["current"].to(bool),
                rx.badge(tr("Assigned"), color_scheme="green", variant="soft", flex_shrink="0"),
                rx.button(
                    tr("Assign"),
                    size="1",
                    variant="soft",
                    type="button",
                    flex_shrink="0",
                    on_click=state.assign_suggested(row["id"]),
                    disabled=state.is_closed,
                    class_name="best-agent-assign",
                    aria_label=tr("Assign to {name}", name=row["name"].to(str)),
                ),
            ),
            align="center",
            spacing="2",
        ),
        rx.text(
            row["reason"],
            size="1",
            color=rx.cond(row["available"].to(bool), "var(--gray-11)", "var(--amber-11)"),
            class_name="best-agent-reason",
        ),
        direction="column",
        spacing="1",
        class_name="best-agent",
        custom_attrs={"data-status": row["status"]},
    )


def _agent_suggestions(state: Any) -> rx.Component:
    """The agents who resolved the most similar tickets best (`best_agent`), best first, and the best team; or
    why nobody is suggested."""
    return rx.cond(
        state.best_agent_rows.length() > 0,
        rx.flex(
            rx.text(tr("Suggested agent"), size="1", color_scheme="gray"),
            rx.foreach(state.best_agent_rows, lambda row: _suggested_agent(state, row)),
            rx.cond(
                state.best_team != "",
                rx.text(
                    tr("Best team: {team} ({reason})", team=state.best_team, reason=state.best_team_reason),
                    size="1",
                    color_scheme="gray",
                    class_name="best-team",
                ),
            ),
            direction="column",
            spacing="2",
            class_name="best-agents",
        ),
        rx.cond(
            state.best_note != "",
            rx.text(state.best_note, size="1", color_scheme="gray", class_name="best-agents-note"),
        ),
    )


def triage_panel(state: Any) -> rx.Component:
    """What triage suggests from the desk's resolved tickets (category, team, priority, skills, each with its
    confidence and an Apply), and the resolved tickets most like this one. Hidden while triage is switched off;
    a suggestion the ticket already has is not shown."""
    offers = state.triage_offers
    return rx.cond(
        state.triage_loading | state.triage_on,
        panel(
            rx.flex(
                rx.flex(
                    rx.icon("sparkles", size=14, color="var(--accent-10)"),
                    _caption(N_("Suggested by triage")),
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    state.triage_loading,
                    rx.flex(
                        rx.skeleton(rx.box(height="32px", width="100%")),
                        rx.skeleton(rx.box(height="32px", width="100%")),
                        direction="column",
                        spacing="2",
                    ),
                    rx.cond(
                        state.triage_similar.length() == 0,
                        rx.text(
                            tr("No resolved tickets to learn from yet."),
                            size="1",
                            color_scheme="gray",
                            class_name="triage-empty",
                        ),
                        rx.flex(
                            rx.cond(
                                offers.length() > 0,
                                rx.flex(
                                    rx.foreach(offers, lambda row: _triage_offer(state, row)),
                                    rx.cond(
                                        offers.length() > 1,
                                        rx.button(
                                            rx.icon("check-check", size=12),
                                            tr("Apply all"),
                                            size="1",
                                            variant="outline",
                                            type="button",
                                            align_self="end",
                                            on_click=state.apply_all_triage,
                                            disabled=state.is_closed | state.triage_applying,
                                            class_name="triage-apply-all",
                                        ),
                                    ),
                                    direction="column",
                                    spacing="3",
                                ),
                                rx.text(
                                    rx.cond(
                                        state.triage_agreed != "",
                                        tr(
                                            "The ticket already has what triage suggests: {fields}.",
                                            fields=state.triage_agreed,
                                        ),
                                        tr("Triage has nothing to suggest for this ticket."),
                                    ),
                                    size="1",
                                    color_scheme="gray",
                                    class_name="triage-nothing",
                                ),
                            ),
                            rx.cond(
                                (offers.length() > 0) & (state.triage_agreed != ""),
                                rx.text(
                                    tr("Already as triage suggests: {fields}.", fields=state.triage_agreed),
                                    size="1",
                                    color_scheme="gray",
                                    class_name="triage-agreed",
                                ),
                            ),
                            _agent_suggestions(state),
                            rx.flex(
                                rx.text(tr("Most similar resolved tickets"), size="1", color_scheme="gray"),
                                rx.foreach(state.triage_similar, _learned_from),
                                direction="column",
                                spacing="1",
                                class_name="triage-sources",
                            ),
                            direction="column",
                            spacing="4",
                        ),
                    ),
                ),
                direction="column",
                spacing="3",
            ),
            padding="16px",
            class_name="ticket-triage",
        ),
    )
