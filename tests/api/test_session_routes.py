"""The browser session: a one-time sign-in code redeemed by a server route that sets an HttpOnly cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from autocrm.api import create_app
from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import LoginSession, Role
from autocrm.models.base import utcnow
from autocrm.services import auth
from autocrm.services.errors import AuthenticationFailed

BROWSER = "browser-key-of-the-test"


def _code_for(user, browser_key: str = BROWSER) -> str:
    with write_session() as session:
        return auth.begin_login_session(session, user=user, browser_key=browser_key)


def _browser(base_url: str = "http://localhost:8000", browser_key: str = BROWSER, **cookies: str) -> TestClient:
    """A cookie jar of one browser: it holds the pre-login cookie the sign-in page set."""
    client = TestClient(create_app(), base_url=base_url)
    client.cookies.set(auth.PRELOGIN_COOKIE, browser_key)
    for name, value in cookies.items():
        client.cookies.set(name, value)
    return client


def _signed_in_as(token: str):
    with read_session() as session:
        return auth.user_for_session_token(session, token)


def test_a_sign_in_code_is_redeemed_once_for_a_fresh_session_token(people):
    agent = people.make(Role.agent)
    code = _code_for(agent)
    assert _signed_in_as(code) is None, "the code itself is no session"
    with write_session() as session:
        token = auth.claim_login_session(session, code=code, browser_key=BROWSER)
    assert token != code and _signed_in_as(token).id == agent.id
    with pytest.raises(AuthenticationFailed), write_session() as session:
        auth.claim_login_session(session, code=code, browser_key=BROWSER)

    late = _code_for(agent)
    with write_session() as session:
        row = session.exec(select(LoginSession).where(col(LoginSession.claimed_at).is_(None))).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(AuthenticationFailed), write_session() as session:
        auth.claim_login_session(session, code=late, browser_key=BROWSER)


def test_the_claim_route_sets_an_httponly_cookie_and_goes_on_to_a_page_of_this_site(people):
    customer = people.make(Role.customer)
    client = _browser()

    response = client.get(
        "/api/session/claim",
        params={"code": _code_for(customer), "next": "/portal/tickets/4", "origin": "http://localhost:3000"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "http://localhost:3000/portal/tickets/4"
    cookie = response.headers["set-cookie"]
    assert (
        cookie.startswith("autocrm_session=")
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie
        and "Path=/" in cookie
    )
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    assert _signed_in_as(token).id == customer.id

    # Elsewhere is never a destination: another host, or a path that is really another origin.
    for next_path, origin in [
        ("//evil.example/x", "http://localhost:3000"),
        ("/portal", "https://evil.example"),
        ("https://evil.example", ""),
        ("/portal", "http://localhost:3001"),  # another port of this host
        ("/portal", "https://localhost:3000"),  # another scheme
    ]:
        response = client.get(
            "/api/session/claim",
            params={"code": _code_for(customer), "next": next_path, "origin": origin},
            follow_redirects=False,
        )
        assert response.headers["location"] in ("/", "/portal", "http://localhost:3000/"), (next_path, origin)

    spent = client.get("/api/session/claim", params={"code": "not-a-code"}, follow_redirects=False)
    assert (
        spent.status_code == 303
        and spent.headers["location"] == "/login?expired=1"
        and "autocrm_session" not in spent.headers.get("set-cookie", "")
    )


def test_the_logout_route_ends_the_session_and_clears_the_cookie(people):
    agent = people.make(Role.agent)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)
    client = TestClient(create_app(), base_url="http://localhost:3000", cookies={"autocrm_session": token})
    response = client.post("/api/session/logout", headers={"origin": "http://localhost:3000"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (
        response.headers["set-cookie"].startswith('autocrm_session=""')
        and "Max-Age=0" in response.headers["set-cookie"]
    )
    assert _signed_in_as(token) is None


def test_a_sign_in_code_only_works_in_the_browser_that_started_the_sign_in(people):
    """Finding 5 (login CSRF): a code sent to someone else's browser signs nobody in there."""
    attacker = people.make(Role.customer)
    code = _code_for(attacker, browser_key="the-attackers-browser")
    victim = _browser(browser_key="the-victims-browser")
    response = victim.get("/api/session/claim", params={"code": code, "next": "/portal"}, follow_redirects=False)
    assert response.headers["location"] == "/login?expired=1"
    assert "autocrm_session" not in response.headers.get("set-cookie", "")
    bare = TestClient(create_app(), base_url="http://localhost:8000")  # no pre-login cookie at all
    response = bare.get("/api/session/claim", params={"code": code}, follow_redirects=False)
    assert response.headers["location"] == "/login?expired=1"
    # The browser that asked for it is signed in, and its pre-login cookie is spent.
    response = _browser(browser_key="the-attackers-browser").get(
        "/api/session/claim", params={"code": code, "next": "/portal"}, follow_redirects=False
    )
    assert response.headers["location"] == "/portal"
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("autocrm_session=") and "Max-Age=0" not in c for c in cookies)
    assert any(c.startswith(f"{auth.PRELOGIN_COOKIE}=") and "Max-Age=0" in c for c in cookies)


def test_signing_out_takes_a_post_from_a_page_of_this_site(people):
    """Finding 5: a link or an image (GET) or a form on another site (foreign Origin) signs nobody out."""
    agent = people.make(Role.agent)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)
    client = TestClient(create_app(), base_url="http://localhost:8000", cookies={"autocrm_session": token})
    assert client.get("/api/session/logout", follow_redirects=False).status_code == 405
    for origin in ("https://evil.example", "http://localhost:3001", "null", ""):
        refused = client.post("/api/session/logout", headers={"origin": origin}, follow_redirects=False)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden", origin
        assert "set-cookie" not in refused.headers
    assert _signed_in_as(token).id == agent.id
    # The configured UI origin (AUTOCRM_BASE_URL, another port in dev mode) and the server's own are fine.
    done = client.post(
        "/api/session/logout",
        params={"origin": "http://localhost:3000"},
        headers={"origin": "http://localhost:3000"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "http://localhost:3000/login"
    assert _signed_in_as(token) is None
    again = client.post("/api/session/logout", headers={"origin": "http://localhost:8000"}, follow_redirects=False)
    assert again.status_code == 303


def test_the_session_cookie_is_secure_when_the_browser_came_over_https(people, monkeypatch):
    """Finding 15: AUTOCRM_BASE_URL says http, but this request came over https (directly, or as the one
    trusted proxy says); a client's own X-Forwarded-Proto is not believed without a trusted proxy."""
    customer = people.make(Role.customer)

    def cookie_of(client: TestClient, **headers: str) -> str:
        response = client.get(
            "/api/session/claim", params={"code": _code_for(customer)}, headers=headers, follow_redirects=False
        )
        return next(c for c in response.headers.get_list("set-cookie") if c.startswith("autocrm_session="))

    assert "Secure" not in cookie_of(_browser())
    assert "Secure" in cookie_of(_browser("https://localhost:8000"))
    assert "Secure" not in cookie_of(_browser(), **{"x-forwarded-proto": "https"})
    monkeypatch.setenv("AUTOCRM_TRUSTED_PROXY_HOPS", "1")
    reset_settings()
    assert "Secure" in cookie_of(_browser(), **{"x-forwarded-proto": "https"})
