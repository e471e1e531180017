"""A coloured line diff (a macro's versions, an article's): removed lines red with a minus and struck through,
added lines green with a plus, elided stretches as a grey "⋯", context grey. The colour says it to the eye;
screen readers hear "Added" or "Removed". Lines wrap, so a phone shows all of a long line."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.i18n import tr

# A line's `kind` as the services give it (`difflib` turned into rows): added, removed, hunk, or anything else.
_STYLE = {
    "added": {"background": "var(--grass-3)", "color": "var(--grass-12)", "border_left": "3px solid var(--grass-9)"},
    "removed": {"background": "var(--red-3)", "color": "var(--red-12)", "border_left": "3px solid var(--red-9)"},
    "hunk": {"background": "var(--gray-3)", "color": "var(--gray-10)", "border_left": "3px solid var(--gray-6)"},
}
_CONTEXT = {"background": "transparent", "color": "var(--gray-11)", "border_left": "3px solid transparent"}


def screen_reader_only(text: Any) -> rx.Component:
    return rx.el.span(
        text,
        position="absolute",
        width="1px",
        height="1px",
        overflow="hidden",
        clip="rect(0 0 0 0)",
        white_space="nowrap",
    )


def diff_line(row: Any, *, class_prefix: str = "diff") -> rx.Component:
    """One row `{"kind", "text"}`; its class is `<prefix>-line <prefix>-<kind>`, for tests and the page's CSS."""
    kind = row["kind"].to(str)

    def styled(prop: str) -> Any:
        return rx.match(kind, *[(name, style[prop]) for name, style in _STYLE.items()], _CONTEXT[prop])

    return rx.flex(
        rx.text(
            rx.match(kind, ("added", "+"), ("removed", "−"), ("hunk", "⋯"), " "),
            as_="span",
            width="14px",
            flex_shrink="0",
            weight="bold",
            custom_attrs={"aria-hidden": "true"},
        ),
        rx.match(
            kind,
            ("added", screen_reader_only(tr("Added:"))),
            ("removed", screen_reader_only(tr("Removed:"))),
            rx.fragment(),
        ),
        rx.text(
            row["text"],
            as_="span",
            flex="1",
            min_width="0",
            white_space="pre-wrap",
            overflow_wrap="anywhere",
            text_decoration=rx.cond(kind == "removed", "line-through", "none"),
            style={"text-decoration-color": "var(--red-8)"},
        ),
        gap="6px",
        padding="3px 10px",
        font_family="var(--code-font-family, ui-monospace, monospace)",
        font_size="13px",
        line_height="1.5",
        position="relative",
        background=styled("background"),
        color=styled("color"),
        border_left=styled("border_left"),
        class_name=rx.Var.create(f"{class_prefix}-line {class_prefix}-") + kind,
    )


def diff_box(*children: rx.Component, class_name: str = "") -> rx.Component:
    """The frame around a diff's lines."""
    return rx.box(
        *children,
        border="1px solid var(--gray-5)",
        border_radius="var(--radius-2)",
        overflow="hidden",
        class_name=class_name,
    )
