"""The portal's chatbot: ask, read an answer from the help centre with its source (quoted, or written by the AI
from the article and shown as it is written), say whether it helped, or hand the conversation to a person (it
becomes a request, and the chat says which)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.forms import form_callout
from autocrm.components.i18n import tr
from autocrm.components.layout import portal_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.chat import PortalChatState

S: Any = PortalChatState


def _source(source: Any) -> rx.Component:
    return rx.link(
        rx.icon("file-text", size=12),
        source["title"],
        href=source["url"],
        is_external=True,
        size="1",
        display="inline-flex",
        align_items="center",
        gap="4px",
        class_name="chat-source",
    )


def _vote(turn: Any) -> rx.Component:
    return rx.cond(
        turn["votable"].to(bool),
        rx.cond(
            turn["vote"] != "",
            rx.text(
                rx.cond(turn["vote"] == "yes", tr("Thanks: glad it helped."), tr("Thanks for telling us.")),
                size="1",
                color_scheme="gray",
                class_name="chat-voted",
            ),
            rx.flex(
                rx.text(tr("Did this help?"), size="1", color_scheme="gray"),
                rx.button(
                    rx.icon("thumbs-up", size=12),
                    tr("Yes"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.vote(turn["index"], True),
                    disabled=S.handed_over.length() > 0,
                    class_name="chat-helpful",
                ),
                rx.button(
                    rx.icon("thumbs-down", size=12),
                    tr("No"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.vote(turn["index"], False),
                    disabled=S.handed_over.length() > 0,
                    class_name="chat-unhelpful",
                ),
                align="center",
                spacing="2",
            ),
        ),
    )


def _sources(sources: Any, by_model: Any) -> rx.Component:
    return rx.cond(
        sources.length() > 0,
        rx.flex(
            rx.text(rx.cond(by_model, tr("Written by AI from:"), tr("Source:")), size="1", color_scheme="gray"),
            rx.foreach(sources, _source),
            spacing="2",
            align="center",
            wrap="wrap",
            margin_top="6px",
        ),
    )


def _bubble(*children: rx.Component, by_customer: Any = False, **props: Any) -> rx.Component:
    return rx.box(
        *children,
        padding="10px 12px",
        border_radius="var(--radius-3)",
        background=rx.cond(by_customer, "var(--accent-3)", "var(--gray-2)"),
        border=rx.cond(by_customer, "1px solid var(--accent-5)", "1px solid var(--gray-5)"),
        max_width="85%",
        **props,
    )


def _turn(turn: Any) -> rx.Component:
    by_customer = turn["role"] == "customer"
    return rx.flex(
        _bubble(
            rx.text(turn["text"], size="2", white_space="pre-wrap", custom_attrs={"dir": "auto"}),
            _sources(turn["sources"].to(list[dict]), turn["made_by"] == "llm"),
            rx.cond(~by_customer, rx.box(_vote(turn), margin_top="6px")),
            by_customer=by_customer,
        ),
        justify=rx.cond(by_customer, "end", "start"),
        class_name=rx.cond(by_customer, "chat-turn chat-customer", "chat-turn chat-bot"),
    )


def _reply() -> rx.Component:
    """The answer while it is written: its words so far after a caret's place, its source; the vote comes once
    it is whole."""
    return rx.flex(
        _bubble(
            rx.cond(
                S.reply_text == "",
                rx.flex(rx.spinner(size="1"), rx.text(tr("Writing the answer…"), size="1"), spacing="2"),
                rx.text(
                    S.reply_text,
                    rx.el.span("▍", color="var(--accent-9)", aria_hidden="true"),
                    size="2",
                    white_space="pre-wrap",
                    custom_attrs={"dir": "auto"},
                    class_name="chat-reply-text",
                ),
            ),
            _sources(S.reply_sources, S.reply_by_model),
            aria_busy="true",
        ),
        justify="start",
        class_name="chat-turn chat-reply",
    )


def _handed_over() -> rx.Component:
    h = S.handed_over
    return rx.callout.root(
        rx.callout.icon(rx.icon("user-round-check", size=16)),
        rx.flex(
            rx.text(h["message"], size="2"),
            rx.link(
                tr("Open request #{number}", number=h["number"].to(str)), href=h["href"], size="2", weight="medium"
            ),
            direction="column",
            spacing="1",
        ),
        color_scheme="grass",
        class_name="chat-handed-over",
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                name="question",
                id="chat-question",
                placeholder=tr("Ask a question, e.g. “How do I activate my new card?”"),
                max_length=2000,
                flex="1",
                size="3",
                disabled=~S.can_ask,
                aria_label=tr("Your question"),
            ),
            rx.button(
                rx.icon("send", size=14),
                rx.text(tr("Ask"), display=["none", "inline", "inline"]),
                type="submit",
                size="3",
                loading=S.thinking,
                disabled=~S.can_ask,
                class_name="chat-ask",
            ),
            spacing="2",
        ),
        on_submit=S.ask,
        reset_on_submit=False,
    )


@page(route=routes.PORTAL_CHAT, title=N_("Ask us · AutoCRM"), on_load=PortalChatState.load)
def portal_chat() -> rx.Component:
    return portal_shell(
        rx.flex(
            rx.flex(
                rx.heading(tr("Ask us"), size="6"),
                rx.spacer(),
                rx.cond(
                    S.turns.length() > 0,
                    rx.button(
                        tr("Start over"),
                        variant="ghost",
                        size="1",
                        on_click=S.start_over,
                        disabled=S.thinking,
                        class_name="chat-restart",
                    ),
                ),
                align="center",
            ),
            rx.text(
                tr(
                    "Answers come from our help centre, with the article they are taken from. If they don't help, "
                    "a person from our team takes over and answers you in a request."
                ),
                size="2",
                color_scheme="gray",
            ),
            panel(
                rx.flex(
                    rx.cond(
                        S.turns.length() == 0,
                        rx.text(tr("What can we help you with?"), size="2", color_scheme="gray", padding="8px 0"),
                    ),
                    rx.foreach(S.turns, _turn),
                    rx.cond(S.replying, _reply()),
                    rx.cond(
                        S.thinking & ~S.replying,
                        rx.flex(
                            rx.spinner(size="1"), rx.text(tr("Looking in the help centre…"), size="1"), spacing="2"
                        ),
                    ),
                    rx.cond(S.handed_over.length() > 0, _handed_over()),
                    form_callout(S.error),
                    direction="column",
                    spacing="3",
                    class_name="chat-log",
                    aria_live="polite",
                ),
                padding="16px",
            ),
            rx.cond(S.handed_over.length() == 0, _composer()),
            rx.cond(
                S.handed_over.length() == 0,
                rx.flex(
                    rx.button(
                        rx.icon("user-round", size=14),
                        tr("Talk to a person"),
                        variant="soft",
                        color_scheme="gray",
                        size="2",
                        on_click=S.talk_to_person,
                        disabled=S.thinking,
                        class_name="chat-person",
                    ),
                    justify="end",
                ),
            ),
            direction="column",
            spacing="3",
        ),
    )
