"""The one composer: every reply, internal note and new request is written here, in the rich-text editor
(`components/editor.py`). A form around a message body, an optional toolbar and fields above it, the body's
inline error, and the send button; a closed conversation locks it and says why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from autocrm.components.editor import rich_editor
from autocrm.components.forms import field, field_error
from autocrm.components.panel import panel


def composer(
    *,
    form_id: str,
    on_submit: Any,
    body_id: str,
    label: Any,
    placeholder: Any,
    submit_label: Any,
    submit_icon: rx.Component,
    submit_class: str,
    error: Any = "",
    label_visible: bool = False,
    rows: str = "5",
    toolbar: rx.Component | None = None,
    fields: Sequence[rx.Component] = (),
    actions: Sequence[rx.Component] = (),
    submit_color: Any = "indigo",
    body_background: Any = "var(--color-surface)",
    rule: Any = None,
    ready: Any = True,
    locked: Any = False,
    locked_notice: rx.Component | None = None,
    attachments: rx.Component | None = None,
    on_body_change: Any = None,
    below_body: rx.Component | None = None,
    language: Any = None,
    mentions: Any = None,
    mentions_on: Any = False,
    image_url: Any = "",
) -> rx.Component:
    """`label` names the body (shown above it with `label_visible`, else to screen readers only); `fields` come
    before it, `attachments` (the file picker) and `below_body` (articles that may answer it) after it, `actions`
    (a cancel link) before the send button; `on_body_change` hears the body as it is typed; `language` (a BCP 47
    tag) is what the browser's own spell-check reads the body in; `mentions` (teammates: id and name) are offered
    after "@" while `mentions_on`; pasted or dropped images go to `image_url` (no images without one).
    While not `ready` (the page is still loading) the button waits. While `locked` (a closed conversation) the
    composer shows only `locked_notice`, which says why nothing can be written and what to do instead."""
    body = rich_editor(
        element_id=body_id,
        label=label,
        placeholder=placeholder,
        language=language,
        invalid=rx.cond(error, True, False),
        background=body_background,
        mentions=mentions,
        mentions_on=mentions_on,
        image_url=image_url,
        rows=rows,
        on_change=on_body_change,
    )
    send = rx.flex(
        *actions,
        rx.button(
            submit_icon,
            submit_label,
            type="submit",
            color_scheme=submit_color,
            disabled=~rx.Var.create(ready).to(bool),
            class_name=submit_class,
        ),
        spacing="3",
        justify="end",
    )
    writing = rx.fragment(
        toolbar or rx.fragment(),
        *fields,
        field(label, body, error=error, html_for=body_id) if label_visible else body,
        rx.fragment() if label_visible else field_error(error),
        attachments or rx.fragment(),
        below_body or rx.fragment(),
        send,
    )
    return panel(
        rx.form(
            rx.flex(
                rx.cond(locked, locked_notice, writing) if locked_notice is not None else writing,
                direction="column",
                spacing="3",
            ),
            on_submit=on_submit,
            reset_on_submit=False,
            id=form_id,
        ),
        padding=["12px", "16px", "16px"],
        class_name="composer",
        **({"border_top": rx.cond(locked, "1px solid var(--gray-5)", rule)} if rule is not None else {}),
    )


def closed_notice(title: str, text: str, action: rx.Component) -> rx.Component:
    """What a locked composer shows: why nothing can be written here, and the way on."""
    return rx.flex(
        rx.flex(
            rx.icon("lock", size=16),
            align="center",
            justify="center",
            width="32px",
            height="32px",
            border_radius="50%",
            background="var(--gray-3)",
            color="var(--gray-11)",
            flex_shrink="0",
        ),
        rx.flex(
            rx.text(title, size="2", weight="medium"),
            rx.text(text, size="2", color_scheme="gray"),
            direction="column",
            spacing="1",
            flex="1",
            min_width="200px",
        ),
        action,
        align="center",
        spacing="3",
        wrap="wrap",
        class_name="closed-notice",
    )
