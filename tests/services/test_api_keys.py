"""API keys: revoke, expiry, owners who stop being admins, and the once-a-minute note of their last use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import ApiKey, AuditEntry, Role
from autocrm.models.base import utcnow
from autocrm.services import api_keys, users
from autocrm.services.actor import KEYS_MANAGE, TICKETS_READ, Actor
from autocrm.services.api_keys import ApiKeyState
from autocrm.services.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from tests.factories import make_api_key


def _row(prefix_or_raw: str) -> ApiKey:
    prefix = prefix_or_raw.split("_")[1]
    with read_session() as s:
        return s.exec(select(ApiKey).where(ApiKey.prefix == prefix)).one()


def _actor(raw: str) -> Actor:
    with read_session() as s:
        return api_keys.api_key_actor(s, raw)


def _set(raw: str, **values) -> None:
    with write_session() as s:
        row = s.exec(select(ApiKey).where(ApiKey.prefix == raw.split("_")[1])).one()
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)


def test_a_revoked_key_is_refused_at_once_and_the_revoke_is_audited(people):
    admin = people.make(Role.admin)
    raw = make_api_key(scopes=[TICKETS_READ], by=admin)
    assert _actor(raw).scopes == frozenset({TICKETS_READ})
    key_id = _row(raw).id
    with write_session() as s:
        revoked = api_keys.revoke_api_key(s, actor=Actor.for_user(admin), key_id=key_id)
    assert revoked.state == ApiKeyState.revoked and revoked.revoked_at is not None
    with pytest.raises(AuthenticationFailed, match="revoked"):
        _actor(raw)
    with write_session() as s:  # again: nothing changes, nothing more is audited
        assert api_keys.revoke_api_key(s, actor=Actor.for_user(admin), key_id=key_id).revoked_at == revoked.revoked_at
    with read_session() as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "api_key.revoke")).all()
    assert [(e.object_id, e.actor_user_id) for e in entries] == [(key_id, admin.id)]


def test_a_key_expires_when_chosen_at_creation(people):
    admin = people.make(Role.admin)
    with write_session() as s:
        key, raw = api_keys.create_api_key(
            s, actor=Actor.for_user(admin), name="zapier", scopes=[TICKETS_READ], expires_in_days=30
        )
        _never, forever = api_keys.create_api_key(s, actor=Actor.for_user(admin), name="ci", scopes=[TICKETS_READ])
    assert key.expires_at is not None and timedelta(days=29) < key.expires_at - utcnow() <= timedelta(days=30)
    assert _actor(raw).api_key_id == key.id
    _set(raw, expires_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(AuthenticationFailed, match="expired"):
        _actor(raw)
    assert _actor(forever).role == Role.agent
    with read_session() as s:
        states = {k.name: k.state for k in api_keys.list_api_keys(s, actor=Actor.for_user(admin))}
    assert states == {"zapier": ApiKeyState.expired, "ci": ApiKeyState.active}
    for days in (0, -1, 3651):
        with pytest.raises(ValidationFailed) as info, write_session() as s:
            api_keys.create_api_key(s, actor=Actor.system(), name="x", scopes=[TICKETS_READ], expires_in_days=days)
        assert "expires_in_days" in info.value.details


@pytest.mark.parametrize("change", [{"is_active": False}, {"role": Role.agent}], ids=["deactivated", "demoted"])
def test_a_key_stops_working_when_its_creator_is_deactivated_or_no_longer_an_admin(people, change):
    creator, other_admin = people.make(Role.admin), people.make(Role.admin)
    raw = make_api_key(role=Role.admin, by=creator)
    assert _actor(raw).role == Role.admin
    with write_session() as s:
        users.update_user(s, actor=Actor.for_user(other_admin), user_id=creator.id, **change)
    with pytest.raises(AuthenticationFailed, match="no longer"):
        _actor(raw)
    with read_session() as s:
        (listed,) = api_keys.list_api_keys(s, actor=Actor.for_user(other_admin))
    assert (listed.state, listed.created_by_id, listed.created_by_name) == (
        ApiKeyState.suspended,
        creator.id,
        creator.name,
    )
    with write_session() as s:  # made an admin again (or let back in), the key works again
        users.update_user(s, actor=Actor.for_user(other_admin), user_id=creator.id, is_active=True, role=Role.admin)
    assert _actor(raw).role == Role.admin


def test_last_use_is_written_at_most_once_a_minute(people):
    raw = make_api_key(by=people.make(Role.admin))
    assert _row(raw).last_used_at is None
    _actor(raw)
    first = _row(raw).last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    _actor(raw)
    assert _row(raw).last_used_at == first  # within the minute: no write
    a_while_ago = utcnow() - timedelta(seconds=61)
    _set(raw, last_used_at=a_while_ago)
    _actor(raw)
    assert _row(raw).last_used_at > a_while_ago
    with write_session() as s:  # a key used inside a write session notes its use in that transaction
        api_keys.api_key_actor(s, raw)
    with read_session() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action.like("api_key.use%"))).all() == []


def test_only_admins_and_admin_keys_with_keys_manage_list_and_revoke(people):
    admin, agent, customer = people.make(Role.admin), people.make(Role.agent), people.make(Role.customer)
    raw = make_api_key(by=admin)
    key_id = _row(raw).id
    manager = _actor(make_api_key(role=Role.admin, scopes=[KEYS_MANAGE]))
    no_scope = _actor(make_api_key(role=Role.admin, scopes=[TICKETS_READ]))
    agent_key = _actor(make_api_key(role=Role.agent, scopes=[KEYS_MANAGE]))
    for refused in (Actor.for_user(agent), Actor.for_user(customer), no_scope, agent_key):
        with pytest.raises(PermissionDenied), read_session() as s:
            api_keys.list_api_keys(s, actor=refused)
        with pytest.raises(PermissionDenied), write_session() as s:
            api_keys.revoke_api_key(s, actor=refused, key_id=key_id)
    with read_session() as s:
        listed = api_keys.list_api_keys(s, actor=manager)
    assert {k.id for k in listed} >= {key_id} and all("hash" not in k.model_dump_json() for k in listed)
    with write_session() as s:
        assert api_keys.revoke_api_key(s, actor=manager, key_id=key_id).state == ApiKeyState.revoked
    with pytest.raises(NotFound), write_session() as s:
        api_keys.revoke_api_key(s, actor=manager, key_id=999_999)
    with pytest.raises(PermissionDenied), write_session() as s:  # a key never mints keys
        api_keys.create_api_key(s, actor=manager, name="child", scopes=[TICKETS_READ])


def test_an_inactive_admin_cannot_make_a_key(people):
    admin = people.make(Role.admin, is_active=False)
    with pytest.raises(PermissionDenied), write_session() as s:
        api_keys.create_api_key(s, actor=Actor.for_user(admin), name="k", scopes=[TICKETS_READ])
