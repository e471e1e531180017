"""The rich-text editor every composer writes in: Tiptap, in a small React module of ours
(`tiptap_editor.jsx`, beside this file), loaded only in the browser and only on pages that use it.

The editor keeps its HTML in a hidden input named like the field, so the form's submit carries the body as
before; the server sanitizes it (`services/content.py`). It has a small toolbar (bold, italic, lists, link,
image, code, quote; Tiptap's keyboard shortcuts work too) with translated labels, the browser's spell-check
in the composer's `lang`, @mentions of teammates (`mentions`: id and name only) while `mentions_on`, and
pasted, dropped or picked images POSTed to `image_url` (none without it). States fill or read it by its
element id through `window.autocrmEditor` (`state/editor.py`)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.components.component import ComponentStyle
from reflex_base.event import EventHandler, passthrough_event_spec

from autocrm.components.i18n import tr

_PINNED = "3.35.0"


class RichEditor(rx.NoSSRComponent):
    library = rx.asset("tiptap_editor.jsx", shared=True).importable_path
    tag = "RichEditor"
    lib_dependencies: list[str] = [  # noqa: RUF012 (Reflex reads the class attribute)
        f"@tiptap/core@{_PINNED}",
        f"@tiptap/pm@{_PINNED}",
        f"@tiptap/react@{_PINNED}",
        f"@tiptap/starter-kit@{_PINNED}",
        f"@tiptap/extensions@{_PINNED}",
        f"@tiptap/extension-image@{_PINNED}",
        f"@tiptap/extension-mention@{_PINNED}",
        f"@tiptap/suggestion@{_PINNED}",
    ]

    element_id: rx.Var[str]
    name: rx.Var[str]
    placeholder: rx.Var[str]
    aria_label: rx.Var[str]
    lang: rx.Var[str]
    invalid: rx.Var[bool]
    background: rx.Var[str]
    mentions: rx.Var[list[dict[str, Any]]]
    mentions_on: rx.Var[bool]
    image_url: rx.Var[str]
    labels: rx.Var[dict[str, str]]
    min_height: rx.Var[str]
    initial_html: rx.Var[str]
    headings: rx.Var[bool]
    on_text_change: EventHandler[passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]


def editor_labels() -> dict[str, Any]:
    """The toolbar's and the editor's words, in the reader's language."""
    return {
        "toolbar": tr("Formatting"),
        "heading": tr("Section heading"),
        "bold": tr("Bold (Ctrl+B)"),
        "italic": tr("Italic (Ctrl+I)"),
        "bullets": tr("Bulleted list"),
        "numbers": tr("Numbered list"),
        "link": tr("Link"),
        "linkAddress": tr("Link address"),
        "linkApply": tr("Add link"),
        "cancel": tr("Cancel"),
        "image": tr("Insert an image"),
        "code": tr("Code"),
        "quote": tr("Quote"),
        "uploading": tr("Uploading the image…"),
        "uploadFailed": tr("The image could not be uploaded. Try again, or attach it as a file."),
        "noImages": tr("Images can be added once the request is sent: attach them as files meanwhile."),
        "mentionList": tr("Teammates to mention"),
        "noMatch": tr("No teammate by that name"),
    }


def rich_editor(
    *,
    element_id: str,
    label: Any,
    placeholder: Any,
    name: str = "body",
    language: Any = None,
    invalid: Any = False,
    background: Any = "",
    mentions: Any = None,
    mentions_on: Any = False,
    image_url: Any = "",
    rows: str = "5",
    on_change: Any = None,
    initial_html: Any = "",
    key: Any = None,
    headings: bool = False,
) -> rx.Component:
    props: dict[str, Any] = {
        "element_id": element_id,
        "name": name,
        "placeholder": placeholder,
        "aria_label": label,
        "lang": "" if language is None else language,
        "invalid": invalid,
        "background": background,
        "mentions": [] if mentions is None else mentions,
        "mentions_on": mentions_on,
        "image_url": image_url,
        "labels": editor_labels(),
        "min_height": f"{int(rows) * 24 + 16}px",
        "initial_html": initial_html,  # read once, when it mounts: give a `key` to open it on another text
        "headings": headings,  # a section heading button (articles: headings split them into passages)
    }
    if key is not None:
        props["key"] = key
    if on_change is not None:
        props["on_text_change"] = on_change
    return RichEditor.create(**props)


