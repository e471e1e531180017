"""/api/v1/webhooks: admin keys with `webhooks:manage` only; the secret only in the create response; 4xx
answers in the error envelope, never a 500."""

from __future__ import annotations

from autocrm.core.db import read_session
from autocrm.events import runner
from autocrm.models import Role, WebhookDelivery
from autocrm.services.actor import TICKETS_READ, WEBHOOKS_MANAGE
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_ticket

URL = "https://93.184.215.14/hooks"


def _manager() -> dict[str, str]:
    return bearer(make_api_key(name="hooks", role=Role.admin, scopes=[WEBHOOKS_MANAGE]))


def test_create_list_get_patch_delete(api):
    headers = _manager()
    body = {"url": URL, "events": ["ticket.created", "message.internal_created"], "description": "ERP"}
    created = api.client.post("/api/v1/webhooks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    hook = created.json()
    assert {"id", "url", "events", "active", "secret"} <= set(hook) and hook["secret"].startswith("whsec_")
    assert created.headers["location"] == f"/api/v1/webhooks/{hook['id']}"
    listed = api.client.get("/api/v1/webhooks", headers=headers)
    one = api.client.get(f"/api/v1/webhooks/{hook['id']}", headers=headers)
    patched = api.client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}, headers=headers)
    for response in (listed, one, patched):
        assert response.status_code == 200, response.text
        assert hook["secret"] not in response.text and "secret" not in response.text
    assert [h["id"] for h in listed.json()] == [hook["id"]] and patched.json()["active"] is False
    assert api.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers).json() == []
    assert api.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers).status_code == 204
    assert_error(api.client.get(f"/api/v1/webhooks/{hook['id']}", headers=headers), 404, "not_found")


def test_scopes_and_roles(api):
    agent_with_scope = bearer(make_api_key(role=Role.agent, scopes=[WEBHOOKS_MANAGE]))
    admin_without = bearer(make_api_key(role=Role.admin, scopes=[TICKETS_READ]))
    for headers in (agent_with_scope, admin_without, api.headers("admin")):
        assert_error(api.client.get("/api/v1/webhooks", headers=headers), 403, "forbidden")
        assert_error(
            api.client.post("/api/v1/webhooks", json={"url": URL, "events": ["ticket.created"]}, headers=headers),
            403,
            "forbidden",
        )
    assert_error(api.client.get("/api/v1/webhooks"), 401, "unauthenticated")
    assert_error(api.client.get("/api/v1/webhooks", headers=api.headers("revoked")), 401, "unauthenticated")


def test_bad_bodies_are_clear_422s(api):
    headers = _manager()
    cases = [
        ({"url": URL, "events": ["ticket.exploded"]}, "events"),
        ({"url": URL, "events": []}, None),
        ({"url": "http://127.0.0.1/x", "events": ["ticket.created"]}, "url"),
        ({"url": "http://localhost/x", "events": ["ticket.created"]}, "url"),
        ({"url": "gopher://93.184.215.14/", "events": ["ticket.created"]}, "url"),
        ({"url": URL, "events": ["ticket.created"], "secret": "whsec_mine"}, None),
        ({"events": ["ticket.created"]}, None),
        ({"url": URL + "x" * 2000, "events": ["ticket.created"]}, None),
    ]
    for body, field in cases:
        error = assert_error(api.client.post("/api/v1/webhooks", json=body, headers=headers), 422)
        if field is not None:
            assert field in error["details"], error
    assert "ticket.exploded" in api.client.post("/api/v1/webhooks", json=cases[0][0], headers=headers).text
    assert_error(api.client.patch("/api/v1/webhooks/99", json={"active": True}, headers=headers), 404, "not_found")
    assert_error(api.client.get("/api/v1/webhooks/0", headers=headers), 422)
    assert_error(api.client.post("/api/v1/webhooks/99/deliveries/1/retry", headers=headers), 404, "not_found")
    assert api.client.get("/api/v1/webhooks", headers=headers).json() == []


def test_deliveries_and_retry(api, monkeypatch):
    headers = _manager()
    hook = api.client.post("/api/v1/webhooks", json={"url": URL, "events": ["ticket.created"]}, headers=headers)
    hook_id = hook.json()["id"]
    make_ticket(subject="Delivered somewhere")
    runner.run_pending_jobs()  # fans out; nothing is sent in this test
    deliveries = api.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=headers).json()
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert delivery["status"] == "pending" and delivery["attempts"] == 0 and delivery["next_attempt_at"]
    assert delivery["webhook_id"] == f"evt_{delivery['event_id']}" and delivery["event_type"] == "ticket.created"
    retried = api.client.post(f"/api/v1/webhooks/{hook_id}/deliveries/{delivery['id']}/retry", headers=headers)
    assert retried.status_code == 200, retried.text and retried.json()["status"] == "pending"
    with read_session() as s:
        assert s.get(WebhookDelivery, delivery["id"]) is not None
    other = api.client.post("/api/v1/webhooks", json={"url": URL, "events": ["ticket.updated"]}, headers=headers)
    wrong = f"/api/v1/webhooks/{other.json()['id']}/deliveries/{delivery['id']}/retry"
    assert_error(api.client.post(wrong, headers=headers), 404, "not_found")
