"""/api/v1/kb: writing with kb:write (admins and editors), reading and searching with kb:read, versions,
translations; 4xx in the error envelope, never a 500."""

from __future__ import annotations

from autocrm.events import runner
from autocrm.models import Role
from autocrm.services.actor import KB_READ, KB_WRITE, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key

ARTICLE = {
    "title": "Reset your password",
    "body": "<p>Choose a new password from the sign-in page.</p><script>alert(1)</script>",
    "status": "published",
    "tags": ["Accounts", "accounts"],
}


def test_articles_over_http(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    reader = bearer(make_api_key(role=Role.agent, scopes=[KB_READ]))
    created = api.client.post("/api/v1/kb/articles", json=ARTICLE, headers=writer)
    assert created.status_code == 201, created.text
    article = created.json()
    assert created.headers["Location"] == f"/api/v1/kb/articles/{article['id']}"
    assert "<script>" not in article["body_html"] and article["tags"] == ["accounts"]
    assert article["version"] == 1 and article["group_id"] == article["id"]

    spanish = api.client.post(
        "/api/v1/kb/articles",
        json={**ARTICLE, "title": "Restablecer la contraseña", "locale": "es", "translation_of": article["id"]},
        headers=writer,
    ).json()
    got = api.client.get(f"/api/v1/kb/articles/{article['id']}?locale=es", headers=reader).json()
    assert got["id"] == spanish["id"] and [t["locale"] for t in got["translations"]] == ["en"]
    missing = api.client.get("/api/v1/kb/translations/missing?locale=de", headers=writer).json()
    assert [m["group_id"] for m in missing] == [article["id"]]

    patched = api.client.patch(
        f"/api/v1/kb/articles/{article['id']}", json={"title": "Reset a password", "base_version": 1}, headers=writer
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = api.client.patch(
        f"/api/v1/kb/articles/{article['id']}", json={"title": "Old", "base_version": 1}, headers=writer
    )
    assert_error(stale, 409, "conflict")
    versions = api.client.get(f"/api/v1/kb/articles/{article['id']}/versions", headers=writer).json()
    assert [v["number"] for v in versions] == [2, 1]
    diff = api.client.get(f"/api/v1/kb/articles/{article['id']}/diff?from=1&to=2", headers=writer).json()
    assert "+Reset a password" in diff["title"]

    runner.run_pending_jobs()
    found = api.client.get("/api/v1/kb/search", params={"q": "new password"}, headers=reader).json()
    assert found["items"][0]["article_id"] == article["id"]
    assert set(found["items"][0]) == {"article_id", "title", "locale", "snippet", "score", "url", "kind"}
    in_spanish = api.client.get("/api/v1/kb/search", params={"q": "contraseña", "locale": "es"}, headers=reader)
    assert in_spanish.json()["items"][0]["article_id"] == spanish["id"]

    feedback = api.client.post(f"/api/v1/kb/articles/{article['id']}/feedback", json={"helpful": True}, headers=reader)
    assert feedback.status_code == 204
    assert api.client.get(f"/api/v1/kb/articles/{article['id']}", headers=writer).json()["helpful_yes"] == 1

    deleted = api.client.delete(f"/api/v1/kb/articles/{spanish['id']}", headers=writer)
    assert deleted.status_code == 204
    assert_error(api.client.get(f"/api/v1/kb/articles/{spanish['id']}", headers=reader), 404, "not_found")


def test_bad_requests_get_clear_errors(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    agent_writer = bearer(make_api_key(role=Role.agent, scopes=[KB_READ, KB_WRITE]))
    no_kb = bearer(make_api_key(role=Role.admin, scopes=[TICKETS_READ]))
    assert_error(api.client.post("/api/v1/kb/articles", json={**ARTICLE, "title": ""}, headers=writer), 422)
    assert_error(api.client.post("/api/v1/kb/articles", json={**ARTICLE, "locale": "english"}, headers=writer), 422)
    assert_error(api.client.post("/api/v1/kb/articles", json={**ARTICLE, "extra": 1}, headers=writer), 422)
    assert_error(api.client.post("/api/v1/kb/articles", json=ARTICLE, headers=agent_writer), 403, "forbidden")
    assert_error(api.client.get("/api/v1/kb/articles", headers=no_kb), 403, "forbidden")
    assert_error(api.client.get("/api/v1/kb/search", params={"q": ""}, headers=writer), 422)
    assert_error(api.client.get("/api/v1/kb/articles/999999", headers=writer), 404, "not_found")
    assert_error(api.client.get("/api/v1/kb/articles/1/diff?from=1&to=5", headers=writer), 404, "not_found")
    empty = api.client.get("/api/v1/kb/search", params={"q": "!!!"}, headers=writer)
    assert empty.status_code == 200 and empty.json() == {"items": []}