EDITOR_STYLE: ComponentStyle = {
    ".rich-editor": {
        "border": "1px solid var(--gray-a7)",
        "border_radius": "var(--radius-2)",
        "background": "var(--editor-bg, var(--color-surface))",
        "width": "100%",
        "min_width": "0",
    },
    ".rich-editor:focus-within": {"box_shadow": "0 0 0 1px var(--accent-8)", "border_color": "var(--accent-8)"},
    ".rich-editor.is-invalid": {"box_shadow": "inset 0 0 0 1px var(--red-8)", "border_color": "var(--red-8)"},
    ".editor-toolbar": {
        "display": "flex",
        "flex_wrap": "wrap",
        "align_items": "center",
        "gap": "2px",
        "padding": "4px 6px",
        "border_bottom": "1px solid var(--gray-a5)",
    },
    ".editor-tool": {
        "display": "inline-flex",
        "align_items": "center",
        "justify_content": "center",
        "width": "30px",
        "height": "28px",
        "border": "none",
        "border_radius": "var(--radius-1)",
        "background": "transparent",
        "color": "var(--gray-11)",
        "cursor": "pointer",
    },
    ".editor-tool:hover": {"background": "var(--gray-a3)", "color": "var(--gray-12)"},
    ".editor-tool.is-active": {"background": "var(--accent-a4)", "color": "var(--accent-11)"},
    ".editor-tool-gap": {"width": "1px", "height": "18px", "background": "var(--gray-a5)", "margin": "0 4px"},
    ".editor-busy": {"font_size": "var(--font-size-1)", "color": "var(--gray-11)", "margin_left": "8px"},
    ".editor-link-row": {
        "display": "flex",
        "gap": "6px",
        "padding": "6px",
        "border_bottom": "1px solid var(--gray-a5)",
        "flex_wrap": "wrap",
    },
    ".editor-link-input": {
        "flex": "1",
        "min_width": "160px",
        "height": "28px",
        "padding": "0 8px",
        "border": "1px solid var(--gray-a7)",
        "border_radius": "var(--radius-1)",
        "background": "var(--color-surface)",
        "color": "var(--gray-12)",
        "font_size": "var(--font-size-2)",
    },
    ".editor-link-apply, .editor-link-cancel": {
        "height": "28px",
        "padding": "0 10px",
        "border": "none",
        "border_radius": "var(--radius-1)",
        "font_size": "var(--font-size-2)",
        "cursor": "pointer",
    },
    ".editor-link-apply": {"background": "var(--accent-9)", "color": "var(--accent-contrast)"},
    ".editor-link-cancel": {"background": "var(--gray-a3)", "color": "var(--gray-12)"},
    ".rich-editor-content": {"display": "flex", "flex_direction": "column"},
    ".rich-editor-body": {
        "flex": "1",
        "min_height": "inherit",
        "padding": "8px 12px",
        "font_size": "var(--font-size-2)",
        "line_height": "1.6",
        "color": "var(--gray-12)",
        "outline": "none",
        "overflow_wrap": "anywhere",
        "max_height": "50vh",
        "overflow_y": "auto",
    },
    ".rich-editor-body:focus-visible": {"outline": "none"},
    ".rich-editor-body p": {"margin": "0 0 0.5em"},
    ".rich-editor-body p:last-child": {"margin_bottom": "0"},
    ".rich-editor-body ul, .rich-editor-body ol, .message-body ul, .message-body ol": {
        "padding_left": "1.4em",
        "margin": "0 0 0.5em",
    },
    ".rich-editor-body ul, .message-body ul": {"list_style": "disc"},
    ".rich-editor-body ol, .message-body ol": {"list_style": "decimal"},
    ".rich-editor-body a": {"color": "var(--accent-11)", "text_decoration": "underline"},
    ".rich-editor-body blockquote": {
        "border_left": "3px solid var(--gray-6)",
        "margin": "0.4em 0",
        "padding_left": "10px",
        "color": "var(--gray-11)",
    },
    ".rich-editor-body code, .message-body code": {
        "background": "var(--gray-a3)",
        "padding": "0 4px",
        "border_radius": "4px",
        "font_family": "var(--code-font-family)",
        "font_size": "0.92em",
    },
    ".rich-editor-body pre, .message-body pre code": {"background": "var(--gray-a3)", "padding": "8px"},
    ".rich-editor-body img": {"max_width": "100%", "height": "auto", "border_radius": "6px"},
    ".rich-editor-body img.ProseMirror-selectednode": {"outline": "2px solid var(--accent-8)"},
    ".rich-editor-body p.is-editor-empty:first-child::before": {
        "content": "attr(data-placeholder)",
        "color": "var(--gray-a9)",
        "float": "left",
        "height": "0",
        "pointer_events": "none",
    },
    ".mention, .message-body span[data-type='mention']": {
        "color": "var(--accent-11)",
        "background": "var(--accent-a3)",
        "border_radius": "4px",
        "padding": "0 2px",
        "font_weight": "500",
    },
    ".mention-popup": {
        "position": "fixed",
        "z_index": "60",
        "min_width": "200px",
        "max_width": "240px",
        "padding": "4px",
        "background": "var(--color-panel-solid)",
        "border": "1px solid var(--gray-a6)",
        "border_radius": "var(--radius-3)",
        "box_shadow": "var(--shadow-4)",
        "display": "flex",
        "flex_direction": "column",
    },
    ".mention-option": {
        "text_align": "left",
        "padding": "6px 8px",
        "border": "none",
        "border_radius": "var(--radius-2)",
        "background": "transparent",
        "color": "var(--gray-12)",
        "font_size": "var(--font-size-2)",
        "cursor": "pointer",
    },
    ".mention-option[aria-selected='true'], .mention-option:hover": {"background": "var(--accent-a4)"},
    ".mention-empty": {"padding": "6px 8px", "color": "var(--gray-11)", "font_size": "var(--font-size-2)"},
    ".editor-problem": {
        "padding": "6px 12px",
        "color": "var(--red-11)",
        "font_size": "var(--font-size-2)",
        "border_top": "1px solid var(--gray-a5)",
    },
}
