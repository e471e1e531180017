"""/api/v1/macros and /api/v1/tickets/{id}/apply-macro: versions, approval by admins (and leads), the preview
before anything is written, and 4xx answers in the error envelope."""

from __future__ import annotations

from autocrm.core.db import read_session
from autocrm.services import tickets
from autocrm.services.actor import Actor
from tests.api.support import assert_error

BODY = "<p>Hi {{customer.first_name}}, about #{{ticket.number}}:</p>"


def test_a_shared_macro_from_draft_to_applied(api):
    agent, admin = api.headers("agent"), api.headers("admin")
    created = api.client.post(
        "/api/v1/macros",
        json={
            "name": "Refund",
            "body": BODY,
            "scope": "shared",
            "actions": {"priority": "high", "add_tags": ["refund"]},
        },
        headers=agent,
    )
    assert created.status_code == 201, created.text
    macro = created.json()
    assert created.headers["location"] == f"/api/v1/macros/{macro['id']}"
    assert macro["latest"]["state"] == "draft" and macro["usable"] is False
    apply_path = f"/api/v1/tickets/{api.ticket.id}/apply-macro"
    assert_error(api.client.post(apply_path, json={"macro_id": macro["id"]}, headers=agent), 409, "conflict")

    patched = api.client.patch(f"/api/v1/macros/{macro['id']}", json={"body": BODY + "<p>Done.</p>"}, headers=agent)
    assert patched.status_code == 200 and patched.json()["latest"]["number"] == 2
    versions = api.client.get(f"/api/v1/macros/{macro['id']}/versions", headers=agent).json()
    assert [v["number"] for v in versions] == [2, 1]
    diff = api.client.get(f"/api/v1/macros/{macro['id']}/diff?from=1&to=2", headers=agent).json()
    assert {"kind": "added", "text": "Done."} in diff["body"]

    assert api.client.post(f"/api/v1/macros/{macro['id']}/submit", headers=agent).status_code == 200
    pending = api.client.get("/api/v1/macros?pending=true", headers=admin).json()
    assert [m["id"] for m in pending] == [macro["id"]]
    assert_error(api.client.post(f"/api/v1/macros/{macro['id']}/approve", json={}, headers=agent), 403, "forbidden")
    assert_error(
        api.client.post(f"/api/v1/macros/{macro['id']}/approve", json={"version": 1}, headers=admin), 409, "conflict"
    )
    approved = api.client.post(f"/api/v1/macros/{macro['id']}/approve", json={"comment": "OK"}, headers=admin)
    assert approved.status_code == 200 and approved.json()["usable"] is True

    preview = api.client.post(apply_path, json={"macro_id": macro["id"]}, headers=agent)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["applied"] is False and f"#{api.ticket.number}" in shown["body"]
    assert {c["field"] for c in shown["changes"]} == {"priority", "tags"}
    with read_session() as s:
        assert tickets.get_ticket(s, actor=Actor.system(), ticket_id=api.ticket.id).priority != "high"
    done = api.client.post(
        apply_path, json={"macro_id": macro["id"], "confirm": True, "body": "<p>Edited</p>"}, headers=agent
    )
    assert done.status_code == 200, done.text
    assert done.json()["applied"] is True and done.json()["message_id"]
    with read_session() as s:
        ticket = tickets.get_ticket(s, actor=Actor.system(), ticket_id=api.ticket.id)
        last = tickets.list_messages(s, actor=Actor.system(), ticket_id=api.ticket.id)[-1]
    assert ticket.priority == "high" and "refund" in ticket.tags and "Edited" in last.body_html


def test_bad_input_and_missing_rights_are_clear_4xx(api):
    agent = api.headers("agent")
    bad = api.client.post(
        "/api/v1/macros", json={"name": "x", "body": "{{customer.age}}", "scope": "shared"}, headers=agent
    )
    assert_error(bad, 422, "validation_failed")
    assert "customer.age" in bad.json()["error"]["message"]
    assert_error(
        api.client.post("/api/v1/macros", json={"name": "x", "body": "hi"}, headers=agent), 422, "validation_failed"
    )
    assert_error(
        api.client.post(
            "/api/v1/macros", json={"name": "x", "body": "hi", "scope": "shared", "color": 1}, headers=agent
        ),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post(
            "/api/v1/macros", json={"name": "x", "body": "hi", "scope": "shared"}, headers=api.headers("read_only")
        ),
        403,
        "forbidden",
    )
    assert_error(api.client.get("/api/v1/macros/999999", headers=agent), 404, "not_found")
    assert_error(api.client.get("/api/v1/macros"), 401, "unauthenticated")
    assert_error(
        api.client.post("/api/v1/macros/1/reject", json={"comment": ""}, headers=agent), 422, "validation_failed"
    )
