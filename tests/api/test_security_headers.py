"""Security headers on every answer, the websocket's origin check, and the API docs served from installed assets.

The served app in Chromium is tests/browser/test_security_headers.py; these run the same middleware in-process.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib
import re

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from autocrm.api import create_app, wrap_reflex
from autocrm.api.security_headers import inline_script_hashes
from autocrm.core.origins import allowed_origins, origin_of, websocket_origin
from autocrm.core.settings import reset_settings
from tests.api.support import bearer

BASE = "http://desk.example:8080"
FOREIGN = "http://evil.example"
THEME_SCRIPT = "document.documentElement.dataset.theme = 'light';"
MODULE_SCRIPT = 'import "/assets/entry.client.js";'
PAGE = (
    "<!DOCTYPE html><html><head>"
    f"<script>{THEME_SCRIPT}</script>"
    '<script src="/assets/manifest.js"></script>'
    f'<script type="module" async="">{MODULE_SCRIPT}</script>'
    "</head><body><div id='root'></div></body></html>"
)


def sha256_source(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {name: sources for name, *sources in parts}


@pytest.fixture
def base_url(monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv("AUTOCRM_BASE_URL", url)
        reset_settings()

    use(BASE)
    yield use
    reset_settings()


async def _event_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("0{}")
    await websocket.close()


def fake_ui() -> Starlette:
    """Stands in for Reflex's app: prerendered pages (plain and precompressed), a 304, and the socket endpoint."""
    return Starlette(
        routes=[
            Route("/login/", lambda request: HTMLResponse(PAGE)),
            Route(
                "/portal/",
                lambda request: Response(
                    gzip.compress(PAGE.encode()), media_type="text/html", headers={"Content-Encoding": "gzip"}
                ),
            ),
            Route("/cached/", lambda request: Response(status_code=304, headers={"content-type": "text/html"})),
            Route("/assets/app.js", lambda request: Response("export {}", media_type="text/javascript")),
            Route("/_event/", lambda request: Response("polling")),
            WebSocketRoute("/_event/", _event_socket),
        ]
    )


@pytest.fixture
def ui(base_url) -> TestClient:
    return TestClient(wrap_reflex(fake_ui()))


