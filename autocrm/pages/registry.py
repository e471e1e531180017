"""A page decorator that records pages for `autocrm.autocrm` to add to the app once.

(`@rx.page` would work too, but Reflex re-applies decorated pages on every compile in the same
process and then warns that each page "is being redefined" at every prod start.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PAGES: list[tuple[Callable[[], Any], dict[str, Any]]] = []


def page(*, route: str, title: str, on_load: Any = None) -> Callable:
    def register(render: Callable[[], Any]) -> Callable[[], Any]:
        PAGES.append((render, {"route": route, "title": title, "on_load": on_load}))
        return render

    return register
