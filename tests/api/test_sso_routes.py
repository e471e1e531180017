"""Signing in through an OpenID Connect provider: the app's routes against a real provider on loopback
(tests/oidc_provider.py), over real HTTP on both sides, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import col, select

from autocrm.api import create_app
from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, LoginSession, Role, User, UserIdentity
from autocrm.services import auth, sso
from autocrm.services.actor import Actor
from autocrm.services.sso import SsoProviderInput, SsoProviderPublic
from tests.factories import make_user
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, IdpServer, provider_for_app

APP = "http://localhost:3000"  # the settings' default base URL: the redirect URI the provider knows


@pytest.fixture
def idp(db_url, monkeypatch) -> Iterator[IdpServer]:  # noqa: ARG001 (the database the app signs people in to)
    # These tests are about the sign-in flow, not password hashing: cheap argon2 parameters keep them fast.
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with provider_for_app() as provider:
        yield provider


def add_provider(idp: IdpServer, **overrides) -> SsoProviderPublic:
    admin = Actor.for_user(make_user(Role.admin))
    fields = {"name": "Test IdP", "issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    data = SsoProviderInput(**(fields | overrides))
    discovery = sso.check_issuer(actor=admin, issuer=data.issuer)
    with write_session() as session:
        return sso.create_provider(session, actor=admin, data=data, discovery=discovery)


def browser() -> TestClient:
    return TestClient(create_app(), base_url=APP)


def authorize(client: TestClient, provider_id: int, next_path: str = "") -> str:
    """The app's start route, then the provider's authorize endpoint (real HTTP): the callback URL (path and
    query) the provider sends the browser back to."""
    start = client.get("/api/sso/start", params={"provider": provider_id, "next": next_path}, follow_redirects=False)
    assert start.status_code == 303, start.text
    assert "HttpOnly" in start.headers["set-cookie"] and "Path=/api/sso" in start.headers["set-cookie"]
    sent_to = start.headers["location"]
    query = parse_qs(urlsplit(sent_to).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    back = httpx.get(sent_to, follow_redirects=False)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sso.callback_url()
    return f"{location.path}?{location.query}"


def sign_in(client: TestClient, provider_id: int, next_path: str = "") -> httpx.Response:
    return client.get(authorize(client, provider_id, next_path), follow_redirects=False)


def signed_in_user(response: httpx.Response) -> User | None:
    cookie = response.cookies.get(auth.SESSION_COOKIE)
    with read_session() as session:
        return auth.user_for_session_token(session, cookie)


def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?sso_error={reason}"
    assert auth.SESSION_COOKIE not in response.cookies


def _user_by_email(email: str) -> User | None:
    with read_session() as session:
        return session.exec(select(User).where(User.email == email)).first()


def _unverified_user(role: Role, email: str) -> User:
    """An account whose owner never proved the address (as a self sign-up that never clicked its link)."""
    made = make_user(role, email=email)
    with write_session() as session:
        session.get(User, made.id).email_verified_at = None
    return _user_by_email(email)


def test_a_first_sign_in_creates_a_verified_customer_and_a_session(idp):
    provider = add_provider(idp)
    response = sign_in(browser(), provider.id, next_path="/portal/tickets/3")

    assert response.status_code == 303 and response.headers["location"] == "/portal/tickets/3"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    user = signed_in_user(response)
    assert user is not None and user.email == "sam.sso@example.com" and user.name == "Sam Sso"
    assert user.role == Role.customer and user.password_hash is None and user.email_verified_at is not None
    with read_session() as session:
        identity = session.exec(select(UserIdentity)).one()
        actions = list(session.exec(select(AuditEntry.action).where(AuditEntry.object_id == user.id)))
    assert (identity.provider_id, identity.subject, identity.user_id) == (provider.id, "idp-sub-1", user.id)
    assert {"user.create", "sso_identity.link", "auth.sso_login"} <= set(actions)


def test_a_linked_identity_signs_in_again_even_after_the_address_changes_at_the_provider(idp):
    provider = add_provider(idp)
    first = signed_in_user(sign_in(browser(), provider.id))
    idp.user.email = "sam.new-address@example.com"

    again = sign_in(browser(), provider.id)
    assert signed_in_user(again).id == first.id
    assert _user_by_email("sam.new-address@example.com") is None  # no second account
    with read_session() as session:
        vias = list(session.exec(select(AuditEntry.changes).where(AuditEntry.action == "auth.sso_login")))
    assert [changes["via"][1] for changes in vias] == ["created", "identity"]


def test_a_verified_address_links_to_the_existing_account_and_marks_it_verified(idp):
    existing = _unverified_user(Role.agent, "sam.sso@example.com")
    assert existing.email_verified_at is None
    provider = add_provider(idp, new_user_role="customer")

    response = sign_in(browser(), provider.id)
    user = signed_in_user(response)
    assert user.id == existing.id and user.role == Role.agent  # the account's own role, not the provider's
    assert user.email_verified_at is not None
    assert response.headers["location"] == "/agent"


def test_new_people_get_the_providers_role_and_land_on_its_home(idp):
    provider = add_provider(idp, new_user_role="agent", allowed_domains=["example.com"])
    response = sign_in(browser(), provider.id, next_path="/portal")
    assert signed_in_user(response).role == Role.agent
    assert response.headers["location"] == "/agent"  # a staff member is not sent into the portal


def test_an_address_the_provider_did_not_verify_is_refused_and_never_linked(idp):
    _unverified_user(Role.customer, "sam.sso@example.com")
    idp.user.email_verified = False
    provider = add_provider(idp)

    refused(sign_in(browser(), provider.id), "unverified")
    with read_session() as session:
        assert session.exec(select(UserIdentity)).first() is None
    assert _user_by_email("sam.sso@example.com").email_verified_at is None


def test_a_domain_the_provider_does_not_allow_is_refused(idp):
    provider = add_provider(idp, allowed_domains=["staff.example.com"])
    refused(sign_in(browser(), provider.id), "domain")
    assert _user_by_email("sam.sso@example.com") is None

    idp.user.email = "sam@staff.example.com"
    assert signed_in_user(sign_in(browser(), provider.id)).email == "sam@staff.example.com"


def test_a_tampered_state_or_another_browsers_callback_is_refused(idp):
    provider = add_provider(idp)
    client = browser()
    callback = authorize(client, provider.id)
    path, query = callback.split("?", 1)
    params = parse_qs(query)
    refused(client.get(path, params={"code": params["code"][0], "state": "forged"}, follow_redirects=False), "expired")

    # The right state in a browser that never started this sign-in (no sealed cookie): login CSRF refused.
    callback = authorize(browser(), provider.id)
    refused(browser().get(callback, follow_redirects=False), "expired")
    assert _user_by_email("sam.sso@example.com") is None


def test_an_id_token_with_another_nonce_is_refused(idp):
    provider = add_provider(idp)
    idp.nonce_override = "the-nonce-of-another-sign-in"
    refused(sign_in(browser(), provider.id), "provider")
    assert _user_by_email("sam.sso@example.com") is None


def test_a_deactivated_account_is_refused_whether_linked_or_matched_by_address(idp):
    provider = add_provider(idp)
    user = signed_in_user(sign_in(browser(), provider.id))
    with write_session() as session:
        session.get(User, user.id).is_active = False
    refused(sign_in(browser(), provider.id), "inactive")

    make_user(Role.customer, email="other@example.com", is_active=False)
    idp.user.sub, idp.user.email = "idp-sub-2", "other@example.com"
    refused(sign_in(browser(), provider.id), "inactive")


def test_a_cancelled_sign_in_and_a_disabled_provider_say_so(idp):
    provider = add_provider(idp)
    idp.deny = True
    refused(sign_in(browser(), provider.id), "cancelled")

    idp.deny = False
    client = browser()
    callback = authorize(client, provider.id)
    with write_session() as session:
        sso.set_provider_enabled(session, actor=Actor.system("tests"), provider_id=provider.id, enabled=False)
    refused(client.get(callback, follow_redirects=False), "unavailable")
    start = browser().get("/api/sso/start", params={"provider": provider.id}, follow_redirects=False)
    assert start.headers["location"] == "/login?sso_error=unavailable"
    with read_session() as session:
        assert sso.enabled_providers(session) == []


def test_the_email_may_come_from_userinfo_when_the_id_token_leaves_it_out(idp):
    idp.email_in_id_token = False
    provider = add_provider(idp)
    assert signed_in_user(sign_in(browser(), provider.id)).email == "sam.sso@example.com"


def test_a_wrong_client_secret_is_a_refusal_not_an_error(idp):
    provider = add_provider(idp, client_secret="not-what-the-provider-issued")  # noqa: S106 (a wrong test secret)
    refused(sign_in(browser(), provider.id), "provider")
    with read_session() as session:
        assert session.exec(select(User).where(col(User.email) == "sam.sso@example.com")).first() is None


def test_the_routes_are_not_in_the_openapi_schema(idp):  # noqa: ARG001 (the app needs its database)
    paths = browser().get("/api/v1/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/api/sso")]
    assert browser().get("/api/sso/start", params={"provider": "x"}).status_code == 422


def test_an_sso_session_names_its_browser_in_the_sessions_list(idp):
    """Like a password sign-in, the session remembers the browser that made it, so its owner can tell it apart."""
    provider = add_provider(idp)
    client = browser()
    client.headers["user-agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    user = signed_in_user(sign_in(client, provider.id))
    assert user is not None
    with read_session() as session:
        row = session.exec(select(LoginSession).where(LoginSession.user_id == user.id)).one()
    assert "Firefox" in row.user_agent and row.last_seen_at is not None
