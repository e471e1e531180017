"""The Reflex app: the UI pages, with the REST API served by the same backend."""

import reflex as rx
from reflex_base.components.component import ComponentStyle

from autocrm.api import wrap_reflex
from autocrm.components.editor import EDITOR_STYLE
from autocrm.components.tutorial import TUTORIAL_STYLE
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
    # Knowledge-base articles (sanitized HTML) and the search snippets' marked words.
    ".kb-body": {"font_size": "var(--font-size-3)", "line_height": "1.7", "overflow_wrap": "anywhere"},
    ".kb-body h1, .kb-body h2, .kb-body h3, .kb-body h4": {
        "line_height": "1.3",
        "margin": "1.4em 0 0.5em",
        "font_weight": "600",
    },
    ".kb-body h2": {"font_size": "var(--font-size-5)"},
    ".kb-body h3": {"font_size": "var(--font-size-4)"},
    ".kb-body > :first-child": {"margin_top": "0"},
    ".kb-body p, .kb-body ul, .kb-body ol": {"margin": "0 0 0.9em"},
    ".kb-body ul, .kb-body ol": {"padding_left": "1.4em"},
    ".kb-body ul": {"list_style": "disc"},
    ".kb-body ol": {"list_style": "decimal"},
    ".kb-body li": {"margin": "0.2em 0"},
    ".kb-body a": {"color": "var(--accent-11)"},
    ".kb-body img": {"max_width": "100%", "height": "auto"},
    ".kb-body code": {"background": "var(--gray-3)", "padding": "0 4px", "border_radius": "4px"},
    ".kb-body pre": {"background": "var(--gray-3)", "padding": "10px", "border_radius": "6px", "overflow_x": "auto"},
    ".kb-body pre code": {"padding": "0", "background": "none"},
    ".kb-body table": {"border_collapse": "collapse", "display": "block", "overflow_x": "auto"},
    ".kb-body th, .kb-body td": {"border": "1px solid var(--gray-6)", "padding": "4px 8px"},
    ".kb-body blockquote": {"border_left": "3px solid var(--gray-6)", "margin": "0.8em 0", "padding_left": "12px"},
    ".kb-snippet mark": {
        "background": "var(--amber-4)",
        "color": "inherit",
        "border_radius": "2px",
        "padding": "0 1px",
    },
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
    **EDITOR_STYLE,
    **TUTORIAL_STYLE,
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
# Who is on which ticket reaches the staff screens the same way, and the handling time it adds up is written.
app.register_lifespan_task(live.follow_presence)
