"""A ticket page's heading, the same on the agent's page and the customer's: the subject, then a line of facts
(number, status, ...), ending with the ticket it follows up when there is one."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.i18n import tr


def ticket_header(
    ticket: Any, *, facts: list[rx.Component], follow_up_text: str, ticket_href: str, heading_size: str = "5"
) -> rx.Component:
    """`ticket` is a ticket row var (`state.format`'s keys); `ticket_href` + id links the ticket it follows up;
    `follow_up_text` is a msgid with a `{number}` placeholder."""
    return rx.flex(
        rx.heading(
            ticket["subject"],
            size=heading_size,
            weight="bold",
            class_name="ticket-heading",
            custom_attrs={"dir": "auto"},
        ),
        rx.flex(
            *facts,
            rx.cond(
                ticket["follow_up_of_id"].to(int) > 0,
                rx.link(
                    rx.icon("git-branch", size=13),
                    tr(follow_up_text, number=ticket["follow_up_of_number"].to_string()),
                    href=ticket_href + ticket["follow_up_of_id"].to_string(),
                    size="2",
                    display="inline-flex",
                    align_items="center",
                    gap="4px",
                    class_name="follows-up",
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        direction="column",
        spacing="2",
    )
