"""Single sign-on through an OpenID Connect provider: where the browser starts and where the provider sends
it back. Not part of the public API (not in the OpenAPI schema); the rules are in `services.sso`.

`/api/sso/start?provider=ID&next=PATH` sets a short-lived, encrypted, HttpOnly cookie holding the sign-in's
state, nonce and PKCE verifier (readable only by this server, sent only to /api/sso) and sends the browser
to the provider. `/api/sso/callback` checks the provider's answer against that cookie, signs the person in
and sets the session cookie as the password sign-in's claim route does. A refusal goes back to the login
page with a reason key (`?sso_error=domain`) that the page turns into its message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from autocrm import routes
from autocrm.api.routes.session import set_session_cookie
from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.services import auth, sso
from autocrm.services.errors import DomainError
from autocrm.services.sso import SsoRefused

router = APIRouter(prefix="/api/sso", include_in_schema=False)
COOKIE_PATH = "/api/sso"


def _to_login(reason: str) -> RedirectResponse:
    return RedirectResponse(f"{routes.LOGIN}?{urlencode({'sso_error': reason})}", status_code=303)


def _secure() -> bool:
    return get_settings().base_url.startswith("https://")


def _start(provider_id: int, next_path: str) -> tuple[str, str]:
    with read_session() as session:
        return sso.start_sign_in(session, provider_id=provider_id, next_path=next_path)


def _finish(sealed: str, state: str, code: str, error: str, user_agent: str) -> tuple[str, str]:
    with read_session() as session:
        verified = sso.verify_callback(session, sealed=sealed, state=state, code=code, error=error)
    with write_session() as session:
        user = sso.sign_in(session, verified=verified)
        token = auth.start_login_session(session, user=user, user_agent=user_agent)
    return token, sso.landing_path(user, verified.next_path)


@router.get("/start")
async def start(provider: int = 0, next: str = "") -> RedirectResponse:  # noqa: A002 (the query parameter's name)
    try:
        url, sealed = await run_in_threadpool(_start, provider, next[:500])
    except SsoRefused as refused:
        return _to_login(refused.reason)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        sso.PENDING_COOKIE,
        sealed,
        max_age=sso.PENDING_TTL_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",  # the provider sends the browser back by a top-level GET: lax cookies go with it
        secure=_secure(),
    )
    return response


@router.get("/callback")
async def callback(request: Request, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
    sealed = request.cookies.get(sso.PENDING_COOKIE, "")
    try:
        user_agent = request.headers.get("user-agent", "")
        token, target = await run_in_threadpool(
            _finish, sealed[:4000], state[:200], code[:2000], error[:100], user_agent
        )
    except SsoRefused as refused:
        response = _to_login(refused.reason)
    except DomainError:
        # Two first sign-ins of one person at once: the second finds the account taken. Trying again works.
        response = _to_login("provider")
    else:
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, request, token)
    response.delete_cookie(sso.PENDING_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")
    return response
