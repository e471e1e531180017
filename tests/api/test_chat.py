"""/api/v1/chat: an answer with its sources or an escalation, and a conversation handed to the team; scope
ai:use (and tickets:write to open the ticket); 401, 403 and 422 in the error envelope."""

from __future__ import annotations

from autocrm.core.db import read_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import tickets
from autocrm.services.actor import AI_USE, KB_READ, KB_WRITE, TICKETS_WRITE, Actor
from tests.api.support import assert_error, bearer, nothing_written
from tests.factories import make_api_key

ARTICLE = {
    "title": "Reset your password",
    "body": "<p>Forgot your password? Choose a new password from the sign-in page. The link works for one hour.</p>",
    "status": "published",
}


def test_answer_and_escalate_over_http(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    bot = bearer(make_api_key(scopes=[AI_USE, TICKETS_WRITE]))
    article = api.client.post("/api/v1/kb/articles", json=ARTICLE, headers=writer).json()
    runner.run_pending_jobs()

    got = api.client.post(
        "/api/v1/chat/answer", json={"question": "How do I reset my password?", "locale": "en"}, headers=bot
    )
    assert got.status_code == 200, got.text
    body = got.json()
    assert set(body) == {"answer", "sources", "escalate", "confidence", "reason", "made_by"}
    assert body["escalate"] is False and body["reason"] is None and 0 <= body["confidence"] <= 1
    assert body["made_by"] == "extractive"  # no LLM on this desk: quoted
    assert [set(s) for s in body["sources"]] == [{"article_id", "title", "url", "score"}]
    assert body["sources"][0]["article_id"] == article["id"] and "new password" in body["answer"]

    person = api.client.post(
        "/api/v1/chat/answer",
        json={"question": "Je veux parler à un humain", "locale": "fr", "history": [{"role": "bot", "text": "Hi"}]},
        headers=bot,
    ).json()
    assert person["escalate"] is True and person["reason"] == "asked_for_person" and person["sources"] == []
    assert person["made_by"] == "none"

    escalated = api.client.post(
        "/api/v1/chat/escalate",
        json={
            "transcript": [
                {"role": "customer", "text": "How do I reset my password?"},
                {"role": "bot", "text": body["answer"], "helpful": False, "sources": [article["id"]]},
                {"role": "customer", "text": "I want a human"},
            ],
            "locale": "en",
            "requester_id": api.customer.id,
        },
        headers=bot,
    )
    assert escalated.status_code == 201, escalated.text
    ticket = escalated.json()["ticket"]
    assert ticket["subject"] == "Chat: How do I reset my password?"
    assert "assignee" not in ticket and f"#{ticket['number']}" in escalated.json()["message"]
    with read_session() as s:
        (first,) = tickets.customer_messages(s, actor=Actor.for_user(api.customer), ticket_id=ticket["id"])
    assert "I want a human" in first.body_text and f"/help/articles/{article['id']}-" in first.body_html


def test_keys_and_bad_requests_get_clear_errors(api):
    bot = bearer(make_api_key(scopes=[AI_USE, TICKETS_WRITE]))
    answer_only = bearer(make_api_key(scopes=[AI_USE]))
    no_ai = bearer(make_api_key(scopes=[KB_READ, TICKETS_WRITE]))
    question = {"question": "Where is my card?", "locale": "en"}
    transcript = {"transcript": [{"role": "customer", "text": "Where is my card?"}], "requester_id": api.customer.id}
    assert_error(api.client.post("/api/v1/chat/answer", json=question), 401)
    assert_error(api.client.post("/api/v1/chat/answer", json=question, headers=api.headers("revoked")), 401)
    assert_error(api.client.post("/api/v1/chat/answer", json=question, headers=no_ai), 403, "forbidden")
    with nothing_written():
        assert_error(api.client.post("/api/v1/chat/escalate", json=transcript, headers=no_ai), 403, "forbidden")
        assert_error(api.client.post("/api/v1/chat/escalate", json=transcript, headers=answer_only), 403, "forbidden")
    for bad in (
        {**question, "question": ""},
        {**question, "question": "x" * 2001},
        {**question, "locale": "english"},
        {**question, "extra": 1},
        {**question, "history": [{"role": "customer", "text": "hi", "helpful": "maybe"}]},
        {**question, "history": [{"role": "customer", "text": "hi"}] * 21},
    ):
        assert_error(api.client.post("/api/v1/chat/answer", json=bad, headers=bot), 422)
    with nothing_written():
        for bad in (
            {**transcript, "transcript": []},
            {**transcript, "requester_id": None},
            {**transcript, "transcript": [{"role": "customer", "text": "hi", "sources": ["x"]}]},
            {**transcript, "subject": "x" * 300},
        ):
            assert_error(api.client.post("/api/v1/chat/escalate", json=bad, headers=bot), 422)
