"""/api/v1/ai: summaries, rewrites, the AI settings (status, switches, usage, health) over HTTP, with the scope
`ai:use`, the roles, and 503 `ai_unavailable` when the model cannot answer."""

from __future__ import annotations

from autocrm.models import Role
from autocrm.services.actor import AI_USE, KB_READ, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key


def _keys():
    return {
        "agent": bearer(make_api_key(scopes=[AI_USE, TICKETS_READ])),
        "admin": bearer(make_api_key(scopes=[AI_USE], role=Role.admin)),
    }


def test_summary_and_rewrite_over_http(api, llm_server):
    keys = _keys()
    summarized = api.client.post("/api/v1/ai/summary", json={"ticket_id": api.ticket.id}, headers=keys["agent"])
    assert summarized.status_code == 200, summarized.text
    assert summarized.json()["made_by"] == "extractive"  # the echo answer is not in the four-line shape
    assert summarized.json()["problem"]["text"] == "Help!"
    assert_error(api.client.post("/api/v1/ai/summary", json={"ticket_id": 0}, headers=keys["agent"]), 422)
    assert_error(
        api.client.post("/api/v1/ai/summary", json={"ticket_id": api.ticket.id}, headers=api.headers("agent")),
        403,
        "forbidden",
    )  # a key without ai:use
    llm_server.reply = lambda body: "Good morning, how may I help?"
    rewritten = api.client.post(
        "/api/v1/ai/rewrite", json={"text": "hey what's up", "tone": "formal"}, headers=keys["agent"]
    )
    assert rewritten.status_code == 200, rewritten.text
    assert rewritten.json() == {"text": "Good morning, how may I help?", "tone": "formal", "model": "test-model"}
    assert_error(api.client.post("/api/v1/ai/rewrite", json={"text": "hi", "tone": "rude"}, headers=keys["agent"]), 422)
    llm_server.fail_next = 1
    failed = assert_error(
        api.client.post("/api/v1/ai/rewrite", json={"text": "hi", "tone": "formal"}, headers=keys["agent"]),
        503,
        "ai_unavailable",
    )
    assert failed["details"] == {"reason": "provider_error"}


def test_rewrite_without_an_llm_is_unavailable(api):
    failed = assert_error(
        api.client.post("/api/v1/ai/rewrite", json={"text": "hi", "tone": "concise"}, headers=_keys()["agent"]),
        503,
        "ai_unavailable",
    )
    assert failed["details"] == {"reason": "not_configured"}


def test_the_ai_settings_over_http(api, llm_server):
    keys = _keys()
    status = api.client.get("/api/v1/ai/status", headers=keys["agent"])
    assert status.status_code == 200, status.text
    assert status.json()["configured"] is True and status.json()["enabled"] is True
    assert_error(api.client.patch("/api/v1/ai/switches", json={"enabled": False}, headers=keys["agent"]), 403)
    assert_error(api.client.patch("/api/v1/ai/switches", json={"features": {"nope": True}}, headers=keys["admin"]), 422)
    assert_error(api.client.patch("/api/v1/ai/switches", json={"enable": False}, headers=keys["admin"]), 422)
    switched = api.client.patch("/api/v1/ai/switches", json={"features": {"rewrite": False}}, headers=keys["admin"])
    assert switched.status_code == 200, switched.text
    assert {f["name"]: f["enabled"] for f in switched.json()["features"]}["rewrite"] is False
    off = assert_error(
        api.client.post("/api/v1/ai/rewrite", json={"text": "hi", "tone": "formal"}, headers=keys["agent"]), 503
    )
    assert off["details"] == {"reason": "switched_off"}
    usage = api.client.get("/api/v1/ai/usage?days=1", headers=keys["admin"])
    assert usage.status_code == 200 and {u["feature"] for u in usage.json()} >= {"rewrite", "chat", "summary"}
    assert_error(api.client.get("/api/v1/ai/usage", headers=keys["agent"]), 403)
    assert_error(api.client.get("/api/v1/ai/usage?days=0", headers=keys["admin"]), 422)
    health = api.client.get("/api/v1/ai/health", headers=keys["admin"])
    assert health.status_code == 200 and health.json()["ok"] is True


def test_suggest_reply_over_http(api):
    key = bearer(make_api_key(scopes=[AI_USE, TICKETS_READ, KB_READ]))
    suggested = api.client.post("/api/v1/ai/suggest-reply", json={"ticket_id": api.ticket.id}, headers=key)
    assert suggested.status_code == 200, suggested.text
    assert suggested.json()["made_by"] == "none" and suggested.json()["body"] == ""  # nothing on this desk matches
    assert_error(api.client.post("/api/v1/ai/suggest-reply", json={"ticket_id": "x"}, headers=key), 422)
    assert_error(api.client.post("/api/v1/ai/suggest-reply", json={"ticket_id": 99999}, headers=key), 404)


def test_an_agents_recommendations_over_http(api):
    keys = _keys()
    agent_id = api.agent.id
    seen = api.client.get(f"/api/v1/ai/recommendations/agents/{agent_id}", headers=keys["admin"])
    assert_error(seen, 403)  # the admin's key lacks tickets:read
    admin = bearer(make_api_key(scopes=[AI_USE, TICKETS_READ], role=Role.admin))
    seen = api.client.get(f"/api/v1/ai/recommendations/agents/{agent_id}", headers=admin)
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"agent_id": agent_id, "filters": [], "tips": []}  # no history to learn from yet
    # A key acts for no one: an agent's key may not read another agent's suggestions.
    assert_error(api.client.get(f"/api/v1/ai/recommendations/agents/{agent_id}", headers=keys["agent"]), 403)
    assert_error(api.client.get("/api/v1/ai/recommendations/agents/0", headers=admin), 422)
    assert_error(api.client.get("/api/v1/ai/recommendations/agents/99999", headers=admin), 404)


def test_a_drafts_spelling_over_http(api):
    key = _keys()["agent"]
    checked = api.client.post(
        "/api/v1/ai/spelling", json={"text": "Thanks, we recieve it.", "ticket_id": api.ticket.id}, headers=key
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["spelling_checked"] is True
    assert [(i["word"], i["start"], i["suggestions"][0]) for i in checked.json()["issues"]] == [
        ("recieve", 11, "receive")
    ]
    assert_error(api.client.post("/api/v1/ai/spelling", json={"text": "hi", "locale": "xx"}, headers=key), 422)
    assert_error(api.client.post("/api/v1/ai/spelling", json={"text": "x" * 20_001}, headers=key), 422)
    assert_error(api.client.post("/api/v1/ai/spelling", json={"text": "hi", "ticket_id": 99999}, headers=key), 404)
