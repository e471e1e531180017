"""The SSO providers as admins manage them: role checks, discovery checks, validation, sealed secrets, audit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, Role, SsoProvider
from autocrm.services import sso
from autocrm.services.errors import Conflict, PermissionDenied, ValidationFailed
from autocrm.services.sso import SsoProviderInput
from autocrm.services.user_shapes import UserPublic
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, provider_for_app


@pytest.fixture
def idp(db_url):  # noqa: ARG001 (the database the providers are stored in)
    with provider_for_app() as provider:
        yield provider


def _input(idp, **overrides) -> SsoProviderInput:
    fields = {"name": "Company IdP", "issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return SsoProviderInput(**(fields | overrides))


def _create(admin, idp, **overrides):
    data = _input(idp, **overrides)
    discovery = sso.check_issuer(actor=admin, issuer=data.issuer)
    with write_session() as session:
        return sso.create_provider(session, actor=admin, data=data, discovery=discovery)


def test_only_admins_manage_providers(people, idp):
    admin = people.actor(people.make(Role.admin))
    provider = _create(admin, idp)
    for role in (Role.agent, Role.customer):
        someone = people.actor(people.make(role))
        with pytest.raises(PermissionDenied):
            sso.check_issuer(actor=someone, issuer=idp.issuer)
        with pytest.raises(PermissionDenied), read_session() as session:
            sso.list_providers(session, actor=someone)
        with pytest.raises(PermissionDenied), write_session() as session:
            sso.set_provider_enabled(session, actor=someone, provider_id=provider.id, enabled=False)
        discovery = sso.fetch_discovery(idp.issuer)
        with pytest.raises(PermissionDenied), write_session() as session:
            sso.create_provider(session, actor=someone, data=_input(idp, name="Mine"), discovery=discovery)


def test_the_client_secret_is_sealed_and_never_in_a_public_shape_or_the_audit(people, idp):
    admin = people.actor(people.make(Role.admin))
    provider = _create(admin, idp, allowed_domains=["Example.COM", "@staff.example.com", "example.com"])
    assert provider.has_client_secret and provider.allowed_domains == ["example.com", "staff.example.com"]
    assert CLIENT_SECRET not in provider.model_dump_json()
    with read_session() as session:
        row = session.get(SsoProvider, provider.id)
        listed = sso.list_providers(session, actor=admin)
        audit_rows = list(session.exec(select(AuditEntry).where(AuditEntry.object_type == "sso_provider")))
    assert CLIENT_SECRET not in row.client_secret_sealed and sso._open_secret(row.client_secret_sealed) == CLIENT_SECRET
    assert CLIENT_SECRET not in "".join(p.model_dump_json() for p in listed)
    assert [entry.changes["client_secret"] for entry in audit_rows] == [[None, "***"]]

    # An edit with no secret keeps the stored one; a new secret replaces it and is audited as changed.
    discovery = sso.fetch_discovery(idp.issuer)
    with write_session() as session:
        sso.update_provider(
            session, actor=admin, provider_id=provider.id, data=_input(idp, client_secret=""), discovery=discovery
        )
    with read_session() as session:
        assert sso._open_secret(session.get(SsoProvider, provider.id).client_secret_sealed) == CLIENT_SECRET
    with write_session() as session:
        sso.update_provider(
            session,
            actor=admin,
            provider_id=provider.id,
            data=_input(idp, client_secret="rotated"),
            discovery=discovery,
        )
    with read_session() as session:
        assert sso._open_secret(session.get(SsoProvider, provider.id).client_secret_sealed) == "rotated"
        last = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert last.changes == {"client_secret": ["***", "***"]}


def test_a_provider_that_does_not_answer_discovery_is_refused_with_a_clear_message(people, idp):
    admin = people.actor(people.make(Role.admin))
    for issuer, says in [
        ("http://127.0.0.1:9", "Could not read http://127.0.0.1:9/.well-known/openid-configuration"),
        (f"{idp.issuer}/realms/other", "Could not read"),
        ("http://login.example.com", "must start with https://"),
        ("not a url", "Enter the provider's issuer URL"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            sso.check_issuer(actor=admin, issuer=issuer)
        assert says in refused.value.details["issuer"], issuer
    # A discovery document fetched for another issuer does not fit this one.
    with pytest.raises(ValidationFailed), write_session() as session:
        sso.create_provider(
            session,
            actor=admin,
            data=_input(idp, issuer="https://elsewhere.example"),
            discovery=sso.fetch_discovery(idp.issuer),
        )


def test_every_bad_field_is_reported_at_once_and_names_are_unique(people, idp):
    admin = people.actor(people.make(Role.admin))
    with pytest.raises(ValidationFailed) as refused:
        sso.validated_input(
            SsoProviderInput(
                name=" ", issuer=idp.issuer, client_id="", allowed_domains=["not a domain"], new_user_role=Role.admin
            )
        )
    assert set(refused.value.details) == {"name", "client_id", "allowed_domains", "new_user_role"}

    # Agents from a provider only from named domains: else anyone with an account there would staff the desk.
    with pytest.raises(ValidationFailed) as refused:
        sso.validated_input(_input(idp, new_user_role=Role.agent))
    assert set(refused.value.details) == {"allowed_domains"}
    assert sso.validated_input(_input(idp, new_user_role=Role.agent, allowed_domains=["example.com"]))

    _create(admin, idp)
    with pytest.raises(Conflict):
        _create(admin, idp, name="company idp")


def test_disabling_hides_the_button(people, idp):
    admin = people.actor(people.make(Role.admin))
    provider = _create(admin, idp)
    with read_session() as session:
        assert [b.name for b in sso.enabled_providers(session)] == ["Company IdP"]
    with write_session() as session:
        assert not sso.set_provider_enabled(session, actor=admin, provider_id=provider.id, enabled=False).enabled
    with read_session() as session:
        assert sso.enabled_providers(session) == []


def test_landing_paths_keep_each_role_on_its_side():
    customer = UserPublic(
        id=1, email="c@example.com", name="C", role=Role.customer, organization_id=None, is_active=True
    )
    agent = customer.model_copy(update={"role": Role.agent})
    assert sso.landing_path(customer, "/portal/tickets/4") == "/portal/tickets/4"
    assert sso.landing_path(customer, "/agent") == "/portal"
    assert sso.landing_path(agent, "/portal") == "/agent"
    assert sso.landing_path(agent, "/agent/tickets/9") == "/agent/tickets/9"
    for unsafe in ("//evil.example", "https://evil.example", "/login?next=/agent"):
        assert sso.landing_path(agent, unsafe) == "/agent"
