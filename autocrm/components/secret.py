"""A secret shown once, right after it was made (an API key, a webhook's signing secret): the warning, the
value in a box it can be selected from, a copy button and Done."""

from __future__ import annotations

import reflex as rx

from autocrm.components.i18n import tr

MONO = "var(--code-font-family, ui-monospace, SFMono-Regular, Menlo, monospace)"  # keys, secrets, URLs


def shown_once(
    secret: rx.Var | str, *, warning: str, copy_label: str, copied: str, value_class: str, copy_class: str
) -> rx.Component:
    return rx.flex(
        rx.callout(warning, icon="triangle-alert", color_scheme="amber", size="1"),
        rx.box(
            rx.text(secret, font_family=MONO, size="2", word_break="break-all", class_name=value_class),
            padding="10px 12px",
            border="1px solid var(--gray-6)",
            border_radius="var(--radius-2)",
            background="var(--gray-2)",
        ),
        rx.flex(
            rx.button(
                rx.icon("copy", size=14),
                copy_label,
                variant="soft",
                on_click=[rx.set_clipboard(secret), rx.toast.success(copied)],
                class_name=copy_class,
            ),
            rx.dialog.close(rx.button(tr("Done"), class_name="secret-done")),
            spacing="3",
            justify="end",
        ),
        direction="column",
        spacing="4",
    )
