"""The browser session: a one-time sign-in code redeemed by a server route that sets an HttpOnly cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from autocrm.api import create_app
from autocrm.core.db import read_session, write_session
from autocrm.models import LoginSession, Role
from autocrm.models.base import utcnow
from autocrm.services import auth
from autocrm.services.errors import AuthenticationFailed


def _code_for(user) -> str:
    with write_session() as session:
        return auth.begin_login_session(session, user=user)


def _signed_in_as(token: str):
    with read_session() as session:
        return auth.user_for_session_token(session, token)


def test_a_sign_in_code_is_redeemed_once_for_a_fresh_session_token(people):
    agent = people.make(Role.agent)
    code = _code_for(agent)
    assert _signed_in_as(code) is None, "the code itself is no session"
    with write_session() as session:
        token = auth.claim_login_session(session, code=code)
    assert token != code and _signed_in_as(token).id == agent.id
    with pytest.raises(AuthenticationFailed), write_session() as session:
        auth.claim_login_session(session, code=code)

    late = _code_for(agent)
    with write_session() as session:
        row = session.exec(select(LoginSession).where(LoginSession.token_hash == auth.sha256(late))).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(AuthenticationFailed), write_session() as session:
        auth.claim_login_session(session, code=late)


def test_the_claim_route_sets_an_httponly_cookie_and_goes_on_to_a_page_of_this_site(people):
    customer = people.make(Role.customer)
    client = TestClient(create_app(), base_url="http://localhost:8000")

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
        and "set-cookie" not in spent.headers
    )


def test_the_logout_route_ends_the_session_and_clears_the_cookie(people):
    agent = people.make(Role.agent)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)
    client = TestClient(create_app(), base_url="http://localhost:3000", cookies={"autocrm_session": token})
    response = client.get("/api/session/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (
        response.headers["set-cookie"].startswith('autocrm_session=""')
        and "Max-Age=0" in response.headers["set-cookie"]
    )
    assert _signed_in_as(token) is None
