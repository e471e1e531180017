"""/api/v1/alerts: rules written by admin keys with `desk:manage`, read with `tickets:read`; 4xx for bad input."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import alerts
from autocrm.services.actor import DESK_MANAGE, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_team


def test_alert_rules_over_http(api):
    manager = bearer(make_api_key(role=Role.admin, scopes=[DESK_MANAGE, TICKETS_READ]))
    reader = api.headers("admin")  # tickets:read, no desk:manage
    team = make_team(name="Billing")

    created = api.client.post(
        "/api/v1/alerts/rules", json={"team_id": team.id, "kind": "unassigned", "threshold": 0}, headers=manager
    )
    assert created.status_code == 201, created.text
    rule = created.json()
    assert created.headers["location"] == f"/api/v1/alerts/rules/{rule['id']}"
    assert (rule["kind"], rule["team_name"], rule["firing"]) == ("unassigned", "Billing", False)

    assert_error(
        api.client.post("/api/v1/alerts/rules", json={"kind": "unassigned", "threshold": 1}, headers=reader),
        403,
        "forbidden",
    )
    assert_error(
        api.client.post("/api/v1/alerts/rules", json={"kind": "moon_phase", "threshold": 1}, headers=manager),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post("/api/v1/alerts/rules", json={"kind": "unassigned", "threshold": -1}, headers=manager),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post(
            "/api/v1/alerts/rules", json={"team_id": 999999, "kind": "unassigned", "threshold": 1}, headers=manager
        ),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.patch("/api/v1/alerts/rules/999999", json={"threshold": 3}, headers=manager), 404, "not_found"
    )

    api.client.post(
        "/api/v1/tickets",
        json={"subject": "Refund", "body": "Twice charged", "requester_email": "r@example.com", "team_id": team.id},
        headers=api.headers("agent"),
    )
    with write_session() as session:
        assert alerts.check_all(session) == 1
    firing = api.client.get(f"/api/v1/alerts?team_id={team.id}", headers=reader)
    assert firing.status_code == 200, firing.text
    assert [(a["rule_id"], a["value"]) for a in firing.json()] == [(rule["id"], 1)]
    assert "Billing: 1 unassigned ticket" in firing.json()[0]["summary"]

    changed = api.client.patch(f"/api/v1/alerts/rules/{rule['id']}", json={"enabled": False}, headers=manager)
    assert changed.status_code == 200 and changed.json()["firing"] is False
    assert api.client.get("/api/v1/alerts", headers=reader).json() == []
    assert api.client.delete(f"/api/v1/alerts/rules/{rule['id']}", headers=manager).status_code == 204
    assert api.client.get("/api/v1/alerts/rules", headers=reader).json() == []
