"""/api/v1/metrics/agents/{id}: the personal stats' figures over HTTP; 4xx for bad periods, zones and rights."""

from __future__ import annotations

from autocrm.models import Role
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key


def test_agent_metrics_endpoint(api):
    admin = api.headers("admin")
    ok = api.client.get(
        f"/api/v1/metrics/agents/{api.agent.id}?from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z&interval=day",
        headers=admin,
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["agent"]["id"] == api.agent.id and len(body["series"]) == 7
    assert {"solved", "first_response_median_seconds", "reopen_rate", "csat"} <= set(body["current"])
    assert_error(
        api.client.get(f"/api/v1/metrics/agents/{api.agent.id}?interval=year", headers=admin), 422, "validation_failed"
    )
    assert_error(
        api.client.get(f"/api/v1/metrics/agents/{api.agent.id}?tz=Nowhere/Land", headers=admin),
        422,
        "validation_failed",
    )
    assert_error(api.client.get(f"/api/v1/metrics/agents/{api.customer.id}", headers=admin), 404, "not_found")
    # an agent key acts for no person: it reads no agent's figures
    agent_key = bearer(make_api_key(role=Role.agent))
    assert_error(api.client.get(f"/api/v1/metrics/agents/{api.agent.id}", headers=agent_key), 403, "forbidden")
