"""The Reflex app: the UI pages, with the REST API served by the same backend."""

import reflex as rx
from reflex_base.components.component import ComponentStyle

from autocrm.api import wrap_reflex
from autocrm.core.i18n import default_locale
from autocrm.pages import PAGES
from autocrm.state import live
from autocrm.state.locale import LocaleMiddleware

STYLE: ComponentStyle = {
    "font_family": "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "::selection": {"background": "var(--accent-5)"},
    ".message-body": {
        "font_size": "var(--font-size-2)",
        "line_height": "1.6",
        "color": "var(--gray-12)",
        "overflow_wrap": "anywhere",
    },
    ".message-body p": {"margin": "0 0 0.6em"},
    ".message-body p:last-child": {"margin_bottom": "0"},
    ".message-body a": {"color": "var(--accent-11)"},
    ".message-body blockquote": {
        "border_left": "3px solid var(--gray-6)",
        "margin": "0.5em 0",
        "padding_left": "10px",
        "color": "var(--gray-11)",
    },
    ".message-body pre": {
        "white_space": "pre-wrap",
        "background": "var(--gray-3)",
        "padding": "8px",
        "border_radius": "6px",
    },
    ".message-body img": {"max_width": "100%"},
    ".queue-row td": {"vertical_align": "middle"},
    # Rows someone else changed since the agent looked: a tinted row with an accent edge until opened.
    ".queue-row-fresh td": {"background": "var(--accent-2)"},
    ".queue-row-fresh td:first-child": {"box_shadow": "inset 3px 0 0 var(--accent-9)"},
    ".queue-card-fresh": {"background": "var(--accent-2)", "box_shadow": "inset 3px 0 0 var(--accent-9)"},
    # The queue scrolls inside its card under a fixed header, so the filters and the pager stay in view.
    ".queue-table, .queue-table .rt-ScrollAreaRoot, .queue-table .rt-ScrollAreaViewport": {
        "max_height": "max(280px, calc(100vh - 186px))",
    },
    ".queue-table thead th": {
        "position": "sticky",
        "top": "0",
        "z_index": "1",
        "background": "var(--gray-2)",
    },
    # Inputs the server refused: a red outline next to the inline message.
    ".rt-TextFieldRoot:has(input[aria-invalid='true']), .rt-TextAreaRoot:has(textarea[aria-invalid='true'])": {
        "box_shadow": "inset 0 0 0 1px var(--red-8)",
    },
    ":focus-visible": {"outline": "2px solid var(--accent-8)", "outline_offset": "2px"},
}

app = rx.App(
    style=STYLE,
    api_transformer=wrap_reflex,
    # What the prerendered page says before hydration; each page's `document_language` then follows the tab.
    html_lang=default_locale(),
    head_components=[rx.el.meta(name="theme-color", content="#3e63dd")],
)

# First, before Reflex's own hydration: every event, hydration included, runs in the tab's language.
app.add_middleware(LocaleMiddleware(), index=0)

for render, options in PAGES:
    app.add_page(render, **options)

# Ticket changes from any source reach the open pages without a reload (one feed reader per process).
app.register_lifespan_task(live.follow_the_feed)
