"""/api/v1/ai: article suggestions for a request being written, for a ticket and for the signed-in customer, and
the deflection counts; scopes and roles checked, 4xx in the error envelope."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import auth, kb
from autocrm.services.actor import AI_USE, KB_READ, TICKETS_READ, Actor
from autocrm.services.ai import suggestions
from autocrm.services.kb import ArticleCreate
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key, make_ticket, make_user

CARD = "<p>Your card arrives within 5 to 7 working days. If it has not arrived after 10 days, order a new one.</p>"


def test_suggestions_over_http(api):
    with write_session() as s:
        article = kb.create_article(
            s,
            actor=Actor.system("tests"),
            data=ArticleCreate(title="My new card has not arrived", body=CARD, status="published"),
        )
    runner.run_pending_jobs()
    customer = make_user(Role.customer)
    ticket = make_ticket(requester=customer, subject="Card not arrived", body="My new card has not arrived yet")
    with write_session() as s:
        suggestions.record_deflection(
            s, actor=Actor.for_user(customer), article_id=article.id, query="card", draft_key="draft-12345678"
        )
    agent = bearer(make_api_key(role=Role.agent, scopes=[AI_USE, KB_READ, TICKETS_READ]))
    kb_only = bearer(make_api_key(role=Role.agent, scopes=[AI_USE, KB_READ]))
    no_ai = bearer(make_api_key(role=Role.agent, scopes=[KB_READ, TICKETS_READ]))

    found = api.client.post(
        "/api/v1/ai/request-suggestions", json={"subject": "My card has not arrived"}, headers=kb_only
    )
    assert found.status_code == 200, found.text
    assert [f["article_id"] for f in found.json()] == [article.id]
    assert set(found.json()[0]) == {"article_id", "title", "snippet", "url"}
    assert api.client.post("/api/v1/ai/request-suggestions", json={"subject": "Hi"}, headers=kb_only).json() == []
    assert_error(api.client.post("/api/v1/ai/request-suggestions", json={"nope": 1}, headers=kb_only), 422)
    assert_error(api.client.post("/api/v1/ai/request-suggestions", json={"subject": "x"}, headers=no_ai), 403)

    for_ticket = api.client.get(f"/api/v1/ai/tickets/{ticket.id}/articles", headers=agent)
    assert for_ticket.status_code == 200 and for_ticket.json()[0]["article_id"] == article.id
    assert for_ticket.json()[0]["link"].endswith(f"/help/articles/{article.id}-my-new-card-has-not-arrived")
    assert_error(api.client.get(f"/api/v1/ai/tickets/{ticket.id}/articles", headers=kb_only), 403)
    assert_error(api.client.get("/api/v1/ai/tickets/999999/articles", headers=agent), 404)

    counts = api.client.get("/api/v1/ai/deflections", params={"since": "2020-01-01T00:00:00Z"}, headers=agent)
    assert counts.status_code == 200 and counts.json()[0]["deflections"] == 1
    assert_error(api.client.get("/api/v1/ai/deflections", params={"since": "2020-01-01T00:00:00"}, headers=agent), 422)
    assert_error(api.client.get("/api/v1/ai/deflections", params={"since": "yesterday"}, headers=agent), 422)
    assert_error(api.client.get("/api/v1/ai/deflections", headers=no_ai), 403)

    # The portal home's articles answer to the browser's session: the customer's own request says why.
    def signed_in(user):
        with write_session() as s:
            api.client.cookies.set(auth.SESSION_COOKIE, auth.start_login_session(s, user=user))

    signed_in(customer)
    try:
        mine = api.client.get("/api/v1/ai/suggestions/for-me")
        assert mine.status_code == 200, mine.text
        assert mine.json()[0]["article_id"] == article.id and mine.json()[0]["reason"] == "request"
        assert mine.json()[0]["request"] == {
            "id": ticket.id,
            "number": ticket.number,
            "subject": "Card not arrived",
            "url": f"/portal/tickets/{ticket.id}",
        }
        assert f"#{ticket.number}" in mine.json()[0]["why"]
        assert set(mine.json()[0]) == {"article_id", "title", "snippet", "url", "reason", "request", "why"}
        assert_error(api.client.get("/api/v1/ai/suggestions/for-me", params={"limit": 0}), 422)
        assert_error(api.client.get("/api/v1/ai/suggestions/for-me", params={"locale": "klingon"}), 422)
        signed_in(api.other_customer)  # no requests: the help centre's latest, said so
        theirs = api.client.get("/api/v1/ai/suggestions/for-me", headers={"Accept-Language": "es"}).json()
        assert [(f["article_id"], f["reason"], f["request"]) for f in theirs] == [(article.id, "latest", None)]
        assert theirs[0]["why"] == "Lo último del centro de ayuda"
        signed_in(api.agent)  # picked from a customer's own requests: staff are refused
        assert_error(api.client.get("/api/v1/ai/suggestions/for-me"), 403, "forbidden")
    finally:
        api.client.cookies.clear()
    assert_error(api.client.get("/api/v1/ai/suggestions/for-me", headers=agent), 403, "forbidden")
    assert_error(api.client.get("/api/v1/ai/suggestions/for-me"), 401, "unauthenticated")
    assert_error(api.client.get("/api/v1/ai/suggestions/for-me", headers=bearer("acrm_0_" + "y" * 43)), 401)
