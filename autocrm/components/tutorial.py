"""A tutorial read one step at a time (`state/tutorial.py`): "Step 2 of 5" with a progress bar, the step's
picture, video or embedded video and its text, Back and Next (also the arrow keys), and the list of steps to
jump to: beside the step on a laptop, folded above it on a phone, where Back and Next stay at the bottom of
the screen within the thumb's reach."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import ComponentStyle

from autocrm.components.i18n import tr
from autocrm.components.panel import panel

# The embedded players run in a frame with no access to this page: scripts for the player itself, its own origin
# for its cookies, full screen; no top navigation, no forms, no pop-ups.
EMBED_SANDBOX = "allow-scripts allow-same-origin allow-presentation"


def _media(step: Any) -> rx.Component:
    return rx.match(
        step["media_type"],
        (
            "image",
            rx.image(
                src=step["src"],
                alt=step["alt"],
                class_name="tutorial-image",
                loading="lazy",
            ),
        ),
        (
            "video",
            rx.el.video(
                src=step["src"],
                controls=True,
                preload="metadata",
                plays_inline=True,
                class_name="tutorial-video",
                aria_label=step["alt"],
            ),
        ),
        (
            "embed",
            rx.box(
                rx.el.iframe(
                    src=step["src"],
                    title=tr("Video for this step"),
                    sandbox=EMBED_SANDBOX,
                    allow="fullscreen; picture-in-picture; encrypted-media",
                    referrer_policy="strict-origin-when-cross-origin",
                    loading="lazy",
                    class_name="tutorial-embed",
                ),
                class_name="tutorial-embed-box",
            ),
        ),
        rx.fragment(),
    )


def _jump(state: Any, row: Any) -> rx.Component:
    current = state.step == row["index"]
    return rx.el.li(
        rx.el.button(
            rx.flex(
                rx.box(
                    row["index"].to(int) + 1,
                    class_name="tutorial-dot",
                    background=rx.cond(current, "var(--accent-9)", "var(--gray-4)"),
                    color=rx.cond(current, "white", "var(--gray-11)"),
                ),
                rx.text(
                    rx.cond(row["title"], row["title"], tr("Step {number}", number=row["index"].to(int) + 1)),
                    size="2",
                    weight=rx.cond(current, "bold", "regular"),
                    text_align="left",
                ),
                align="center",
                spacing="2",
            ),
            type="button",
            on_click=state.go_to_step(row["index"]),
            class_name="tutorial-jump",
            custom_attrs={"aria-current": rx.cond(current, "step", "false")},
        ),
    )


def _step_list(state: Any) -> rx.Component:
    return rx.el.ol(rx.foreach(state.steps, lambda row: _jump(state, row)), class_name="tutorial-steps")


def tutorial_viewer(state: Any) -> rx.Component:
    """The steps of the article `state` holds (a `TutorialViewerMixin` state)."""
    s = state
    step = s.current_step
    header = rx.flex(
        rx.flex(
            rx.text(
                tr("Step {number} of {count}", number=s.step_number, count=s.step_count),
                size="2",
                weight="medium",
                class_name="tutorial-count",
            ),
            rx.cond(
                ~s.at_first,
                rx.button(
                    rx.icon("rotate-ccw", size=13),
                    tr("Start over"),
                    variant="ghost",
                    size="1",
                    on_click=s.start_over,
                    class_name="tutorial-start-over",
                ),
            ),
            justify="between",
            align="center",
            gap="8px",
        ),
        rx.progress(value=s.progress, max=100, size="2", class_name="tutorial-progress", aria_label=tr("Progress")),
        direction="column",
        spacing="2",
    )
    resumed = rx.cond(
        s.resumed,
        rx.callout(
            tr("Welcome back: you are where you left off."),
            icon="bookmark",
            color_scheme="blue",
            size="1",
            class_name="tutorial-resumed",
        ),
    )
    body = rx.box(
        rx.heading(step["label"], as_="h2", size="5", weight="bold", class_name="tutorial-step-title"),
        _media(step),
        rx.cond(step["body_html"], rx.box(rx.html(step["body_html"]), class_name="kb-body")),
        id="tutorial-step",
        class_name="tutorial-step",
        custom_attrs={"dir": "auto", "aria-live": "polite"},
    )
    nav = rx.flex(
        rx.button(
            rx.icon("arrow-left", size=16),
            tr("Back"),
            variant="soft",
            size="3",
            disabled=s.at_first,
            on_click=s.previous_step,
            class_name="tutorial-back",
        ),
        rx.cond(
            s.at_last,
            rx.text(
                tr("That was the last step."),
                size="2",
                color_scheme="gray",
                class_name="tutorial-done",
                display=["none", "none", "block"],
            ),
        ),
        rx.button(
            tr("Next"),
            rx.icon("arrow-right", size=16),
            size="3",
            disabled=s.at_last,
            on_click=s.next_step,
            class_name="tutorial-next",
        ),
        justify="between",
        align="center",
        gap="8px",
        class_name="tutorial-nav",
        # Pinned to the bottom of a phone's screen while the step scrolls.
        position=["sticky", "sticky", "static"],
        bottom="0",
        z_index="2",
        background="var(--color-panel-solid)",
        margin=["0 -14px -16px", "0 -20px -20px", "0"],
        padding=[
            "10px 14px calc(10px + env(safe-area-inset-bottom))",
            "12px 20px calc(12px + env(safe-area-inset-bottom))",
            "12px 0 0",
        ],
    )
    phone_list = rx.el.details(
        rx.el.summary(tr("All steps"), class_name="tutorial-all"),
        _step_list(s),
        class_name="tutorial-list-phone",
        display=["block", "block", "none"],
    )
    return rx.flex(
        rx.box(
            rx.text(tr("Steps"), size="2", weight="bold", color_scheme="gray", class_name="tutorial-list-title"),
            _step_list(s),
            class_name="tutorial-list-side",
            display=["none", "none", "block"],
        ),
        panel(
            rx.flex(header, resumed, phone_list, body, nav, direction="column", spacing="4"),
            padding=["16px 14px", "20px", "24px 28px"],
            flex="1",
            min_width="0",
            class_name="tutorial-main",
        ),
        gap="16px",
        align_items=["stretch", "stretch", "flex-start"],
        flex_direction=["column", "column", "row"],
        class_name="tutorial-viewer",
    )


# The viewer's looks (added to the app's style); what changes with the screen's width is on the components.
TUTORIAL_STYLE: ComponentStyle = {
    ".tutorial-list-side": {"width": "240px", "flex_shrink": "0", "position": "sticky", "top": "72px"},
    ".tutorial-list-title": {"display": "block", "margin": "4px 0 8px 8px"},
    ".tutorial-steps": {"list_style": "none", "margin": "0", "padding": "0", "display": "grid", "gap": "2px"},
    ".tutorial-jump": {
        "width": "100%",
        "background": "none",
        "border": "0",
        "border_radius": "var(--radius-2)",
        "padding": "8px",
        "min_height": "44px",
        "cursor": "pointer",
        "color": "inherit",
        "font": "inherit",
    },
    ".tutorial-jump:hover": {"background": "var(--gray-3)"},
    ".tutorial-jump:focus-visible": {"outline": "2px solid var(--accent-8)", "outline_offset": "1px"},
    ".tutorial-dot": {
        "width": "24px",
        "height": "24px",
        "border_radius": "50%",
        "display": "flex",
        "align_items": "center",
        "justify_content": "center",
        "font_size": "12px",
        "font_weight": "600",
        "flex_shrink": "0",
    },
    ".tutorial-list-phone summary": {"cursor": "pointer", "padding": "6px 0", "font_weight": "500"},
    ".tutorial-list-phone[open] summary": {"margin_bottom": "4px"},
    ".tutorial-step": {"display": "flex", "flex_direction": "column", "gap": "14px", "scroll_margin_top": "72px"},
    ".tutorial-step-title": {"overflow_wrap": "anywhere"},
    # Never wider than the step (a screenshot shrinks to a phone), never blown up past its own size.
    ".tutorial-image": {
        "display": "block",
        "width": "auto",
        "height": "auto",
        "max_width": "100%",
        "max_height": "70vh",
        "object_fit": "contain",
        "align_self": "center",
        "border_radius": "var(--radius-2)",
        "border": "1px solid var(--gray-5)",
    },
    ".tutorial-video": {
        "width": "100%",
        "max_height": "70vh",
        "border_radius": "var(--radius-2)",
        "background": "black",
    },
    ".tutorial-embed-box": {"position": "relative", "width": "100%", "aspect_ratio": "16 / 9"},
    ".tutorial-embed": {
        "position": "absolute",
        "inset": "0",
        "width": "100%",
        "height": "100%",
        "border": "0",
        "border_radius": "var(--radius-2)",
        "background": "var(--gray-3)",
    },
    ".tutorial-nav": {"border_top": "1px solid var(--gray-4)"},
    # The editor's preview of a step's uploaded file.
    ".kb-step-preview": {
        "max_width": "100%",
        "max_height": "220px",
        "width": "auto",
        "object_fit": "contain",
        "border_radius": "var(--radius-2)",
        "border": "1px solid var(--gray-5)",
        "align_self": "flex-start",
    },
    ".tutorial-nav button": {"min_width": "104px"},
}
