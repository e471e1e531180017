"""The one confirmation dialog of the admin pages, bound to a state with `state.confirm.ConfirmMixin`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm.components.i18n import tr


def _color(danger: bool | rx.Var) -> str | rx.Var:
    if isinstance(danger, rx.Var):
        return rx.cond(danger, "red", "indigo")
    return "red" if danger else "indigo"


def confirm_dialog(
    state: Any,
    *,
    description: str | rx.Var,
    confirm_label: str | rx.Var,
    on_confirm: Any,
    class_name: str,
    danger: bool | rx.Var = True,
) -> rx.Component:
    """Asks `state.pending["title"]`, explains with `description`; the button runs `on_confirm`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(state.pending["title"].to(str), overflow_wrap="anywhere"),
            rx.alert_dialog.description(description, size="2", color_scheme="gray"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        confirm_label,
                        color_scheme=_color(danger),
                        on_click=on_confirm,
                        class_name=class_name,
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
            class_name="confirm-dialog",
        ),
        open=state.confirming,
        on_open_change=state.cancel_pending,
    )
