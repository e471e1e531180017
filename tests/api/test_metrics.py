"""/api/v1/metrics/agents/{id}: the personal stats' figures over HTTP; 4xx for bad periods, zones and rights."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role, Team, TeamMembership, Ticket
from autocrm.services import auth
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_user


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


def _cookie(user) -> dict[str, str]:
    with write_session() as session:
        return {auth.SESSION_COOKIE: auth.start_login_session(session, user=user)}


def test_team_and_desk_metrics_with_csv(api):
    lead = make_user(Role.agent, name="Lena Lead")
    with write_session() as session:
        team = Team(name="Billing")
        session.add(team)
        session.flush()
        session.add(TeamMembership(team_id=team.id, user_id=lead.id, lead=True))
        session.add(TeamMembership(team_id=team.id, user_id=api.agent.id))
        ticket = session.get(Ticket, api.ticket.id)
        ticket.team_id = team.id
        session.add(ticket)
        team_id = team.id
    admin = api.headers("admin")
    week = "from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z&interval=day"
    ok = api.client.get(f"/api/v1/metrics/teams/{team_id}?{week}", headers=admin)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["team"] == {"id": team_id, "name": "Billing"} and body["backlog"] == 1 and len(body["series"]) == 7
    assert {"created", "solved", "sla_compliance", "csat", "resolution_median_seconds"} <= set(body["current"])
    assert {row["agent"]["name"] for row in body["agents"]} == {"Lena Lead", api.agent.name}
    desk = api.client.get(f"/api/v1/metrics/desk?{week}&interval=week&format=csv", headers=admin)
    assert desk.status_code == 200 and desk.headers["content-type"].startswith("text/csv")
    assert desk.headers["content-disposition"] == 'attachment; filename="autocrm-desk-2026-11-01-2026-11-07.csv"'
    assert desk.text.startswith("Figure,This period,Period before")
    assert_error(api.client.get("/api/v1/metrics/teams/999999", headers=admin), 404, "not_found")
    assert_error(api.client.get(f"/api/v1/metrics/desk?{week}&format=xml", headers=admin), 422, "validation_failed")
    assert_error(api.client.get("/api/v1/metrics/desk", headers=api.headers("agent")), 403, "forbidden")
    # the page's download: the session cookie, the page's rights (a lead their team, not the desk)
    mine = api.client.get(f"/api/dashboards/export.csv?team={team_id}&{week}", cookies=_cookie(lead))
    assert mine.status_code == 200 and f"autocrm-team-{team_id}-2026-11-01" in mine.headers["content-disposition"]
    assert "Lena Lead" in mine.text
    assert_error(api.client.get(f"/api/dashboards/export.csv?{week}", cookies=_cookie(lead)), 403, "forbidden")
    assert_error(
        api.client.get(f"/api/dashboards/export.csv?team={team_id}", cookies=_cookie(api.agent)), 403, "forbidden"
    )
    assert_error(api.client.get("/api/dashboards/export.csv"), 401, "unauthenticated")
