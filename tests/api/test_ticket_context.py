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


def test_a_call_is_logged_by_staff_and_shows_in_the_timeline_never_to_the_customer(api):
    path = f"/api/v1/tickets/{api.ticket.id}"
    call = {"direction": "outbound", "duration_seconds": 185, "summary": "Called back: the refund is on its way."}
    logged = api.client.post(f"{path}/calls", json=call, headers=api.headers("agent"))
    assert logged.status_code == 201, logged.text
    body = logged.json()
    assert (body["direction"], body["duration_seconds"]) == ("outbound", 185)
    assert body["message"]["internal"] and body["message"]["channel"] == "phone"
    calls = api.client.get(f"{path}/timeline?kinds=call", headers=api.headers("agent")).json()
    assert [(e["kind"], e["call"]["duration_seconds"]) for e in calls] == [("call", 185)]
    assert_error(api.client.post(f"{path}/calls", json=call, headers=api.headers("read_only")), 403)
    for bad in ({**call, "direction": "sideways"}, {**call, "duration_seconds": -1}, {**call, "summary": ""}):
        assert_error(api.client.post(f"{path}/calls", json=bad, headers=api.headers("agent")), 422, "validation_failed")
