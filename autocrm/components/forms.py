"""Form building blocks: a labelled field with its inline error, and the form-level error callout."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.i18n import text_of


def field_error(message) -> rx.Component:
    return rx.cond(
        message,
        rx.text(
            rx.icon("circle-alert", size=14, flex_shrink="0"),
            message,
            size="2",
            color_scheme="red",
            display="flex",
            align_items="center",
            gap="6px",
            class_name="field-error",
            custom_attrs={"role": "alert"},
        ),
    )


def has_error(errors: Any, name: str) -> rx.Var:
    """Whether the form's `errors` (a dict var) hold a message for the input `name`."""
    return rx.Var.create(errors).to(dict).contains(name)


def invalid(errors: Any, name: str) -> rx.Var:
    """`aria-invalid` for the input `name` while the form's `errors` hold a message for it: the app's style
    outlines it in red, and screen readers say so."""
    return rx.cond(has_error(errors, name), "true", "false")


def field(
    label: str, control: rx.Component, *, error=None, hint: str | None = None, html_for: str | None = None
) -> rx.Component:
    """A label, its control, then either the inline error or a hint."""
    below: list[rx.Component] = []
    hint_text = rx.text(hint, size="1", color_scheme="gray") if hint is not None else None
    if error is not None:
        below.append(rx.cond(error, field_error(error), hint_text or rx.fragment()))
    elif hint_text is not None:
        below.append(hint_text)
    return rx.flex(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=html_for),
        control,
        *below,
        direction="column",
        gap="6px",
        width="100%",
    )


def form_callout(message, color: str = "red", icon: str = "circle-alert") -> rx.Component:
    return rx.cond(
        message,
        rx.callout(message, icon=icon, color_scheme=color, size="1", width="100%", custom_attrs={"role": "alert"}),
    )


def empty_state(icon: str, title: str, text, *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.icon(icon, size=22),
            align="center",
            justify="center",
            width="44px",
            height="44px",
            border_radius="50%",
            background="var(--accent-3)",
            color="var(--accent-11)",
        ),
        rx.heading(text_of(title), size="3", weight="medium", text_align="center"),
        rx.text(text_of(text), size="2", color_scheme="gray", text_align="center", max_width="420px"),
        rx.flex(*actions, spacing="2", margin_top="8px", wrap="wrap", justify="center") if actions else rx.fragment(),
        direction="column",
        align="center",
        spacing="2",
        padding="48px 16px",
        width="100%",
        class_name="empty-state",
    )


def skeleton_rows(count: int = 6, height: str = "44px") -> rx.Component:
    return rx.flex(
        *[rx.skeleton(rx.box(height=height, width="100%"), loading=True) for _ in range(count)],
        direction="column",
        spacing="2",
        width="100%",
    )
