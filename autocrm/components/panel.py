"""The one surface lists, forms and side boxes sit on: a bordered panel on the page's background."""

from __future__ import annotations

from typing import Any

import reflex as rx


def panel(*children: rx.Component, dashed: bool = False, **props: Any) -> rx.Component:
    """A panel. `dashed` marks the place of an empty list; padding, a colored `border_top` (a composer's mode)
    and the rest pass through. Without padding of its own, a list or a table inside fills it edge to edge."""
    return rx.box(
        *children,
        border=f"1px {'dashed var(--gray-6)' if dashed else 'solid var(--gray-5)'}",
        border_radius="var(--radius-3)",
        background="var(--color-panel-solid)",
        **{"overflow": "clip", **props},
    )
