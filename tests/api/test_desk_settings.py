"""/api/v1/audit (admin keys with audit:read) and /api/v1/desk (statuses, priorities, custom fields and tags:
staff keys read, admin keys with desk:manage change); 4xx in the error envelope, never a 500."""

from __future__ import annotations

from autocrm.models import Role
from autocrm.services.actor import AUDIT_READ, DESK_MANAGE, DESK_READ, TICKETS_READ, TICKETS_WRITE
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_ticket


def test_the_audit_log_over_http(api, people):
    headers = bearer(make_api_key(role=Role.admin, scopes=[AUDIT_READ]))
    agent = people.make(Role.agent)
    ticket = make_ticket(by=agent, requester=people.make(Role.customer))
    page = api.client.get("/api/v1/audit", params={"object_type": "ticket", "object_id": ticket.id}, headers=headers)
    assert page.status_code == 200, page.text
    (entry,) = page.json()["items"]
    assert entry["action"] == "ticket.create" and entry["actor"]["user_id"] == agent.id
    by_person = api.client.get("/api/v1/audit", params={"actor_id": agent.id, "limit": 1}, headers=headers).json()
    assert len(by_person["items"]) == 1
    first = api.client.get("/api/v1/audit", params={"limit": 2}, headers=headers).json()
    assert first["next_cursor"]
    older = api.client.get("/api/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers)
    assert all(e["id"] < int(first["next_cursor"]) for e in older.json()["items"])
    dated = api.client.get(
        "/api/v1/audit", params={"from": "2001-01-01T00:00:00Z", "to": "2001-01-02T00:00:00Z"}, headers=headers
    )
    assert dated.json() == {"items": [], "next_cursor": None}

    assert_error(api.client.get("/api/v1/audit", params={"cursor": "x"}, headers=headers), 422)
    assert_error(api.client.get("/api/v1/audit", params={"object_type": "Bad Type"}, headers=headers), 422)
    assert_error(api.client.get("/api/v1/audit", params={"limit": 0}, headers=headers), 422)
    backwards = api.client.get("/api/v1/audit", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=headers)
    assert "end" in assert_error(backwards, 422)["details"]
    assert_error(
        api.client.get("/api/v1/audit", headers=bearer(make_api_key(role=Role.admin, scopes=[TICKETS_READ]))), 403
    )
    assert_error(api.client.get("/api/v1/audit", headers=bearer(make_api_key(scopes=[AUDIT_READ]))), 403)


def test_statuses_and_priorities_over_http(api, people):
    headers = bearer(make_api_key(role=Role.admin, scopes=[DESK_MANAGE]))
    created = api.client.post(
        "/api/v1/desk/statuses", json={"name": "With Ops", "category": "on_hold"}, headers=headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["key"] == "with_ops" and created.headers["Location"].endswith("/statuses/with_ops")
    assert_error(api.client.post("/api/v1/desk/statuses", json={"name": "x", "category": "nope"}, headers=headers), 422)
    assert_error(api.client.post("/api/v1/desk/statuses", json={"name": "", "category": "open"}, headers=headers), 422)
    renamed = api.client.patch("/api/v1/desk/statuses/with_ops", json={"name": "Ops"}, headers=headers)
    assert renamed.json()["name"] == "Ops"
    assert_error(api.client.patch("/api/v1/desk/statuses/missing", json={"name": "x"}, headers=headers), 404)
    make_ticket(by=people.make(Role.agent), requester=people.make(Role.customer), status="with_ops")
    refused = assert_error(
        api.client.patch("/api/v1/desk/statuses/with_ops", json={"is_active": False}, headers=headers), 409
    )
    assert refused["details"]["tickets"] == 1
    keys = [s["key"] for s in api.client.get("/api/v1/desk/statuses", headers=headers).json()]
    order = api.client.post("/api/v1/desk/statuses/order", json={"keys": keys[::-1]}, headers=headers)
    assert [s["key"] for s in order.json()] == keys[::-1]
    assert_error(api.client.post("/api/v1/desk/statuses/order", json={"keys": keys[:1]}, headers=headers), 422)

    made = api.client.post("/api/v1/desk/priorities", json={"name": "Critical"}, headers=headers)
    assert made.status_code == 201 and made.json()["rank"] == 4
    default = api.client.patch("/api/v1/desk/priorities/critical", json={"is_default": True}, headers=headers)
    assert default.json()["is_default"] is True
    assert_error(api.client.patch("/api/v1/desk/priorities/critical", json={"is_active": False}, headers=headers), 409)
    keys = [p["key"] for p in api.client.get("/api/v1/desk/priorities", headers=headers).json()]
    reranked = api.client.post("/api/v1/desk/priorities/order", json={"keys": keys[::-1]}, headers=headers)
    assert [p["key"] for p in reranked.json()] == keys[::-1]

    reader = bearer(make_api_key(role=Role.admin, scopes=[DESK_READ]))
    assert api.client.get("/api/v1/desk/priorities", headers=reader).status_code == 200
    assert_error(api.client.post("/api/v1/desk/priorities", json={"name": "X"}, headers=reader), 403)
    agent_key = bearer(make_api_key(scopes=[DESK_MANAGE]))
    assert_error(api.client.post("/api/v1/desk/priorities", json={"name": "X"}, headers=agent_key), 403)


def test_custom_fields_and_tags_over_http(api, people):
    headers = bearer(make_api_key(role=Role.admin, scopes=[DESK_MANAGE, TICKETS_WRITE]))
    created = api.client.post(
        "/api/v1/desk/custom-fields",
        json={"label": "Plan", "field_type": "select", "options": ["Free", "Pro"], "visible_to_customers": True},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    field = created.json()
    assert field["key"] == "plan" and field["visible_to_customers"] is True
    no_options = api.client.post(
        "/api/v1/desk/custom-fields", json={"label": "Tier", "field_type": "select"}, headers=headers
    )
    assert "options" in assert_error(no_options, 422)["details"]
    assert_error(
        api.client.post("/api/v1/desk/custom-fields", json={"label": "X", "field_type": "blob"}, headers=headers), 422
    )
    changed = api.client.patch(
        f"/api/v1/desk/custom-fields/{field['id']}",
        json={"required": True, "options": ["Free", "Pro", "Team"]},
        headers=headers,
    )
    assert changed.json()["required"] is True and changed.json()["options"] == ["Free", "Pro", "Team"]
    assert_error(api.client.patch("/api/v1/desk/custom-fields/9999", json={"label": "x"}, headers=headers), 404)
    listed = api.client.get("/api/v1/desk/custom-fields", headers=headers).json()
    order = api.client.post(
        "/api/v1/desk/custom-fields/order", json={"keys": [f["key"] for f in listed]}, headers=headers
    )
    assert order.status_code == 200

    agent = people.make(Role.agent)
    make_ticket(by=agent, requester=people.make(Role.customer), tags=["billing"], custom_fields={"plan": "Pro"})
    tags = api.client.get("/api/v1/desk/tags", params={"q": "bill"}, headers=headers).json()
    assert tags == [{"tag": "billing", "tickets": 1}]
    renamed = api.client.post(
        "/api/v1/desk/tags/rename", json={"tags": ["billing"], "into": "payments"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["tickets"] == 1 and len(renamed.json()["result"]["updated"]) == 1
    assert_error(api.client.post("/api/v1/desk/tags/rename", json={"tags": [], "into": "x"}, headers=headers), 422)
    assert_error(
        api.client.post("/api/v1/desk/tags/rename", json={"tags": ["none"], "into": "x"}, headers=headers), 422
    )
    desk_only = bearer(make_api_key(role=Role.admin, scopes=[DESK_MANAGE]))
    assert_error(
        api.client.post("/api/v1/desk/tags/rename", json={"tags": ["payments"], "into": "y"}, headers=desk_only), 403
    )
