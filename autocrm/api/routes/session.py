"""Browser sign-in and sign-out: the only place the session cookie is set or cleared.

The cookie is HttpOnly, so page scripts (and anything injected into a page) never read it; the Reflex
states read it from the websocket's handshake headers. The UI's sign-in form hands the browser a one-time
code (`auth.begin_login_session`) and sends it here; this route redeems the code, sets the cookie and
sends the browser on to the page it asked for. Not part of the public API (not in the OpenAPI schema).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from autocrm.core.db import write_session
from autocrm.core.settings import get_settings
from autocrm.services import auth
from autocrm.services.errors import AuthenticationFailed

router = APIRouter(prefix="/api/session", include_in_schema=False)
LOGIN_PATH = "/login"


def _page_url(request: Request, origin: str, path: str) -> str:
    """`path` on the UI's origin: the given origin when it names this server's host (the UI may be served on
    another port, as in dev mode), else a path on this server. Never another host: no open redirect."""
    asked, here = urlsplit(origin or ""), urlsplit(f"//{request.headers.get('host', '')}")
    if (
        asked.scheme in ("http", "https")
        and asked.hostname
        and asked.hostname == here.hostname
        and not asked.path.strip("/")
    ):
        return f"{asked.scheme}://{asked.netloc}{path}"
    return path


def _claim(code: str, user_agent: str) -> str:
    with write_session() as session:
        return auth.claim_login_session(session, code=code, user_agent=user_agent)


def _end(token: str) -> None:
    with write_session() as session:
        auth.end_login_session(session, token=token)


@router.get("/claim")
async def claim(request: Request, code: str = "", next: str = "/", origin: str = "") -> RedirectResponse:  # noqa: A002
    try:
        token = await run_in_threadpool(_claim, code[:200], request.headers.get("user-agent", ""))
    except AuthenticationFailed:
        return RedirectResponse(_page_url(request, origin, f"{LOGIN_PATH}?expired=1"), status_code=303)
    response = RedirectResponse(_page_url(request, origin, auth.safe_return_path(next) or "/"), status_code=303)
    settings = get_settings()
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )
    return response


@router.get("/logout")
async def logout(request: Request, origin: str = "") -> RedirectResponse:
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        await run_in_threadpool(_end, token[:200])
    response = RedirectResponse(_page_url(request, origin, LOGIN_PATH), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
