"""Caps the size of API request bodies before anything reads them into memory.

Both the declared Content-Length and the bytes actually streamed are checked: a chunked upload declares no
length, and a client may declare less than it sends. Paths outside /api (the Reflex app mounted beside
the API) pass through untouched. It runs inside `api.locale.RequestLocale`, so its words are in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocrm.api.errors import error_response
from autocrm.core.i18n import format_number, t

API_PATH_PREFIX = "/api/"
JSON_BODY_MAX_BYTES = 1024 * 1024
# Multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class RequestBodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413, detail=t("The request body is larger than {limit} bytes.", limit=format_number(limit))
        )


class RequestBodyLimit:
    def __init__(self, app: ASGIApp, *, limit_for_path: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for_path = limit_for_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PATH_PREFIX):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for_path(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            await error_response(status=400, message=t("The Content-Length header is not a number."))(
                scope, receive, send
            )
            return
        if declared is not None and int(declared) > limit:
            await error_response(status=413, message=RequestBodyTooLarge(limit).detail)(scope, receive, send)
            return

        received = 0
        response_started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises HTTPExceptions from body reading, so the app's handler answers.
                    raise RequestBodyTooLarge(limit)
            return message

        async def send_tracking_start(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_tracking_start)
        except RequestBodyTooLarge as exc:
            # Only reached when the body was read outside a route's own error handling.
            if response_started:
                raise
            await error_response(status=413, message=exc.detail)(scope, receive, send)
