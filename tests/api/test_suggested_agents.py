"""GET /api/v1/tickets/{id}/suggested-agents: staff keys with `tickets:read` get the agents who resolved the most
similar tickets, with a score and the reason; no key 401, a key without the scope 403, an unknown ticket 404."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import AI_USE, TICKETS_READ, Actor
from autocrm.services.ai import triage
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_team, make_ticket, make_user

URL = "/api/v1/tickets/{}/suggested-agents"


def test_suggested_agents_over_http(api):
    triage.forget()
    ana = make_user(Role.agent, name="Ana Lopez")
    billing = make_team(name="Billing", member_ids=[ana.id])
    for subject in ("Refund my invoice", "Refund the double charge on my card"):
        ticket = make_ticket(subject=subject, body=subject)
        with write_session() as s:
            tickets.update_ticket(
                s,
                actor=Actor.for_user(ana),
                ticket_id=ticket.id,
                data=tickets.TicketUpdate(status="solved", team_id=billing.id, assignee_id=ana.id),
            )
    runner.run_pending_jobs()
    new = make_ticket(subject="Please refund my invoice", body="I was charged twice.")
    key = bearer(make_api_key(role=Role.agent, scopes=[TICKETS_READ]))
    response = api.client.get(URL.format(new.id), headers=key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"ticket_id", "agents", "team", "similar", "note"}
    assert [a["agent"]["name"] for a in body["agents"]] == ["Ana Lopez"]
    assert body["agents"][0]["reason"].startswith("Solved 2 similar tickets, median ")
    assert body["agents"][0]["status"] == "available" and body["team"]["team"]["name"] == "Billing"

    assert_error(api.client.get(URL.format(new.id)), 401)
    no_scope = bearer(make_api_key(role=Role.agent, scopes=[AI_USE]))
    assert_error(api.client.get(URL.format(new.id), headers=no_scope), 403, "forbidden")
    assert_error(api.client.get(URL.format(999_999), headers=key), 404, "not_found")
    triage.forget()
