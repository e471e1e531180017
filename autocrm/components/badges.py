"""Status and priority badges (the same colors on every screen), relative times, avatars."""

from __future__ import annotations

import reflex as rx

from autocrm.components.i18n import tr
from autocrm.state.roles import ROLE_LABELS

# By status *category*, so a desk's own statuses get the color of what they mean.
STATUS_COLORS = {
    "new": "cyan",
    "open": "amber",
    "pending": "violet",
    "on_hold": "gray",
    "solved": "grass",
    "closed": "gray",
}
PRIORITY_COLORS = {"low": "gray", "normal": "blue", "high": "orange", "urgent": "red"}
PRIORITY_ICONS = {"low": "chevron-down", "normal": "equal", "high": "chevron-up", "urgent": "chevrons-up"}
ROLE_COLORS = {"admin": "crimson", "agent": "indigo", "customer": "gray"}


def _match(value, table: dict[str, str], default: str):
    return rx.match(value, *((key, color) for key, color in table.items()), default)


def status_badge(category, name, size: str = "1") -> rx.Component:
    return rx.badge(
        rx.box(width="6px", height="6px", border_radius="50%", background="currentColor", flex_shrink="0"),
        tr(name),
        color_scheme=_match(category, STATUS_COLORS, "gray"),
        variant="soft",
        radius="full",
        size=size,
        white_space="nowrap",
        class_name="status-badge",
    )


def priority_badge(key, name, size: str = "1") -> rx.Component:
    return rx.badge(
        rx.match(
            key,
            *((k, rx.icon(icon, size=12)) for k, icon in PRIORITY_ICONS.items()),
            rx.icon("equal", size=12),
        ),
        tr(name),
        color_scheme=_match(key, PRIORITY_COLORS, "gray"),
        variant="surface",
        size=size,
        white_space="nowrap",
        class_name="priority-badge",
    )


def role_badge(role) -> rx.Component:
    label = rx.match(role, *((key, tr(name)) for key, name in ROLE_LABELS.items()), role)
    return rx.badge(label, color_scheme=_match(role, ROLE_COLORS, "gray"), variant="soft")


def time_ago(relative, exact, **props) -> rx.Component:
    """Relative time with the exact time on hover (and to screen readers)."""
    return rx.tooltip(
        rx.text(
            relative,
            as_="span",
            size=props.pop("size", "2"),
            color_scheme="gray",
            white_space="nowrap",
            custom_attrs={"aria-label": exact},
            **props,
        ),
        content=exact,
    )


def avatar(initials, size: str = "2", color: str = "indigo", **props) -> rx.Component:
    return rx.avatar(fallback=initials, size=size, radius="full", variant="soft", color_scheme=color, **props)
