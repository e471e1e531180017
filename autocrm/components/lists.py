"""One responsive list: a table on a laptop, cards on a phone. The queue and the people admin use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from autocrm.components.i18n import text_of, tr
from autocrm.components.panel import panel
from autocrm.core.i18n import N_

# Radix breakpoints: phones and small tablets get cards, from `md` (1024 px) up a table.
ON_LAPTOP = ["none", "none", "block"]
ON_PHONE = ["block", "block", "none"]

Render = Callable[[Any], rx.Component]


@dataclass(frozen=True)
class Column:
    """A table column: its header (text, or a control such as a sort toggle), what a row shows in it, its width
    (None takes what the others leave), style for its cells, and `shown` (a bool Var) when people may hide it."""

    header: str | rx.Component
    cell: Render
    width: str | None = None
    cell_props: dict[str, Any] = field(default_factory=dict)
    shown: Any = None


def _when_shown(column: Column, cell: rx.Component) -> rx.Component:
    return cell if column.shown is None else rx.cond(column.shown, cell)


def responsive_list(
    rows: Any,
    *,
    columns: list[Column],
    card: Render,
    row_props: Callable[[Any], dict[str, Any]] | None = None,
    row_class: str | Callable[[Any], Any] = "",
    table_class: str = "",
    phone_rows: Any = None,
    phone_footer: rx.Component | None = None,
) -> rx.Component:
    """`rows` as a table from `md` up and as `card`s below. A phone may show fewer (`phone_rows`, with a
    `phone_footer` to show more): a page of fifty full cards is a long scroll on a small screen."""
    table = panel(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *(
                        _when_shown(
                            c,
                            rx.table.column_header_cell(text_of(c.header), **({"width": c.width} if c.width else {})),
                        )
                        for c in columns
                    )
                )
            ),
            rx.table.body(
                rx.foreach(
                    rows,
                    lambda row: rx.table.row(
                        *(_when_shown(c, rx.table.cell(c.cell(row), **c.cell_props)) for c in columns),
                        align="center",
                        class_name=row_class(row) if callable(row_class) else row_class,
                        **(row_props(row) if row_props else {}),
                    ),
                )
            ),
            size="1",
            variant="ghost",
            width="100%",
            table_layout="fixed",
            class_name=table_class,
        ),
        display=ON_LAPTOP,
    )
    cards = rx.box(
        panel(rx.foreach(rows if phone_rows is None else phone_rows, card)),
        phone_footer or rx.fragment(),
        display=ON_PHONE,
    )
    return rx.fragment(table, cards)


def page_buttons(*, has_prev: Any, has_next: Any, on_prev: Any, on_next: Any) -> list[rx.Component]:
    """Previous and next page, each disabled at its end of the list."""
    return [
        rx.icon_button(
            rx.icon(icon, size=16),
            variant="soft",
            color_scheme="gray",
            size="2",
            disabled=~enabled,
            on_click=handler,
            aria_label=tr(label),
        )
        for icon, enabled, handler, label in (
            ("chevron-left", has_prev, on_prev, N_("Previous page")),
            ("chevron-right", has_next, on_next, N_("Next page")),
        )
    ]
