"""A ticket's conversation: customer messages, staff replies and (for staff) internal notes, oldest first."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.badges import avatar, time_ago
from autocrm.components.i18n import tr


def _attachment(a) -> rx.Component:
    """A file of a message: images as a small preview, every file a download with its size."""
    download = rx.link(
        rx.flex(
            rx.icon("paperclip", size=12, flex_shrink="0"),
            rx.text(a["filename"], size="1", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
            rx.text(a["size"], size="1", color_scheme="gray", white_space="nowrap"),
            align="center",
            spacing="1",
            min_width="0",
        ),
        href=a["href"].to(str),
        underline="none",
        color="inherit",
        custom_attrs={"download": a["filename"]},
        class_name="attachment-link",
        max_width="100%",
        padding="4px 8px",
        border="1px solid var(--gray-6)",
        border_radius="var(--radius-2)",
        background="var(--color-panel-solid)",
    )
    return rx.flex(
        rx.cond(
            a["preview"].to(bool),
            rx.link(
                rx.image(
                    src=a["preview_href"].to(str),
                    alt=a["filename"].to(str),
                    max_height="120px",
                    max_width="200px",
                    border_radius="var(--radius-2)",
                    border="1px solid var(--gray-5)",
                    loading="lazy",
                    class_name="attachment-preview",
                ),
                href=a["preview_href"].to(str),
                target="_blank",
                rel="noopener",
            ),
        ),
        download,
        direction="column",
        spacing="1",
        min_width="0",
        max_width="100%",
    )


def _message(m, staff_view: bool) -> rx.Component:
    internal = m["internal"].to(bool)
    from_staff = m["author_is_staff"].to(bool)
    background = rx.cond(internal, "var(--amber-3)", rx.cond(from_staff, "var(--accent-2)", "var(--color-panel-solid)"))
    border = rx.cond(
        internal,
        "1px solid var(--amber-7)",
        rx.cond(from_staff, "1px solid var(--accent-5)", "1px solid var(--gray-5)"),
    )
    who = rx.flex(
        rx.text(m["author_name"], size="2", weight="bold"),
        rx.cond(
            internal,
            rx.badge(
                rx.icon("lock", size=11),
                tr("Internal note"),
                color_scheme="amber",
                variant="solid",
                size="1",
                class_name="note-label",
            ),
            rx.cond(
                from_staff,
                rx.badge(
                    tr("Support") if not staff_view else tr("Public reply"),
                    color_scheme="indigo",
                    variant="soft",
                    size="1",
                ),
            ),
        ),
        rx.spacer(),
        time_ago(m["created_rel"], m["created_exact"], size="1"),
        align="center",
        spacing="2",
        wrap="wrap",
        min_width="0",
        flex="1",
    )
    return rx.flex(
        avatar(m["author_initials"], size="2", color=rx.cond(internal, "amber", rx.cond(from_staff, "indigo", "gray"))),
        rx.box(
            who,
            # dir="auto": a message in Arabic or Hebrew lays out right to left by its own first strong letter.
            rx.box(rx.html(m["body_html"]), class_name="message-body", margin_top="6px", custom_attrs={"dir": "auto"}),
            rx.cond(
                m["attachments"].to(list).length() > 0,
                rx.flex(
                    rx.foreach(m["attachments"].to(list[dict]), _attachment),
                    spacing="2",
                    wrap="wrap",
                    margin_top="8px",
                ),
            ),
            flex="1",
            min_width="0",
            padding="12px 14px",
            background=background,
            border=border,
            border_radius="var(--radius-3)",
        ),
        spacing="3",
        align="start",
        class_name=rx.cond(internal, "message message-note", "message message-public"),
        id=f"message-{m['id']}",  # what a summary's line links to
        scroll_margin_top="72px",
    )


def timeline(messages, *, staff_view: bool) -> rx.Component:
    return rx.flex(
        rx.foreach(messages, lambda m: _message(m, staff_view)),
        direction="column",
        spacing="3",
        class_name="timeline",
    )


def _change(entry) -> rx.Component:
    """A change to the ticket (or a rating) between the messages: a quiet line, not a bubble."""
    rating = entry["kind"] == "rating"
    return rx.flex(
        rx.flex(
            rx.cond(rating, rx.icon("star", size=14), rx.icon("history", size=14)),
            align="center",
            justify="center",
            width="32px",
            height="24px",
            flex_shrink="0",
            color=rx.cond(rating, "var(--amber-10)", "var(--gray-10)"),
        ),
        rx.flex(
            rx.flex(
                rx.text(entry["actor_name"], size="1", weight="medium"),
                rx.spacer(),
                time_ago(entry["at_rel"], entry["at_exact"], size="1"),
                align="center",
                spacing="2",
            ),
            rx.foreach(
                entry["lines"].to(list[str]),
                lambda line: rx.text(line, size="1", color_scheme="gray", custom_attrs={"dir": "auto"}),
            ),
            direction="column",
            spacing="1",
            flex="1",
            min_width="0",
            padding="4px 12px",
            border_left="2px solid var(--gray-5)",
        ),
        spacing="3",
        align="start",
        class_name=rx.cond(rating, "timeline-rating", "timeline-change"),
    )


def _call(entry) -> rx.Component:
    """A logged call: its summary as the note it is, under which way it went and how long it took."""
    return rx.flex(
        rx.flex(
            rx.icon("phone", size=13),
            rx.text(entry["call_label"], size="1", weight="medium"),
            align="center",
            spacing="2",
            color="var(--amber-11)",
            padding_left="44px",
        ),
        _message(entry["message"].to(dict[str, Any]), True),
        direction="column",
        spacing="1",
        class_name="timeline-call",
    )


def agent_timeline(entries) -> rx.Component:
    """The staff's timeline: the conversation with the ticket's changes, ratings and calls where they happened."""
    return rx.flex(
        rx.foreach(
            entries,
            lambda entry: rx.match(
                entry["kind"],
                ("change", _change(entry)),
                ("rating", _change(entry)),
                ("call", _call(entry)),
                _message(entry["message"].to(dict[str, Any]), True),
            ),
        ),
        direction="column",
        spacing="3",
        class_name="timeline",
    )
