"""GET and DELETE /api/v1/api-keys: admin keys with `keys:manage` only, a revoked key is a 401 at once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from autocrm.api import create_app
from autocrm.core.db import write_session
from autocrm.models import ApiKey, Role
from autocrm.models.base import utcnow
from autocrm.services import users
from autocrm.services.actor import KEYS_MANAGE, TICKETS_READ, Actor
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_user


def _prefix(raw: str) -> str:
    return raw.split("_")[1]


def test_an_admin_key_with_keys_manage_lists_keys_without_secrets(api):
    manager = make_api_key(name="key manager", role=Role.admin, scopes=[KEYS_MANAGE])
    assert api.client.get("/api/v1/api-keys", headers=bearer(manager)).status_code == 200  # its first use
    response = api.client.get("/api/v1/api-keys", headers=bearer(manager))
    assert response.status_code == 200, response.text
    listed = {key["name"]: key for key in response.json()}
    assert {"agent key", "admin key", "revoked key", "key manager"} <= set(listed)
    assert listed["revoked key"]["state"] == "revoked" and listed["agent key"]["state"] == "active"
    me = listed["key manager"]
    assert me["prefix"] == _prefix(manager) and me["scopes"] == [KEYS_MANAGE] and me["role"] == "admin"
    assert me["last_used_at"] is not None  # noted by the first request
    assert me["created_by_name"] is None and me["expires_at"] is None
    assert all(manager not in str(key) and "hash" not in key for key in response.json())


def test_revoking_a_key_makes_its_next_request_a_401(api):
    manager = make_api_key(name="key manager", role=Role.admin, scopes=[KEYS_MANAGE])
    victim = api.keys["agent"]
    assert api.client.get("/api/v1/tickets", headers=bearer(victim)).status_code == 200
    keys = api.client.get("/api/v1/api-keys", headers=bearer(manager)).json()
    victim_id = next(key["id"] for key in keys if key["prefix"] == _prefix(victim))
    response = api.client.delete(f"/api/v1/api-keys/{victim_id}", headers=bearer(manager))
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "revoked" and response.json()["revoked_at"]
    error = assert_error(api.client.get("/api/v1/tickets", headers=bearer(victim)), 401, "unauthenticated")
    assert "revoked" in error["message"]
    again = api.client.delete(f"/api/v1/api-keys/{victim_id}", headers=bearer(manager))
    assert again.status_code == 200 and again.json()["revoked_at"] == response.json()["revoked_at"]


def test_without_keys_manage_or_as_an_agent_key_it_is_a_403(api):
    agent_manager = make_api_key(role=Role.agent, scopes=[KEYS_MANAGE])
    for raw in (api.keys["admin"], agent_manager):  # admin without the scope; the scope on an agent key
        assert_error(api.client.get("/api/v1/api-keys", headers=bearer(raw)), 403, "forbidden")
        assert_error(api.client.delete("/api/v1/api-keys/1", headers=bearer(raw)), 403, "forbidden")
    assert "keys:manage" in api.client.get("/api/v1/api-keys", headers=api.headers("admin")).json()["error"]["message"]


def test_unknown_or_malformed_ids_and_bad_keys_are_4xx_never_500(api):
    manager = make_api_key(role=Role.admin, scopes=[KEYS_MANAGE])
    assert_error(api.client.delete("/api/v1/api-keys/999999", headers=bearer(manager)), 404, "not_found")
    for bad in ("0", "-1", "abc", "99999999999999999999"):
        assert_error(api.client.delete(f"/api/v1/api-keys/{bad}", headers=bearer(manager)), 422)
    for kind in ("revoked", "unknown", "garbage", "tampered"):
        assert_error(api.client.get("/api/v1/api-keys", headers=api.headers(kind)), 401, "unauthenticated")
        assert_error(api.client.delete("/api/v1/api-keys/1", headers=api.headers(kind)), 401, "unauthenticated")
    assert_error(api.client.get("/api/v1/api-keys"), 401, "unauthenticated")
    assert_error(api.client.post("/api/v1/api-keys", headers=bearer(manager), json={}), 405)


def test_a_demoted_creators_keys_get_a_401_at_once(api):
    creator, other = make_user(Role.admin), make_user(Role.admin)
    raw = make_api_key(role=Role.admin, scopes=[TICKETS_READ, KEYS_MANAGE], by=creator)
    assert api.client.get("/api/v1/api-keys", headers=bearer(raw)).status_code == 200
    with write_session() as s:
        users.update_user(s, actor=Actor.for_user(other), user_id=creator.id, role=Role.agent)
    error = assert_error(api.client.get("/api/v1/tickets", headers=bearer(raw)), 401, "unauthenticated")
    assert "no longer" in error["message"]


def test_the_endpoints_are_in_the_openapi_with_their_response_model(api):
    spec = api.client.get("/api/v1/openapi.json").json()
    listing = spec["paths"]["/api/v1/api-keys"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"].endswith(
        "/ApiKeyPublic"
    )
    revoke = spec["paths"]["/api/v1/api-keys/{key_id}"]["delete"]
    assert revoke["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiKeyPublic")
    assert revoke["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert "key_hash" not in spec["components"]["schemas"]["ApiKeyPublic"]["properties"]


def test_a_revoke_or_an_expiry_reaches_every_worker_at_once(api):
    """Two app instances stand for two worker processes: nothing about a key is cached in either."""
    manager = make_api_key(role=Role.admin, scopes=[KEYS_MANAGE])
    one, two = api.client, TestClient(create_app())
    for raw in (api.keys["agent"], api.keys["read_only"]):
        assert two.get("/api/v1/tickets", headers=bearer(raw)).status_code == 200
    keys = {key["prefix"]: key["id"] for key in one.get("/api/v1/api-keys", headers=bearer(manager)).json()}
    assert (
        one.delete(f"/api/v1/api-keys/{keys[_prefix(api.keys['agent'])]}", headers=bearer(manager)).status_code == 200
    )
    assert_error(two.get("/api/v1/tickets", headers=bearer(api.keys["agent"])), 401, "unauthenticated")
    with write_session() as s:
        row = s.exec(select(ApiKey).where(ApiKey.prefix == _prefix(api.keys["read_only"]))).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
    error = assert_error(two.get("/api/v1/tickets", headers=bearer(api.keys["read_only"])), 401, "unauthenticated")
    assert "expired" in error["message"]
