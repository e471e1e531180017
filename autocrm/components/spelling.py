"""The composer's spelling check: a toolbar button, and the words it found with their suggestions."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.i18n import tr


def spelling_button(state: Any) -> rx.Component:
    return rx.button(
        rx.icon("spell-check", size=14),
        tr("Check spelling"),
        variant="soft",
        color_scheme="gray",
        size="1",
        type="button",
        loading=state.spelling_checking,
        on_click=state.check_spelling,
        class_name="spelling-check",
    )


def _issue(state: Any, issue: Any, index: Any) -> rx.Component:
    word = rx.text(
        issue["word"].to(str),
        as_="span",
        size="2",
        weight="medium",
        style={"textDecoration": "underline wavy var(--red-9)", "textUnderlineOffset": "3px"},
    )
    return rx.flex(
        rx.cond(
            issue["kind"].to(str) == "repeated",
            rx.flex(word, rx.text(tr("written twice"), size="1", color_scheme="gray"), spacing="2", align="baseline"),
            word,
        ),
        rx.icon("arrow-right", size=12, color="var(--gray-9)"),
        rx.cond(
            issue["suggestions"].to(list).length() > 0,
            rx.flex(
                rx.foreach(
                    issue["suggestions"].to(list[str]),
                    lambda suggestion: rx.button(
                        suggestion,
                        size="1",
                        variant="soft",
                        type="button",
                        on_click=state.use_suggestion(index, suggestion),
                        class_name="spelling-suggestion",
                    ),
                ),
                spacing="1",
                wrap="wrap",
            ),
            rx.text(tr("no suggestion"), size="1", color_scheme="gray"),
        ),
        rx.spacer(),
        rx.button(
            tr("Ignore"),
            size="1",
            variant="ghost",
            color_scheme="gray",
            type="button",
            on_click=state.ignore_spelling(index),
            class_name="spelling-ignore",
        ),
        align="center",
        spacing="2",
        wrap="wrap",
        class_name="spelling-issue",
    )


def spelling_panel(state: Any) -> rx.Component:
    """What the check found, each with its suggestions (a click puts it in the draft) or Ignore."""
    return rx.cond(
        state.spelling_open,
        rx.card(
            rx.flex(
                rx.flex(
                    rx.icon("spell-check", size=14),
                    rx.text(tr("Spelling"), size="2", weight="bold"),
                    rx.spacer(),
                    rx.icon_button(
                        rx.icon("x", size=14),
                        size="1",
                        variant="ghost",
                        color_scheme="gray",
                        type="button",
                        on_click=state.close_spelling,
                        aria_label=tr("Close"),
                        class_name="spelling-close",
                    ),
                    align="center",
                    spacing="2",
                ),
                rx.cond(state.spelling_note != "", rx.text(state.spelling_note, size="2", color_scheme="gray")),
                rx.foreach(state.spelling_issues, lambda issue, index: _issue(state, issue, index)),
                direction="column",
                spacing="2",
            ),
            size="1",
            class_name="spelling-panel",
        ),
    )
