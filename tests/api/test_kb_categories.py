"""/api/v1/kb/categories/{id}: renamed, moved (never into a loop: 422) and deleted (only empty: 409 with the
count) with kb:write; and the article editor's body images posted to /api/kb/media from the pages."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.actor import KB_READ, KB_WRITE
from tests.api.support import PNG_BYTES, assert_error, bearer
from tests.factories import make_api_key, make_user


def test_categories_are_renamed_moved_and_deleted_over_http(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    reader = bearer(make_api_key(role=Role.admin, scopes=[KB_READ]))
    top = api.client.post("/api/v1/kb/categories", json={"name": "Account"}, headers=writer).json()
    sub = api.client.post("/api/v1/kb/categories", json={"name": "Sign in", "parent_id": top["id"]}, headers=writer)
    sub = sub.json()
    renamed = api.client.patch(f"/api/v1/kb/categories/{sub['id']}", json={"name": "Signing in"}, headers=writer)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Signing in"
    assert renamed.json()["parent_id"] == top["id"]
    loop = api.client.patch(f"/api/v1/kb/categories/{top['id']}", json={"parent_id": sub["id"]}, headers=writer)
    assert_error(loop, 422, "validation_failed")
    assert "parent_id" in loop.json()["error"]["details"]
    assert_error(api.client.patch(f"/api/v1/kb/categories/{sub['id']}", json={"name": ""}, headers=writer), 422)
    assert_error(api.client.patch(f"/api/v1/kb/categories/{sub['id']}", json={"slug": "x"}, headers=writer), 422)
    assert_error(api.client.patch(f"/api/v1/kb/categories/{sub['id']}", json={"name": "X"}, headers=reader), 403)
    assert_error(api.client.patch("/api/v1/kb/categories/999999", json={"name": "X"}, headers=writer), 404)
    moved = api.client.patch(f"/api/v1/kb/categories/{sub['id']}", json={"parent_id": None}, headers=writer)
    assert moved.json()["parent_id"] is None

    article = {"title": "Two-factor sign-in", "category_id": sub["id"]}
    assert api.client.post("/api/v1/kb/articles", json=article, headers=writer).status_code == 201
    used = api.client.delete(f"/api/v1/kb/categories/{sub['id']}", headers=writer)
    assert_error(used, 409, "conflict")
    assert "1 article is in this category" in used.json()["error"]["message"]
    assert_error(api.client.delete(f"/api/v1/kb/categories/{top['id']}", headers=reader), 403)
    gone = api.client.delete(f"/api/v1/kb/categories/{top['id']}", headers=writer)
    assert gone.status_code == 204
    listed = api.client.get("/api/v1/kb/categories", headers=reader).json()
    assert [c["id"] for c in listed] == [sub["id"]]
    assert_error(api.client.delete(f"/api/v1/kb/categories/{top['id']}", headers=writer), 404, "not_found")


def _cookie(user) -> dict[str, str]:
    with write_session() as session:
        return {auth.SESSION_COOKIE: auth.start_login_session(session, user=user)}


def test_the_editors_body_images_are_posted_from_the_pages(api):
    editor = make_user(Role.admin)

    def post(user, data: bytes = PNG_BYTES, *, origin: str = "http://testserver"):
        return api.client.post(
            "/api/kb/media",
            files={"file": ("menu.png", data, "image/png")},
            cookies=_cookie(user) if user is not None else None,
            headers={"Origin": origin},
        )

    assert_error(post(editor, origin="https://elsewhere.example"), 403, "forbidden")
    assert_error(post(None), 401, "unauthenticated")
    assert_error(post(api.agent), 403, "forbidden")  # not a knowledge-base editor
    assert_error(post(editor, b"%PDF-1.4 not an image"), 422, "validation_failed")
    stored = post(editor)
    assert stored.status_code == 201, stored.text
    image = stored.json()
    assert image["src"] == f"/api/kb/media/{image['id']}" and image["filename"] == "menu.png"
    assert api.client.get(image["src"], cookies=_cookie(editor)).content == PNG_BYTES
    assert_error(api.client.get(image["src"]), 404, "not_found")  # shown by no published article yet
