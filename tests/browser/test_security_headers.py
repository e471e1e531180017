"""The served app carries its security headers on pages and assets, works in Chromium under its CSP, refuses
foreign origins on the websocket and in CORS, and serves the API docs without any other host."""

from __future__ import annotations

import base64
import http.client
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AGENT, DESKTOP, UI

pytestmark = pytest.mark.browser

FOREIGN = "http://evil.example"
# Collects every CSP violation the page reports, from before its first script runs.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def _watched(ui: UI) -> list[str]:
    """Console lines about CSP (Chromium logs every refusal there too)."""
    ui.page.add_init_script(WATCH_CSP)
    console: list[str] = []
    ui.page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def _violations(ui: UI, console: list[str]) -> list[str]:
    return [*ui.page.evaluate("window.__csp || []"), *console]


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {name: sources for name, *sources in parts}


def test_pages_and_assets_carry_the_headers_and_the_app_works_under_the_csp(server, browser):
    ui = UI(browser, server)
    try:
        console = _watched(ui)
        assets: dict[str, dict[str, str]] = {}
        ui.page.on(
            "response",
            lambda r: assets.__setitem__(r.url, r.headers) if r.status == 200 and r.url.endswith(".js") else None,
        )
        page = ui.page.goto(server + "/login")
        assert page is not None
        headers = page.headers
        policy = _directives(headers["content-security-policy"])
        assert "'unsafe-inline'" not in policy["script-src"], "inline scripts only by hash"
        assert any(source.startswith("'sha256-") for source in policy["script-src"])
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        assert "ws://" + urlsplit(server).netloc in policy["connect-src"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in headers, "the base URL is http"

        ui.login(AGENT, expect="/agent")
        ui.wait_ready(".queue-row")
        ui.page.locator(".queue-row .ticket-subject").first.click()
        ui.page.wait_for_url(re.compile(r".*/agent/tickets/\d+"))
        ui.wait_ready(".timeline")
        reply = "Checked under the content security policy: the refund is on its way."
        ui.page.fill("#composer-body", reply)
        ui.page.click("button.composer-submit")
        ui.toast("Reply sent")  # a toast sent by the backend: Reflex runs it with eval
        ui.page.locator(".message-public").filter(has_text=reply).wait_for()
        expect(ui.page.locator("#composer-body")).to_have_text("")  # the composer was reset (rx.call_script)

        assert assets, "the page loaded its scripts"
        for url, asset_headers in assets.items():
            assert asset_headers.get("x-content-type-options") == "nosniff", url
            assert "javascript" in asset_headers.get("content-type", ""), url
        assert not _violations(ui, console)
        assert not ui.errors
    finally:
        ui.close()


def test_a_page_opened_by_a_secret_link_keeps_it_out_of_referer(server):
    status, headers, _ = _request(server, "GET", "/reset-password/?token=abc123")
    assert status == 200
    assert headers["referrer-policy"] == "strict-origin"


def test_the_api_docs_render_swagger_ui_with_nothing_from_another_host(server, browser):
    ui = UI(browser, server)
    elsewhere: list[str] = []
    try:
        console = _watched(ui)
        own = urlsplit(server).netloc

        def only_our_origin(route) -> None:
            if urlsplit(route.request.url).netloc == own:
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        ui.context.route("**/*", only_our_origin)
        page = ui.page.goto(server + "/api/v1/docs")
        assert page is not None
        policy = _directives(page.headers["content-security-policy"])
        assert "'unsafe-eval'" not in policy["script-src"] and "'unsafe-inline'" not in policy["script-src"]
        ui.page.locator(".swagger-ui .info .title").filter(has_text="AutoCRM API").wait_for()
        ui.page.locator(".opblock-summary-path").filter(has_text="/api/v1/tickets").first.wait_for()
        html = ui.page.content()
        assert not re.findall(r"(?:src|href)=\"(?:https?:)?//", html), "no asset from another host"
        ui.shoot("api-docs")
        assert elsewhere == []
        assert not _violations(ui, console)
        assert not ui.errors
    finally:
        ui.close()


# ---- origins: raw HTTP against the served backend -----------------------------------------------------------


def _request(server: str, method: str, path: str, headers: dict[str, str] | None = None):
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _websocket_handshake(server: str, origin: str) -> int:
    return _request(
        server,
        "GET",
        "/_event/?EIO=4&transport=websocket",
        {
            "Origin": origin,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        },
    )[0]


def test_the_websocket_accepts_only_the_base_urls_origin(server):
    assert _websocket_handshake(server, server) == 101
    assert _websocket_handshake(server, FOREIGN) == 403
    assert _websocket_handshake(server, server.replace("localhost", "127.0.0.1")) == 403
    status, _, body = _request(server, "GET", "/_event/?EIO=4&transport=polling", {"Origin": FOREIGN})
    assert status == 403 and b"origin" in body


def test_cors_answers_only_the_base_urls_origin(server):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    _, foreign, _ = _request(server, "OPTIONS", "/api/v1/tickets", {"Origin": FOREIGN, **preflight})
    assert "access-control-allow-origin" not in foreign
    _, own, _ = _request(server, "OPTIONS", "/api/v1/tickets", {"Origin": server, **preflight})
    assert own["access-control-allow-origin"] == server
    # A simple request with the user's cookie from a foreign page: the browser gets no permission to read it.
    _, simple, _ = _request(server, "GET", "/api/health", {"Origin": FOREIGN, "Cookie": "autocrm_session=x"})
    assert "access-control-allow-origin" not in simple


@contextmanager
def _framing_page(target: str) -> Iterator[str]:
    """A page of another origin (its own port on loopback) that frames `target`; yields its URL."""
    body = f'<!DOCTYPE html><iframe src="{target}" width="800" height="600"></iframe>'.encode()

    class Framer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Framer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_ui_cannot_be_framed(server, browser):
    """A page of another origin that frames the sign-in page gets nothing (clickjacking)."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        with _framing_page(f"{server}/login/") as framer:
            page.goto(framer)  # waits for the frame's load too
        (frame,) = [frame for frame in page.frames if frame is not page.main_frame]
        for _ in range(100):  # a loaded machine may report the refused frame a moment later
            if frame.url:
                break
            page.wait_for_timeout(100)
        assert frame.url.startswith("chrome-error://"), f"the sign-in page rendered in a foreign frame: {frame.url}"
    finally:
        context.close()
