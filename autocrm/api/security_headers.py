"""Security headers on every answer of the backend (the UI's pages and assets, the API), and the origin check on
the UI's websocket.

`SecurityHeaders` wraps the whole backend: in prod mode Reflex serves the compiled frontend (HTML pages, JS, CSS)
from the same ASGI app the API is mounted in, so one middleware reaches everything the browser loads.

The Content-Security-Policy of an HTML page names each of the page's inline scripts by its SHA-256 hash instead
of allowing inline scripts: the prerendered pages carry a few (React Router's hydration context, React's
streaming helpers, the colour-mode script), and the docs page carries one. The middleware reads each HTML
answer (a few kB) before sending it, hashes its inline scripts and adds them to the policy; the body is sent
unchanged, so precompressed pages stay precompressed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autocrm.core.origins import allowed_origins, origin_of, websocket_origin
from autocrm.services.kb.steps import EMBED_ORIGINS

log = logging.getLogger(__name__)

DOCS_PATH = "/api/v1/docs"
EVENT_PATH = "/_event"  # Reflex's socket.io endpoint (the websocket every UI page holds open)
# Query parameters that carry a secret in a link we mail or redirect to (reset and verification tokens,
# the one-time sign-in code): the page they open must not hand its URL on in Referer, not even to us.
_SECRET_QUERY = re.compile(r"(?:^|&)(?:token|code)=", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(
    rb"<script((?:\s+[^\s=>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)
_SRC_ATTRIBUTE = re.compile(rb"\ssrc\s*=", re.IGNORECASE)
# The largest HTML answer read whole to hash its scripts; larger ones (none today) go out without inline scripts.
_HTML_READ_LIMIT = 2 * 1024 * 1024

# What the compiled Reflex frontend needs, found by running it in Chromium under the policy:
# - script-src 'unsafe-eval': Reflex runs the scripts a backend event sends (`rx.toast`, `rx.call_script`,
#   `rx.call_function`: the success toasts, resetting a form after a reply, the sign-in redirect) with `eval`
#   in `.web/utils/state.js`. Without it every toast and form reset is refused. Inline scripts are allowed
#   only by hash, so injected markup still cannot run script.
# - style-src 'unsafe-inline': emotion (Reflex's CSS-in-JS) inserts <style> elements at run time, and Radix
#   sets style attributes.
# - img-src 'self': the UI shows no data:, blob: or remote images, so a remote image (a tracking pixel) that
#   the sanitizer still lets into a message body is not loaded.
# - connect-src: the websocket to this origin, named explicitly as ws(s) since 'self' covers ws(s) only in
#   browsers that implement CSP 3's rule for it.
# - frame-src: a tutorial's step may show a video from YouTube or Vimeo in a sandboxed frame; the steps build
#   those addresses from a video's id (`services/kb/steps.py`), and no other site may be framed.
_UI_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": list(EMBED_ORIGINS),
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Swagger UI, served from the installed package: its own bundle and one inline start-up script; it needs no
# eval and no websocket; its CSS draws its icons as data: SVGs.
_DOCS_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Anything else (JSON, files, assets): nothing in it may load or run anything, and nobody may frame it.
_RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _render(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


def inline_script_hashes(html: bytes) -> list[str]:
    """The CSP hash source of every inline <script> in `html`, in order, without repeats."""
    hashes: dict[str, None] = {}
    for match in _INLINE_SCRIPT.finditer(html):
        attributes, body = match.group(1), match.group(2)
        if _SRC_ATTRIBUTE.search(attributes):
            continue
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        hashes[f"'sha256-{digest}'"] = None
    return list(hashes)


@dataclass(frozen=True)
class Policies:
    """The header values for one configured base URL."""

    origins: tuple[str, ...]
    ui: dict[str, list[str]]
    docs: dict[str, list[str]]
    strict_transport: str | None

    @classmethod
    def for_base_url(cls, base_url: str) -> Policies:
        origins = allowed_origins(base_url)
        ui = {directive: list(sources) for directive, sources in _UI_POLICY.items()}
        ui["connect-src"] += [websocket_origin(origin) for origin in origins]
        https = origin_of(base_url).startswith("https://")
        # One year; browsers ignore the header over plain http, and a base URL on http must stay reachable.
        return cls(origins, ui, dict(_DOCS_POLICY), "max-age=31536000" if https else None)

    def page_policy(self, path: str, scripts: Iterable[str]) -> str:
        policy = self.docs if path == DOCS_PATH else self.ui
        script_src = [*policy["script-src"], *scripts]
        return _render(policy | {"script-src": script_src})


def _is_html(headers: MutableHeaders) -> bool:
    return headers.get("content-type", "").lower().startswith("text/html")


def _decoded(body: bytes, encoding: str | None) -> bytes | None:
    if not encoding or encoding == "identity":
        return body
    if encoding == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return None
    return None


async def _read_html_file(path: str, encoding: str | None) -> bytes | None:
    def read() -> bytes | None:
        file = Path(path)
        if file.stat().st_size > _HTML_READ_LIMIT:
            return None
        return _decoded(file.read_bytes(), encoding)

    try:
        html = await anyio.to_thread.run_sync(read)
    except OSError:
        html = None
    if html is None:
        log.warning("Could not read the HTML file %s: its inline scripts are not allowed", path)
    return html


class SecurityHeaders:
    """Adds the security headers to every HTTP answer and refuses the UI's websocket to foreign origins.

    Headers a route set itself (the attachment download's own CSP) are kept.
    """

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.policies = Policies.for_base_url(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if self._foreign_origin(scope):
                # Closing before accepting answers the handshake with 403.
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(EVENT_PATH) and self._foreign_origin(scope):
            await self._refuse_origin(scope, send)
            return
        await self.app(scope, receive, self._sender(scope, send))

    def _foreign_origin(self, scope: Scope) -> bool:
        """A browser always names the page's origin here; clients that are not browsers send none."""
        origin = Headers(scope=scope).get("origin")
        return origin is not None and origin not in self.policies.origins

    async def _refuse_origin(self, scope: Scope, send: Send) -> None:
        log.warning("Refused %s from a foreign origin", scope["path"])
        body = b"This origin may not connect."
        start: Message = {"type": "http.response.start", "status": 403, "headers": []}
        headers = MutableHeaders(scope=start)
        headers["content-type"] = "text/plain; charset=utf-8"
        headers["content-length"] = str(len(body))
        self._add_headers(headers, scope, html_scripts=None)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _add_headers(
        self, headers: MutableHeaders, scope: Scope, *, html_scripts: list[str] | None, with_policy: bool = True
    ) -> None:
        """`html_scripts`: the hashes of an HTML page's inline scripts; None for anything that is not a page."""
        path = scope["path"]
        secret_in_url = _SECRET_QUERY.search(scope.get("query_string", b"").decode("latin-1")) is not None
        values: dict[str, str] = {}
        if with_policy:
            values["content-security-policy"] = (
                self.policies.page_policy(path, html_scripts) if html_scripts is not None else _RESOURCE_POLICY
            )
        values |= {
            "x-frame-options": "DENY",
            "x-content-type-options": "nosniff",
            # strict-origin on a page opened by a secret link: not even our own requests (and so no proxy's
            # access log) get the token in Referer. Not no-referrer: that would make the browser send
            # `Origin: null` on the page's form posts, and origin checks would refuse them.
            "referrer-policy": "strict-origin" if secret_in_url else "strict-origin-when-cross-origin",
        }
        if self.policies.strict_transport:
            values["strict-transport-security"] = self.policies.strict_transport
        for name, value in values.items():
            headers.setdefault(name, value)

    def _sender(self, scope: Scope, send: Send) -> Send:
        start: Message | None = None
        held: list[bytes] = []
        held_size = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal start, held_size
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if message["status"] == 304 or (_is_html(headers) and scope.get("method") == "HEAD"):
                    # No body to hash. A browser merges a 304's headers into the page it cached, so a policy
                    # here would replace the cached page's (with its script hashes): send none.
                    self._add_headers(headers, scope, html_scripts=None, with_policy=False)
                elif _is_html(headers):
                    start = message  # held until the body is read and its scripts hashed
                    return
                else:
                    self._add_headers(headers, scope, html_scripts=None)
                await send(message)
                return
            if start is not None and message["type"] == "http.response.pathsend":
                # The server sends the file itself (Granian's pathsend extension): read it to hash its scripts.
                headers = MutableHeaders(scope=start)
                html = await _read_html_file(message["path"], headers.get("content-encoding"))
                self._add_headers(headers, scope, html_scripts=inline_script_hashes(html) if html else [])
                pending, start = start, None
                await send(pending)
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held.append(message.get("body", b""))
            held_size += len(held[-1])
            if message.get("more_body", False) and held_size <= _HTML_READ_LIMIT:
                return
            headers = MutableHeaders(scope=start)
            body = b"".join(held)
            html = _decoded(body, headers.get("content-encoding")) if held_size <= _HTML_READ_LIMIT else None
            if html is None:
                log.warning("Could not read the HTML answer to %s: its inline scripts are not allowed", scope["path"])
            self._add_headers(headers, scope, html_scripts=inline_script_hashes(html) if html else [])
            pending, start = start, None
            held.clear()
            await send(pending)
            await send({**message, "body": body})

        return send_with_headers
