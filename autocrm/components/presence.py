"""Presence on the staff screens (`state/presence.py`): who else is on a ticket, at the top of its page and as
a badge on its queue row, and the hidden buttons the page's heartbeat script clicks."""

from __future__ import annotations

from typing import Any

import reflex as rx


def _avatar(person: Any) -> rx.Component:
    return rx.tooltip(
        rx.flex(
            person["initials"],
            align="center",
            justify="center",
            width="24px",
            height="24px",
            border_radius="50%",
            font_size="10px",
            font_weight="600",
            background=rx.cond(person["replying"], "var(--amber-4)", "var(--accent-4)"),
            color=rx.cond(person["replying"], "var(--amber-11)", "var(--accent-11)"),
            border="2px solid var(--color-panel-solid)",
            margin_left="-6px",
            flex_shrink="0",
        ),
        content=person["name"],
    )


def ticket_presence(state: Any) -> rx.Component:
    """ "Ana Lopez is viewing" under the ticket's heading, with their initials; nothing when nobody else is here."""
    return rx.cond(
        state.presence.length() > 0,
        rx.flex(
            rx.flex(rx.foreach(state.presence, _avatar), padding_left="6px", align="center"),
            rx.text(state.presence_line, size="2", color_scheme="gray", class_name="presence-text"),
            align="center",
            spacing="2",
            wrap="wrap",
            class_name="ticket-presence",
            custom_attrs={"role": "status", "aria-live": "polite"},
        ),
    )


def others_replying_notice(state: Any) -> rx.Component:
    """In the composer, beside the collision warning: someone else is writing a reply right now."""
    return rx.cond(
        state.others_replying,
        rx.callout.root(
            rx.callout.icon(rx.icon("pencil-line", size=16)),
            rx.callout.text(state.others_replying, size="2"),
            color_scheme="amber",
            variant="surface",
            size="1",
            class_name="others-replying",
        ),
    )


def queue_presence_badge(row: Any) -> rx.Component:
    """A queue row someone else is on: an eye (a pencil while someone replies) and how many, named on hover."""
    count = row["presence_count"].to(int)
    replying = row["presence_replying"].to(bool)
    return rx.cond(
        count > 0,
        rx.tooltip(
            rx.badge(
                rx.cond(replying, rx.icon("pencil-line", size=12), rx.icon("eye", size=12)),
                count.to_string(),
                size="1",
                variant="soft",
                color_scheme=rx.cond(replying, "amber", "blue"),
                class_name="presence-badge",
                flex_shrink="0",
                custom_attrs={"aria-label": row["presence_text"].to(str)},
            ),
            content=row["presence_text"].to(str),
        ),
    )


def beat_buttons(state: Any, kinds: tuple[str, ...]) -> rx.Component:
    """The hidden buttons the presence script clicks, one per kind of heartbeat."""
    return rx.fragment(
        *(
            rx.el.button(
                id=f"presence-{kind}",
                type="button",
                on_click=state.presence_beat(kind),
                display="none",
                tab_index=-1,
                custom_attrs={"aria-hidden": "true"},
            )
            for kind in kinds
        )
    )
