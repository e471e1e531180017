"""/api/v1/teams, /skills, /agents and /me/availability over HTTP: admins (and team leads for their team) with
`users:write`, shifts and balancing with `routing:manage`; the availability answers to the browser's session;
4xx in the error envelope, never a 500."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.actor import ROUTING_MANAGE, TICKETS_READ, TICKETS_WRITE, USERS_READ, USERS_WRITE
from tests.api.support import assert_error, bearer, nothing_written
from tests.factories import make_api_key, make_ticket, make_user

ORIGIN = {"Origin": "http://localhost:3000"}


def _admin() -> dict[str, str]:
    return bearer(make_api_key(role=Role.admin, scopes=[USERS_READ, USERS_WRITE, ROUTING_MANAGE, TICKETS_READ]))


def test_teams_members_and_leads_over_http(api):
    headers = _admin()
    other = make_user(Role.agent)
    created = api.client.post(
        "/api/v1/teams",
        json={
            "name": "Network",
            "description": "VPN, Wi-Fi and office networks",
            "member_ids": [api.agent.id],
            "time_zone": "Europe/Madrid",
            "holiday_country": "es",
            "balancing": "least_loaded",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert created.headers["Location"] == f"/api/v1/teams/{team['id']}"
    assert (team["balancing"], team["holiday_country"], team["member_ids"]) == ("least_loaded", "ES", [api.agent.id])
    added = api.client.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": other.id}, headers=headers)
    assert added.status_code == 201 and {m["user_id"] for m in added.json()} == {api.agent.id, other.id}
    # The same agent in a second team.
    second = api.client.post("/api/v1/teams", json={"name": "Billing", "member_ids": [other.id]}, headers=headers)
    assert second.status_code == 201
    lead = api.client.patch(f"/api/v1/teams/{team['id']}/members/{other.id}", json={"lead": True}, headers=headers)
    assert [m["lead"] for m in lead.json() if m["user_id"] == other.id] == [True]
    listed = api.client.get("/api/v1/teams", headers=headers).json()
    assert [t["name"] for t in listed] == ["Billing", "Network"] and listed[1]["lead_ids"] == [other.id]
    detail = api.client.get(f"/api/v1/teams/{team['id']}", headers=headers).json()
    assert detail["team"]["description"] == "VPN, Wi-Fi and office networks" and detail["shifts"] == []
    patched = api.client.patch(f"/api/v1/teams/{team['id']}", json={"balancing": "round_robin"}, headers=headers)
    assert patched.json()["balancing"] == "round_robin"
    removed = api.client.delete(f"/api/v1/teams/{team['id']}/members/{api.agent.id}", headers=headers)
    assert removed.status_code == 204
    assert [m["user_id"] for m in api.client.get(f"/api/v1/teams/{team['id']}/members", headers=headers).json()] == [
        other.id
    ]
    audit = api.client.get(f"/api/v1/teams/{second.json()['id']}", headers=headers)
    assert audit.status_code == 200
    assert api.client.delete(f"/api/v1/teams/{second.json()['id']}", headers=headers).status_code == 204
    assert_error(api.client.get(f"/api/v1/teams/{second.json()['id']}", headers=headers), 404, "not_found")


def test_shifts_and_coverage_over_http(api):
    headers = _admin()
    team = api.client.post(
        "/api/v1/teams",
        json={"name": "Night desk", "member_ids": [api.agent.id], "time_zone": "Europe/Berlin"},
        headers=headers,
    ).json()
    shift = api.client.post(
        f"/api/v1/teams/{team['id']}/shifts",
        json={"name": "Nights", "weekly": {"0": [{"start": "22:00", "end": "06:00"}]}, "member_ids": [api.agent.id]},
        headers=headers,
    )
    assert shift.status_code == 201, shift.text
    assert shift.json()["weekly"] == {"0": [["22:00", "24:00"]], "1": [["00:00", "06:00"]]}
    shift_id = shift.json()["id"]
    # Monday 2026-07-06 23:00 in Berlin is 21:00 UTC; noon is off shift.
    on = api.client.get(
        f"/api/v1/teams/{team['id']}/coverage", params={"at": "2026-07-06T21:00:00+00:00"}, headers=headers
    ).json()
    off = api.client.get(
        f"/api/v1/teams/{team['id']}/coverage", params={"at": "2026-07-06T10:00:00Z"}, headers=headers
    ).json()
    assert [(m["on_shift"], m["can_take_tickets"]) for m in on["members"]] == [(True, True)]
    assert [(m["on_shift"], m["can_take_tickets"]) for m in off["members"]] == [(False, False)]
    renamed = api.client.patch(f"/api/v1/teams/{team['id']}/shifts/{shift_id}", json={"name": "Late"}, headers=headers)
    assert renamed.json()["name"] == "Late"
    assert_error(
        api.client.post(
            f"/api/v1/teams/{team['id']}/shifts",
            json={"name": "Bad", "weekly": {"9": [{"start": "09:00", "end": "17:00"}]}},
            headers=headers,
        ),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post(
            f"/api/v1/teams/{team['id']}/shifts",
            json={"name": "Stranger", "member_ids": [api.customer.id]},
            headers=headers,
        ),
        422,
        "validation_failed",
    )
    assert api.client.delete(f"/api/v1/teams/{team['id']}/shifts/{shift_id}", headers=headers).status_code == 204
    assert_error(api.client.delete(f"/api/v1/teams/{team['id']}/shifts/{shift_id}", headers=headers), 404, "not_found")


def test_skills_and_capacity_over_http(api):
    headers = _admin()
    networking = api.client.post("/api/v1/skills", json={"name": "Networking"}, headers=headers)
    assert networking.status_code == 201
    skill_id = networking.json()["id"]
    assert_error(api.client.post("/api/v1/skills", json={"name": "Networking"}, headers=headers), 409, "conflict")
    put = api.client.put(
        f"/api/v1/agents/{api.agent.id}/skills", json={"skills": [{"skill_id": skill_id, "level": 4}]}, headers=headers
    )
    assert put.json() == [{"skill_id": skill_id, "name": "Networking", "level": 4}]
    one = api.client.put(f"/api/v1/agents/{api.agent.id}/skills/{skill_id}", json={"level": 5}, headers=headers)
    assert one.json()[0]["level"] == 5
    assert_error(
        api.client.put(f"/api/v1/agents/{api.agent.id}/skills/{skill_id}", json={"level": 9}, headers=headers),
        422,
        "validation_failed",
    )
    capacity = api.client.patch(f"/api/v1/agents/{api.agent.id}", json={"max_open_tickets": 3}, headers=headers)
    assert capacity.status_code == 200 and capacity.json()["max_open_tickets"] == 3
    agent = api.client.get(f"/api/v1/agents/{api.agent.id}", headers=headers).json()
    assert (agent["availability"], agent["skills"][0]["level"]) == ("online", 5)
    assert api.client.get("/api/v1/skills", headers=headers).json() == [{"id": skill_id, "name": "Networking"}]
    assert api.client.delete(f"/api/v1/agents/{api.agent.id}/skills/{skill_id}", headers=headers).status_code == 204
    assert api.client.get(f"/api/v1/agents/{api.agent.id}/skills", headers=headers).json() == []
    assert api.client.patch(f"/api/v1/skills/{skill_id}", json={"name": "Networks"}, headers=headers).json()[
        "name"
    ] == ("Networks")
    assert api.client.delete(f"/api/v1/skills/{skill_id}", headers=headers).status_code == 204
    assert_error(api.client.get(f"/api/v1/agents/{api.customer.id}", headers=headers), 404, "not_found")


def test_rights_are_checked_in_the_services(api):
    headers = _admin()
    team = api.client.post("/api/v1/teams", json={"name": "Leads' team"}, headers=headers).json()
    agent_key = bearer(make_api_key(role=Role.agent, scopes=[USERS_READ, USERS_WRITE, ROUTING_MANAGE]))
    without_scope = bearer(make_api_key(role=Role.admin, scopes=[TICKETS_READ, TICKETS_WRITE]))
    users_only = bearer(make_api_key(role=Role.admin, scopes=[USERS_READ, USERS_WRITE]))
    channel_only = bearer(make_api_key(role=Role.admin, scopes=["channels:write"]))
    with nothing_written():
        assert_error(api.client.post("/api/v1/teams", json={"name": "Mine"}, headers=agent_key), 403, "forbidden")
        assert_error(api.client.post("/api/v1/teams", json={"name": "Mine"}, headers=without_scope), 403, "forbidden")
        assert_error(
            api.client.patch(f"/api/v1/teams/{team['id']}", json={"description": "x"}, headers=agent_key),
            403,
            "forbidden",
        )
        assert_error(api.client.post("/api/v1/skills", json={"name": "X"}, headers=agent_key), 403, "forbidden")
        assert_error(api.client.get("/api/v1/teams/1", headers=without_scope), 403, "forbidden")
        assert api.client.get("/api/v1/teams", headers=without_scope).status_code == 200  # tickets:read names teams
        assert_error(api.client.get("/api/v1/teams", headers=channel_only), 403, "forbidden")
        # Balancing needs routing:manage too.
        assert_error(
            api.client.patch(f"/api/v1/teams/{team['id']}", json={"balancing": "round_robin"}, headers=users_only),
            403,
            "forbidden",
        )
        assert_error(api.client.post("/api/v1/teams", json={"name": ""}, headers=headers), 422, "validation_failed")
        assert_error(
            api.client.post("/api/v1/teams", json={"name": "Zoned", "time_zone": "Mars/Base"}, headers=headers),
            422,
            "validation_failed",
        )
        assert_error(
            api.client.post("/api/v1/teams", json={"name": "Odd", "balancing": "random"}, headers=headers),
            422,
            "validation_failed",
        )
        assert_error(api.client.post("/api/v1/teams", json={"name": "Leads' team"}, headers=headers), 409, "conflict")
        assert_error(api.client.get("/api/v1/teams/0", headers=headers), 422, "validation_failed")


def test_a_team_with_unsolved_tickets_is_not_deleted(api):
    headers = _admin()
    team = api.client.post("/api/v1/teams", json={"name": "Busy"}, headers=headers).json()
    make_ticket(by=make_user(Role.admin), requester=api.customer, team_id=team["id"])
    refused = assert_error(api.client.delete(f"/api/v1/teams/{team['id']}", headers=headers), 409, "conflict")
    assert "1 unsolved ticket" in refused["message"]


def test_availability_answers_to_the_browser_session(api):
    with write_session() as session:
        token = auth.start_login_session(session, user=api.agent)
    api.client.cookies.set(auth.SESSION_COOKIE, token)
    try:
        assert api.client.get("/api/v1/me/availability").json()["availability"] == "online"
        assert_error(api.client.put("/api/v1/me/availability", json={"availability": "away"}), 403, "forbidden")
        changed = api.client.put("/api/v1/me/availability", json={"availability": "away"}, headers=ORIGIN)
        assert changed.status_code == 200 and changed.json()["availability"] == "away"
        assert_error(
            api.client.put("/api/v1/me/availability", json={"availability": "asleep"}, headers=ORIGIN),
            422,
            "validation_failed",
        )
    finally:
        api.client.cookies.clear()
    assert_error(api.client.get("/api/v1/me/availability"), 401, "unauthenticated")
    with write_session() as session:
        customer_token = auth.start_login_session(session, user=api.customer)
    api.client.cookies.set(auth.SESSION_COOKIE, customer_token)
    try:
        assert_error(api.client.get("/api/v1/me/availability"), 403, "forbidden")
    finally:
        api.client.cookies.clear()


def test_what_a_ticket_needs_over_http(api):
    headers = _admin()
    writer = bearer(make_api_key(role=Role.agent, scopes=[TICKETS_READ, TICKETS_WRITE]))
    skill = api.client.post("/api/v1/skills", json={"name": "Printers"}, headers=headers).json()
    path = f"/api/v1/tickets/{api.ticket.id}/requirements"
    assert api.client.get(path, headers=writer).json() == {
        "ticket_id": api.ticket.id,
        "required_skills": [],
        "sla_policy_id": None,
    }
    changed = api.client.patch(path, json={"required_skills": [{"skill_id": skill["id"], "level": 3}]}, headers=writer)
    assert changed.status_code == 200, changed.text
    assert changed.json()["required_skills"] == [{"skill_id": skill["id"], "level": 3}]
    timeline = api.client.get(f"/api/v1/tickets/{api.ticket.id}/timeline", headers=writer).json()
    assert any(c["field"] == "skills" and c["after_label"] == "Printers 3+" for e in timeline for c in e["changes"])
    assert_error(api.client.patch(path, json={"sla_policy_id": 999}, headers=writer), 422, "validation_failed")
    assert_error(
        api.client.patch(path, json={"required_skills": [{"skill_id": skill["id"], "level": 0}]}, headers=writer),
        422,
        "validation_failed",
    )
    read_only = bearer(make_api_key(role=Role.agent, scopes=[TICKETS_READ]))
    assert_error(api.client.patch(path, json={"required_skills": []}, headers=read_only), 403, "forbidden")
