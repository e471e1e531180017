"""Each API request runs in the language its `Accept-Language` asks for (else the desk's default), so the
human `message` of an answer is in it; the machine-readable `code`s never change. `Content-Language` says
which language the answer's words are in."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocrm.core import i18n


class RequestLocale:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = i18n.negotiate(accept_language=Headers(scope=scope).get("accept-language"))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", locale)
                headers.append("Vary", "Accept-Language")
            await send(message)

        token = i18n.set_locale(locale)
        try:
            await self.app(scope, receive, send_with_language)
        finally:
            i18n.reset_locale(token)
