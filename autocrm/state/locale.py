"""Every Reflex event runs in its tab's language: a middleware makes the negotiated locale current first."""

from __future__ import annotations

from typing import Any

from reflex.middleware import Middleware

from autocrm.state.session import SessionState


class LocaleMiddleware(Middleware):
    """Before each event (hydration included), set the locale context variable from the tab's session state,
    so whatever the handler calls (services' error messages, toasts, computed vars) speaks the tab's language."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:  # noqa: ARG002 (Reflex's signature)
        session = await state.get_state(SessionState)
        session._apply_locale()
        return None
