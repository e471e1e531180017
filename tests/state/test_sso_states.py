"""The SSO states: the login page's buttons and messages, and the admin page's save through discovery."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import sso
from autocrm.state.sso import AdminSsoState, SsoLoginState
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, provider_for_app
from tests.state.test_states import _navigation_target, _signed_in, _state, _with_cookie


@pytest.fixture
def idp(db_url):  # noqa: ARG001 (the database the providers are stored in)
    with provider_for_app() as provider:
        yield provider


def _provider_form(idp, **overrides) -> dict[str, str]:
    return {
        "name": "Company IdP",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": "example.com, staff.example.com",
    } | overrides


def test_an_admin_adds_a_provider_after_its_issuer_answers(people, idp):
    state = _signed_in(AdminSsoState, people.make(Role.admin), "/admin/sso")
    state.load()
    assert state.providers == [] and state.callback_url.endswith("/api/sso/callback")

    state.open_new()
    state.set_edit_role("agent")
    state.save(_provider_form(idp, issuer="http://127.0.0.1:9", name=""))
    assert set(state.errors) == {"name"} and state.dialog_open  # the name first: no network for a bad form
    state.save(_provider_form(idp, issuer="http://127.0.0.1:9"))
    assert "Could not read" in state.errors["issuer"] and state.dialog_open

    state.save(_provider_form(idp))
    assert not state.dialog_open
    (row,) = state.providers
    assert row["new_user_role"] == "agent" and row["allowed_domains"] == ["example.com", "staff.example.com"]
    assert CLIENT_SECRET not in repr(state.dict())  # nothing the browser gets holds the secret

    state.open_edit(row["id"])
    assert state.editing["allowed_domains"] == "example.com, staff.example.com" and state.editing["has_client_secret"]
    state.save(_provider_form(idp, name="Company SSO", client_secret=""))
    assert [p["name"] for p in state.providers] == ["Company SSO"]
    state.set_enabled(row["id"], False)
    assert state.providers[0]["enabled"] is False


def test_the_admin_page_is_for_admins(people):
    state = _signed_in(AdminSsoState, people.make(Role.agent), "/admin/sso")
    state.load()
    assert state.providers == [] and not state.loaded


def test_the_login_page_offers_enabled_providers_and_says_why_one_refused(people, idp):
    admin = people.actor(people.make(Role.admin))
    data = sso.SsoProviderInput(name="Company IdP", issuer=idp.issuer, client_id=CLIENT_ID)
    with write_session() as session:
        provider = sso.create_provider(session, actor=admin, data=data, discovery=sso.fetch_discovery(idp.issuer))

    state = _with_cookie(_state(SsoLoginState), path="/login?sso_error=domain&next=/portal/tickets/2")
    state.load()
    assert state.providers == [{"id": provider.id, "name": "Company IdP"}] and state.has_providers
    assert state.sso_error == sso.REFUSALS["domain"]
    target = urlsplit(_navigation_target(state.start(provider.id)))
    assert target.path == "/api/sso/start"
    assert parse_qs(target.query)["provider"] == [str(provider.id)]
    assert parse_qs(target.query)["next"] == ["/portal/tickets/2"]

    made_up = _with_cookie(_state(SsoLoginState), path="/login?sso_error=%3Cb%3Eyou+were+hacked%3C%2Fb%3E")
    made_up.load()
    assert made_up.sso_error == ""  # only known reasons become text
    with read_session() as session:
        assert len(sso.enabled_providers(session)) == 1
