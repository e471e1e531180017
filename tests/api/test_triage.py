"""POST /api/v1/ai/triage: staff keys with `ai:use` get suggestions and their sources; no key 401, a key without
the scope 403, bad input 422 (not JSON at all: 400), all in the error envelope."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import AI_USE, TICKETS_READ, Actor
from autocrm.services.ai import provider, triage
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_ticket, make_user

URL = "/api/v1/ai/triage"


def test_triage_over_http(api):
    triage.forget()
    agent = make_user(Role.agent)
    for subject, priority in (("Password reset please", "high"), ("Refund my invoice", "low")):
        ticket = make_ticket(subject=subject, body=subject)
        with write_session() as s:
            tickets.update_ticket(
                s,
                actor=Actor.for_user(agent),
                ticket_id=ticket.id,
                data=tickets.TicketUpdate(status="solved", priority=priority),
            )
    runner.run_pending_jobs()
    key = bearer(make_api_key(role=Role.agent, scopes=[AI_USE]))
    response = api.client.post(URL, json={"subject": "I need a password reset", "body": ""}, headers=key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "category",
        "category_confidence",
        "team_id",
        "team_confidence",
        "priority",
        "priority_confidence",
        "skills",
        "confidence",
        "similar_tickets",
    }
    assert body["priority"] == "high" and body["category"] is None and 0 < body["confidence"] <= 1
    assert body["similar_tickets"][0]["subject"] == "Password reset please"
    assert set(body["similar_tickets"][0]) == {"ticket_id", "number", "subject", "similarity"}
    triage.forget()


def test_who_may_triage_and_what_is_refused(api):
    ask = {"subject": "Password reset", "body": "I cannot sign in."}
    assert_error(api.client.post(URL, json=ask), 401)
    # Keys act as staff only: customers are refused in the service (tests/services/ai/test_triage.py).
    no_scope = bearer(make_api_key(role=Role.agent, scopes=[TICKETS_READ]))
    assert_error(api.client.post(URL, json=ask, headers=no_scope), 403, "forbidden")
    key = bearer(make_api_key(role=Role.agent, scopes=[AI_USE]))
    for bad in ({}, {"subject": "", "body": "  "}, {**ask, "team": 1}, {"subject": "x" * 251}, {"body": "x" * 20_001}):
        assert_error(api.client.post(URL, json=bad, headers=key), 422)
    assert_error(api.client.post(URL, content=b"not json", headers={**key, "Content-Type": "application/json"}), 400)
    with write_session() as s:  # switched off by an admin: refused as on the ticket page, with the reason
        provider.set_switches(s, actor=Actor.system("tests"), features={"triage": False})
    refused = assert_error(api.client.post(URL, json=ask, headers=key), 503, "ai_unavailable")
    assert refused["details"]["reason"] == "switched_off"
