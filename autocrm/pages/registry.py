"""A page decorator that records pages for `autocrm.autocrm` to add to the app once.

(`@rx.page` would work too, but Reflex re-applies decorated pages on every compile in the same
process and then warns that each page "is being redefined" at every prod start.)

The browser tab's title is a msgid (`title=N_("Queue · AutoCRM")`): Reflex renders it as a `<title>` inside the
page, which React places in the document head, so a Var title follows the tab's language like any other text.
A `{company}` in it is the desk's name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import reflex as rx

from autocrm.components.i18n import document_language, tr
from autocrm.state.session import PAGE_STATES, SessionState

PAGES: list[tuple[Callable[[], Any], dict[str, Any]]] = []
# Each page's title as written (a msgid), for the check that every one has its translations.
TITLES: list[str] = []


def tab_title(title: str) -> Any:
    """The tab title in the tab's language (a str Var)."""
    if "{company}" in title:
        return tr(title, company=SessionState.company_name)
    return tr(title)


def _loading_state(on_load: Any) -> type[SessionState] | None:
    """The state of the page's (first) on_load handler: the one that reads the page."""
    handlers = on_load if isinstance(on_load, list) else [on_load]
    state = getattr(handlers[0], "state", None) if handlers else None
    return state if isinstance(state, type) and issubclass(state, SessionState) else None


def page(*, route: str, title: str, on_load: Any = None) -> Callable:
    TITLES.append(title)
    loading_state = _loading_state(on_load)
    if loading_state is not None:
        PAGE_STATES[route] = loading_state

    def register(render: Callable[[], Any]) -> Callable[[], Any]:
        @functools.wraps(render)
        def with_language() -> Any:
            return rx.fragment(render(), document_language())

        PAGES.append((with_language, {"route": route, "title": tab_title(title), "on_load": on_load}))
        return render

    return register
