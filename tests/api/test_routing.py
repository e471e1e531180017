"""/api/v1/routing: admin keys with routing:manage; rules in order; a trial that writes nothing; 4xx in the
error envelope."""

from __future__ import annotations

from autocrm.models import Role
from autocrm.services.actor import ROUTING_MANAGE, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_team

RULE = {
    "name": "Cards",
    "conditions": {"field": "text", "op": "contains_any", "value": ["card"]},
    "actions": {"priority": "high", "add_tags": ["cards"]},
}


def _manager() -> dict[str, str]:
    return bearer(make_api_key(role=Role.admin, scopes=[ROUTING_MANAGE]))


def test_rules_over_http(api):
    headers = _manager()
    team = make_team(name="Card team")
    created = api.client.post("/api/v1/routing/rules", json={**RULE, "actions": {"team_id": team.id}}, headers=headers)
    assert created.status_code == 201, created.text
    second = api.client.post("/api/v1/routing/rules", json={**RULE, "name": "Second"}, headers=headers).json()
    first = created.json()
    assert [r["id"] for r in api.client.get("/api/v1/routing/rules", headers=headers).json()] == [
        first["id"],
        second["id"],
    ]
    order = api.client.post("/api/v1/routing/rules/order", json={"ids": [second["id"], first["id"]]}, headers=headers)
    assert [r["id"] for r in order.json()] == [second["id"], first["id"]]
    trial = api.client.post("/api/v1/routing/test", json={"subject": "My card", "body": "blocked"}, headers=headers)
    assert trial.status_code == 200 and trial.json()["rule_id"] == second["id"]
    patched = api.client.patch(f"/api/v1/routing/rules/{second['id']}", json={"enabled": False}, headers=headers)
    assert patched.json()["enabled"] is False
    trial = api.client.post("/api/v1/routing/test", json={"subject": "My card"}, headers=headers).json()
    assert trial["rule_id"] == first["id"] and trial["team"]["name"] == "Card team"
    assert api.client.delete(f"/api/v1/routing/rules/{first['id']}", headers=headers).status_code == 204
    assert_error(api.client.get(f"/api/v1/routing/rules/{first['id']}", headers=headers), 404, "not_found")


def test_rights_and_bad_rules(api):
    headers = _manager()
    for other in (
        bearer(make_api_key(role=Role.agent, scopes=[ROUTING_MANAGE])),
        bearer(make_api_key(role=Role.admin, scopes=[TICKETS_READ])),
    ):
        assert_error(api.client.get("/api/v1/routing/rules", headers=other), 403, "forbidden")
    bad = api.client.post(
        "/api/v1/routing/rules", json={**RULE, "conditions": {"field": "x", "op": "is", "value": 1}}, headers=headers
    )
    assert_error(bad, 422, "validation_failed")
    assert "conditions" in bad.json()["error"]["details"]
    assert_error(
        api.client.post("/api/v1/routing/rules", json={**RULE, "actions": {}}, headers=headers),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post("/api/v1/routing/rules", json={**RULE, "triggers": ["ticket.deleted"]}, headers=headers),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post("/api/v1/routing/rules/order", json={"ids": [1, 2]}, headers=headers), 422, "validation_failed"
    )


def test_sla_policies_and_a_tickets_state_over_http(api):
    headers = _manager()
    calendar = api.client.post(
        "/api/v1/sla/calendars",
        json={
            "name": "Office",
            "time_zone": "Europe/Berlin",
            "weekly": {"0": [{"start": "09:00", "end": "17:00"}]},
            "country": "DE",
        },
        headers=headers,
    )
    assert calendar.status_code == 201, calendar.text
    policy = api.client.post(
        "/api/v1/sla/policies",
        json={"name": "Std", "calendar_id": calendar.json()["id"], "targets": {"normal": {"first_response": 60}}},
        headers=headers,
    )
    assert policy.status_code == 201, policy.text
    assert [p["name"] for p in api.client.get("/api/v1/sla/policies", headers=headers).json()] == ["Std"]
    state = api.client.get(f"/api/v1/tickets/{api.ticket.id}/sla", headers=api.headers("agent"))
    assert state.status_code == 200 and state.json()["state"] == "none"  # the ticket predates the policy
    bad = api.client.post(
        "/api/v1/sla/policies", json={"name": "x", "targets": {"normal": {"first_response": 0}}}, headers=headers
    )
    assert_error(bad, 422, "validation_failed")
    assert_error(
        api.client.post(
            "/api/v1/sla/calendars", json={"name": "x", "time_zone": "UTC", "weekly": {"9": []}}, headers=headers
        ),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.patch("/api/v1/sla/policies/99999", json={"enabled": False}, headers=headers), 404, "not_found"
    )