# ---- origins -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://Help.Example.com/", "https://help.example.com"),
        ("https://help.example.com:443/desk/", "https://help.example.com"),
        ("http://help.example.com:80", "http://help.example.com"),
        ("https://help.example.com:8443", "https://help.example.com:8443"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_the_origin_is_what_a_browser_sends(url, origin):
    assert origin_of(url) == origin
    assert allowed_origins(url) == (origin,)


@pytest.mark.parametrize("url", ["localhost:3000", "ftp://example.com", "https://", ""])
def test_a_base_url_without_an_http_origin_is_refused(url):
    with pytest.raises(ValueError, match="not an http"):
        origin_of(url)


def test_websocket_origins_follow_the_scheme():
    assert websocket_origin("https://help.example.com") == "wss://help.example.com"
    assert websocket_origin("http://localhost:3000") == "ws://localhost:3000"


def test_reflex_allows_cors_and_the_socket_only_for_the_base_url(base_url):
    import rxconfig

    base_url("https://help.example.com/desk")
    try:
        assert list(importlib.reload(rxconfig).config.cors_allowed_origins) == ["https://help.example.com"]
    finally:
        reset_settings()
        importlib.reload(rxconfig)


# ---- headers ---------------------------------------------------------------------------------------------------


def test_every_api_answer_carries_the_headers(base_url):
    app = create_app()

    @app.get("/api/test/crash")
    def crash() -> None:
        raise RuntimeError("bug")

    client = TestClient(app, raise_server_exceptions=False)
    for path, status in [
        ("/api/health", 200),
        ("/api/v1/tickets", 401),
        ("/api/v1/nothing", 404),
        ("/api/test/crash", 500),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert directives(response.headers["content-security-policy"]) == {
            "default-src": ["'none'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
        }, path
        assert "strict-transport-security" not in response.headers, "the base URL is http"


@pytest.mark.parametrize("path", ["/login/", "/portal/"])
def test_a_page_allows_exactly_its_own_inline_scripts(ui, path):
    response = ui.get(path)
    assert response.text == PAGE, "the body is sent unchanged"
    policy = directives(response.headers["content-security-policy"])
    assert policy["script-src"] == [
        "'self'",
        "'unsafe-eval'",
        sha256_source(THEME_SCRIPT),
        sha256_source(MODULE_SCRIPT),
    ]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["connect-src"] == ["'self'", "ws://desk.example:8080"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["img-src"] == ["'self'"] and policy["default-src"] == ["'self'"]
    # Only the video players a tutorial's step may embed can be framed by the page.
    assert policy["frame-src"] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
    assert response.headers["x-frame-options"] == "DENY"


def test_a_not_modified_page_keeps_the_cached_pages_policy(ui):
    response = ui.get("/cached/")
    assert response.status_code == 304
    assert "content-security-policy" not in response.headers, "it would replace the cached page's script hashes"
    assert response.headers["x-frame-options"] == "DENY"


def test_assets_get_nosniff_and_a_policy_that_allows_nothing(ui):
    response = ui.get("/assets/app.js")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert directives(response.headers["content-security-policy"])["default-src"] == ["'none'"]


def test_https_base_url_adds_hsts_and_a_secure_websocket(base_url):
    base_url("https://help.example.com")
    response = TestClient(wrap_reflex(fake_ui())).get("/login/")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert directives(response.headers["content-security-policy"])["connect-src"] == [
        "'self'",
        "wss://help.example.com",
    ]


@pytest.mark.parametrize("query", ["token=abc", "next=/agent&code=123"])
def test_a_page_opened_by_a_secret_link_sends_no_path_in_referer(ui, query):
    assert ui.get(f"/login/?{query}").headers["referrer-policy"] == "strict-origin"
    assert ui.get("/login/?next=/agent").headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_an_attachment_keeps_its_own_stricter_policy(api):
    response = api.client.get(f"/api/v1/attachments/{api.attachment_id}", headers=bearer(api.keys["agent"]))
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["x-frame-options"] == "DENY"


def test_inline_script_hashes_skip_external_scripts_and_repeats():
    html = f"<script>{THEME_SCRIPT}</script><SCRIPT src='/x.js'></SCRIPT><script>{THEME_SCRIPT}</script>".encode()
    assert inline_script_hashes(html) == [sha256_source(THEME_SCRIPT)]


# ---- the websocket's origin --------------------------------------------------------------------------------


def test_the_websocket_accepts_the_base_urls_origin_and_clients_without_one(ui):
    for headers in ({"origin": BASE}, {}):
        with ui.websocket_connect("/_event/", headers=headers) as socket:
            assert socket.receive_text() == "0{}"


@pytest.mark.parametrize("origin", [FOREIGN, "http://desk.example:3000", "https://desk.example:8080", "null"])
def test_the_websocket_refuses_any_other_origin(ui, origin):
    with pytest.raises(WebSocketDisconnect) as refused, ui.websocket_connect("/_event/", headers={"origin": origin}):
        pass
    assert refused.value.code == 1008


def test_the_polling_handshake_refuses_a_foreign_origin(ui):
    refused = ui.get("/_event/?EIO=4&transport=polling", headers={"origin": FOREIGN})
    assert refused.status_code == 403
    assert refused.headers["x-frame-options"] == "DENY"
    assert ui.get("/_event/?EIO=4&transport=polling", headers={"origin": BASE}).text == "polling"


# ---- docs ----------------------------------------------------------------------------------------------------


def test_the_docs_page_uses_only_assets_the_app_serves(base_url):
    client = TestClient(create_app())
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert not re.findall(r"(?:https?:)?//[\w.-]+", page.text), "no other host in the docs page"
    urls = re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text)
    assert {"/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/swagger-ui.css"} <= set(urls)
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert "javascript" in client.get("/api/v1/docs/assets/swagger-ui-bundle.js").headers["content-type"]
    policy = directives(page.headers["content-security-policy"])
    (start_script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert policy["script-src"] == ["'self'", sha256_source(start_script)], "no eval, no other inline script"
    assert policy["frame-ancestors"] == ["'none'"]
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_a_base_url_without_an_origin_is_a_settings_error(tmp_path):
    from pydantic import ValidationError

    from autocrm.core.settings import Settings

    with pytest.raises(ValidationError, match="not an http"):
        Settings(base_url="localhost:3000", data_dir=tmp_path, _env_file=None)
