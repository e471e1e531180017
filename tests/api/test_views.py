"""REST: /api/v1/views (list, counts, create, get, change, delete, reorder, duplicate, their tickets) and
/api/v1/tickets/bulk with /api/v1/jobs/{id}: scopes, shapes, clear 4xx errors."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import bulk, views
from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, VIEWS_READ, VIEWS_WRITE
from tests.api.support import ApiWorld, assert_error, bearer
from tests.factories import make_api_key, make_ticket, make_user


def _setup(api: ApiWorld) -> dict[str, dict[str, str]]:
    with write_session() as s:
        views.ensure_builtin_views(s)
    every = [TICKETS_READ, TICKETS_WRITE, VIEWS_READ, VIEWS_WRITE]
    return {
        "admin": bearer(make_api_key(scopes=every, role=Role.admin)),
        "agent": bearer(make_api_key(scopes=every)),
        "tickets_read": bearer(make_api_key(scopes=[TICKETS_READ])),
        "no_views": bearer(make_api_key(scopes=[TICKETS_WRITE])),
    }


def test_views_crud_and_their_tickets(api: ApiWorld):
    keys = _setup(api)
    client = api.client
    listed = client.get("/api/v1/views", headers=keys["tickets_read"])
    assert listed.status_code == 200
    assert [v["name"] for v in listed.json()] == ["Unsolved", "Assigned to me", "Unassigned", "All tickets"]
    assert_error(client.get("/api/v1/views", headers=keys["no_views"]), 403, "forbidden")
    # An agent key has no person: it may only make shared views, and only admins share.
    assert_error(client.post("/api/v1/views", headers=keys["agent"], json={"name": "Mine"}), 422)
    assert_error(
        client.post("/api/v1/views", headers=keys["agent"], json={"name": "All", "visibility": "everyone"}), 403
    )
    made = client.post(
        "/api/v1/views",
        headers=keys["admin"],
        json={"name": "Urgent", "visibility": "everyone", "filters": {"priority": ["urgent"]}, "sort": "number"},
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert made.headers["Location"] == f"/api/v1/views/{view['id']}"
    assert view["filters"] == {"priority": ["urgent"]} and view["can_edit"]
    assert_error(client.post("/api/v1/views", headers=keys["admin"], json={"name": "X", "filters": {"page": 2}}), 422)
    assert_error(client.post("/api/v1/views", headers=keys["admin"], json={"name": "X", "bogus": 1}), 422)
    opener = make_user(Role.agent)
    urgent = make_ticket(by=opener, requester=api.customer, priority="urgent", subject="Urgent one")
    page = client.get(f"/api/v1/views/{view['id']}/tickets", headers=keys["tickets_read"])
    assert page.status_code == 200
    body = page.json()
    assert set(body) == {"items", "total", "page", "per_page", "total_is_estimate"}
    assert [t["id"] for t in body["items"]] == [urgent.id]
    narrowed = client.get(
        f"/api/v1/views/{view['id']}/tickets",
        headers=keys["tickets_read"],
        params={"quick": "unassigned", "q": "urgent"},
    )
    assert [t["id"] for t in narrowed.json()["items"]] == [urgent.id]
    assert_error(
        client.get(f"/api/v1/views/{view['id']}/tickets", headers=keys["tickets_read"], params={"quick": "soon"}), 422
    )
    counts = client.get("/api/v1/views/counts", headers=keys["tickets_read"]).json()
    by_id = {c["view_id"]: c["total"] for c in counts}
    assert by_id[view["id"]] == 1
    changed = client.patch(f"/api/v1/views/{view['id']}", headers=keys["admin"], json={"name": "Very urgent"})
    assert changed.status_code == 200 and changed.json()["name"] == "Very urgent"
    assert_error(client.patch(f"/api/v1/views/{view['id']}", headers=keys["agent"], json={"name": "No"}), 403)
    copy = client.post(f"/api/v1/views/{view['id']}/duplicate", headers=keys["admin"], json={"name": "Copy"})
    assert copy.status_code == 422  # an API key keeps no personal view
    order = client.post("/api/v1/views/order", headers=keys["admin"], json={"ids": [view["id"]]})
    assert order.status_code == 200 and order.json()[0]["id"] == view["id"]
    assert client.delete(f"/api/v1/views/{view['id']}", headers=keys["admin"]).status_code == 204
    assert_error(client.get(f"/api/v1/views/{view['id']}", headers=keys["admin"]), 404, "not_found")
    assert_error(client.get("/api/v1/views/0", headers=keys["admin"]), 422)


def test_bulk_now_and_as_a_job(api: ApiWorld):
    keys = _setup(api)
    client = api.client
    opener = make_user(Role.agent)
    ids = [make_ticket(by=opener, requester=api.customer, subject=f"T{n}").id for n in range(3)]
    closed = client.patch(f"/api/v1/tickets/{ids[2]}", headers=keys["agent"], json={"status": "closed"})
    assert closed.status_code == 200
    done = client.post(
        "/api/v1/tickets/bulk", headers=keys["agent"], json={"ids": ids, "changes": {"priority": "high"}}
    )
    assert done.status_code == 200, done.text
    assert done.json()["updated"] == ids[:2]
    assert [(f["id"], f["code"]) for f in done.json()["failed"]] == [(ids[2], "conflict")]
    assert_error(client.post("/api/v1/tickets/bulk", headers=keys["agent"], json={"changes": {"priority": "x"}}), 422)
    assert_error(
        client.post(
            "/api/v1/tickets/bulk", headers=keys["tickets_read"], json={"ids": ids, "changes": {"priority": "low"}}
        ),
        403,
    )
    many = [make_ticket(by=opener, requester=api.customer, subject=f"M{n}").id for n in range(bulk.SYNC_LIMIT + 1)]
    started = client.post(
        "/api/v1/tickets/bulk",
        headers=keys["agent"],
        json={"ids": many, "changes": {"add_tags": ["bulk"]}},
    )
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["status"], job["total"], job["processed"]) == ("pending", len(many), 0)
    runner.run_pending_jobs()
    finished = client.get(f"/api/v1/jobs/{job['id']}", headers=keys["agent"]).json()
    assert (finished["status"], finished["progress"], len(finished["updated"])) == ("done", 1.0, len(many))
    assert_error(client.get(f"/api/v1/jobs/{job['id']}", headers=keys["tickets_read"]), 404)
    tagged = client.get("/api/v1/tickets", headers=keys["agent"], params={"tag": "bulk", "per_page": 1}).json()
    assert tagged["total"] == len(many)


def test_the_ticket_list_takes_the_same_filters(api: ApiWorld):
    keys = _setup(api)
    opener = make_user(Role.agent)
    urgent = make_ticket(by=opener, requester=api.customer, priority="urgent", tags=["vip"], subject="Urgent")
    make_ticket(by=opener, requester=api.customer, priority="low", tags=["vip", "spam"], subject="Low")

    def listed(**params) -> list[int]:
        response = api.client.get("/api/v1/tickets", headers=keys["agent"], params=params)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert listed(quick="high_priority", tags_any="vip") == [urgent.id]
    assert listed(tags_all="vip", tags_none="spam") == [urgent.id]
    assert listed(channel="web", quick="unassigned,high_priority") == [urgent.id]
    assert listed(created_after="2000-01-01T00:00:00Z", q="urgent") == [urgent.id]
    assert_error(api.client.get("/api/v1/tickets", headers=keys["agent"], params={"quick": "mine"}), 422)
    assert_error(api.client.get("/api/v1/tickets", headers=keys["agent"], params={"sla": "late"}), 422)
    assert_error(
        api.client.get("/api/v1/tickets", headers=keys["agent"], params={"created_after": "2020-01-01T00:00:00"}), 422
    )
