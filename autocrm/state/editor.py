"""What states do with a composer's rich-text editor in the browser (`components/editor.py`): fill it with
HTML (a macro, an AI draft), add to its end (an article's link), or read its plain text (the spelling check,
the AI rewrite). The editor is reached by its element id through `window.autocrmEditor`."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from autocrm.services.content import text_to_html


def _call(method: str, element_id: str, *args: str) -> str:
    params = ", ".join(json.dumps(a, ensure_ascii=False) for a in (element_id, *args))
    return f"(window.autocrmEditor ? window.autocrmEditor.{method}({params}) : '')"


def set_html(element_id: str, safe_html: str) -> Any:
    """Replaces the editor's content with sanitized HTML (what a service gave: a macro's body)."""
    return rx.call_script(_call("setHTML", element_id, safe_html))


def set_text(element_id: str, text: str) -> Any:
    """Replaces the editor's content with plain text, a paragraph per blank-line-separated block."""
    return set_html(element_id, text_to_html(text))


def append_html(element_id: str, safe_html: str) -> Any:
    return rx.call_script(_call("appendHTML", element_id, safe_html))


def read_draft(element_id: str) -> str:
    """A script whose value is the editor's `{text, html}` (the HTML to put back, the text to work on)."""
    return _call("draft", element_id)


def replace_then_read(element_id: str, start: int, end: int, word: str, replacement: str) -> str:
    """A script that replaces `word` at [start, end) of the editor's text (if still there, keeping its
    formatting), and whose value is the text after."""
    return (
        f"(window.autocrmEditor ? window.autocrmEditor.replaceText({json.dumps(element_id)}, {int(start)}, "
        f"{int(end)}, {json.dumps(word, ensure_ascii=False)}, {json.dumps(replacement, ensure_ascii=False)}) : '')"
    )


def read_text(element_id: str) -> str:
    """A script whose value is the editor's plain text (paragraphs a blank line apart), for `rx.call_script`."""
    return _call("text", element_id)
