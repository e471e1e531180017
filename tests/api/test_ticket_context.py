"""/api/v1/tickets/{id}/timeline and /requester: staff keys only, kinds checked, customers never."""

from __future__ import annotations

from tests.api.support import assert_error


def test_timeline_and_requester_over_http(api):
    agent = api.headers("agent")
    path = f"/api/v1/tickets/{api.ticket.id}"
    everything = api.client.get(f"{path}/timeline", headers=agent)
    assert everything.status_code == 200, everything.text
    assert [e["kind"] for e in everything.json()] == ["reply"]
    assert api.client.get(f"{path}/timeline?kinds=change,rating", headers=agent).json() == []
    assert_error(api.client.get(f"{path}/timeline?kinds=gossip", headers=agent), 422, "validation_failed")
    context = api.client.get(f"{path}/requester", headers=agent)
    assert context.status_code == 200 and context.json()["id"] == api.customer.id
    assert_error(api.client.get("/api/v1/tickets/999999/timeline", headers=agent), 404, "not_found")
    assert_error(api.client.get(f"{path}/timeline"), 401, "unauthenticated")
