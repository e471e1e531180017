"""Browser sign-in and sign-out: the only place the session cookie is set or cleared.

The cookie is HttpOnly, so page scripts (and anything injected into a page) never read it; the Reflex
states read it from the websocket's handshake headers. The UI's sign-in form hands the browser a one-time
code (`auth.begin_login_session`), bound to a pre-login cookie the same page set, and sends it here; this
route redeems the code with that cookie, sets the session cookie and sends the browser on to the page it
asked for. Signing out is a POST from a page of this site (its Origin is checked), so no link or image on
another site can sign anyone out. Not part of the public API (not in the OpenAPI schema).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from autocrm.core.db import write_session
from autocrm.core.net import origin_of, request_scheme
from autocrm.core.settings import get_settings
from autocrm.services import auth, mfa
from autocrm.services.errors import AuthenticationFailed, PermissionDenied

router = APIRouter(prefix="/api/session", include_in_schema=False)
LOGIN_PATH = "/login"


def scheme_of(request: Request) -> str:
    """The scheme the browser used: this connection's, or the trusted proxies' X-Forwarded-Proto."""
    hops = get_settings().trusted_proxy_hops
    return request_scheme(request.url.scheme, request.headers.get("x-forwarded-proto"), hops)


def _page_url(origin: str, path: str) -> str:
    """`path` on the UI's configured origin (AUTOCRM_BASE_URL; in dev mode the UI runs on another port than
    this server) when `origin` is exactly that origin, else a path on this server. Never another host, port
    or scheme: no open redirect, no downgrade from https to http."""
    configured = origin_of(get_settings().base_url)
    if configured and origin_of(origin) == configured:
        return configured + path
    return path


def _cookie_is_secure(request: Request) -> bool:
    return get_settings().base_url.startswith("https://") or scheme_of(request) == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The browser session's cookie, the same after any kind of sign-in (password, code, SSO): HttpOnly,
    Secure when the app or this request is on https."""
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=get_settings().session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_cookie_is_secure(request),
    )


def allowed_origins(request: Request) -> set[str]:
    """The configured UI origin and this server's own (a same-origin request is never cross-site)."""
    own = origin_of(f"{scheme_of(request)}://{request.headers.get('host', '')}")
    return {origin for origin in (origin_of(get_settings().base_url), own) if origin}


def _claim(code: str, browser_key: str, remember_device: bool, user_agent: str) -> tuple[str, str | None]:
    with write_session() as session:
        token = auth.claim_login_session(session, code=code, browser_key=browser_key, user_agent=user_agent)
        device = mfa.remember_device(session, session_token=token) if remember_device else None
        return token, device


def _end(token: str) -> None:
    with write_session() as session:
        auth.end_login_session(session, token=token)


@router.get("/claim")
async def claim(
    request: Request,
    code: str = "",
    next: str = "/",  # noqa: A002 (the query parameter's name)
    origin: str = "",
    remember: str = "",
) -> RedirectResponse:
    browser_key = request.cookies.get(auth.PRELOGIN_COOKIE, "")
    try:
        token, device = await run_in_threadpool(
            _claim, code[:200], browser_key[:200], remember == "1", request.headers.get("user-agent", "")
        )
    except AuthenticationFailed:
        response = RedirectResponse(_page_url(origin, f"{LOGIN_PATH}?expired=1"), status_code=303)
        if browser_key:
            response.delete_cookie(auth.PRELOGIN_COOKIE, path="/api/session")
        return response
    response = RedirectResponse(_page_url(origin, auth.safe_return_path(next) or "/"), status_code=303)
    set_session_cookie(response, request, token)
    if device:
        response.set_cookie(
            mfa.DEVICE_COOKIE,
            device,
            max_age=mfa.DEVICE_TTL_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=_cookie_is_secure(request),
        )
    response.delete_cookie(auth.PRELOGIN_COOKIE, path="/api/session")
    return response


@router.post("/logout")
async def logout(request: Request, origin: str = "") -> Response:
    if request.headers.get("origin", "") not in allowed_origins(request):
        raise PermissionDenied("Sign out from a page of this site.")
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        await run_in_threadpool(_end, token[:200])
    response = RedirectResponse(_page_url(origin, LOGIN_PATH), status_code=303)
    response.delete_cookie(
        auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_cookie_is_secure(request)
    )
    return response
