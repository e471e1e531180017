"""Tutorials over HTTP: `kind` and `steps` on /api/v1/kb/articles (checked, 4xx in the error envelope), the
step-media upload with kb:write, and the media served in ranges (206, 416, whole) with the article's visibility."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.actor import KB_READ, KB_WRITE
from tests.api.support import PNG_BYTES, assert_error, bearer
from tests.factories import make_api_key

VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 4  # 1,048 bytes


def _cookie(user) -> dict[str, str]:
    with write_session() as session:
        return {auth.SESSION_COOKIE: auth.start_login_session(session, user=user)}


def _upload(api, headers, name: str, data: bytes, kind: str = "image/png"):
    return api.client.post("/api/v1/kb/media", files={"file": (name, data, kind)}, headers=headers)


def test_tutorials_with_uploaded_media_over_http(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    reader = bearer(make_api_key(role=Role.agent, scopes=[KB_READ]))
    image = _upload(api, writer, "shot.png", PNG_BYTES)
    assert image.status_code == 201, image.text
    video = _upload(api, writer, "how.mp4", VIDEO, "video/mp4").json()
    assert image.json()["kind"] == "image" and video["kind"] == "video" and video["content_type"] == "video/mp4"
    assert_error(_upload(api, writer, "notes.txt", b"just words", "text/plain"), 422, "validation_failed")
    assert_error(_upload(api, reader, "shot.png", PNG_BYTES), 403, "forbidden")  # no kb:write

    steps = [
        {
            "title": "Open settings",
            "body": "<p>Tap Settings.</p>",
            "media": {"type": "image", "media_id": image.json()["id"]},
        },
        {"body": "<p>Watch it.</p>", "media": {"type": "video", "media_id": video["id"]}},
        {
            "body": "<p>Or on YouTube.</p>",
            "media": {"type": "embed", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"},
        },
    ]
    body = {"title": "Export your data", "kind": "tutorial", "steps": steps, "status": "draft"}
    created = api.client.post("/api/v1/kb/articles", json=body, headers=writer)
    assert created.status_code == 201, created.text
    tutorial = created.json()
    assert tutorial["kind"] == "tutorial" and len(tutorial["steps"]) == 3
    assert tutorial["steps"][2]["media"]["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    src = tutorial["steps"][1]["media"]["src"]
    assert src == f"/api/kb/media/{video['id']}"

    # a draft's video: editors load it, the help centre's visitors and customers do not
    assert api.client.get(src, cookies=_cookie(api.customer)).status_code == 404
    assert_error(api.client.get(src), 404, "not_found")
    assert api.client.get(f"/api/v1/kb/media/{video['id']}", headers=writer).content == VIDEO
    assert_error(api.client.get(f"/api/v1/kb/media/{video['id']}", headers=reader), 404, "not_found")

    published = api.client.patch(f"/api/v1/kb/articles/{tutorial['id']}", json={"status": "published"}, headers=writer)
    assert published.status_code == 200 and published.json()["version"] == 2

    whole = api.client.get(src)  # a visitor, now that it is published and public
    assert whole.status_code == 200 and whole.content == VIDEO
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-length"] == str(len(VIDEO))
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in whole.headers["content-security-policy"]

    part = api.client.get(src, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == VIDEO[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(VIDEO)}" and part.headers["content-length"] == "100"
    tail = api.client.get(src, headers={"Range": "bytes=-48"})
    assert tail.status_code == 206 and tail.content == VIDEO[-48:]
    assert tail.headers["content-range"] == f"bytes {len(VIDEO) - 48}-{len(VIDEO) - 1}/{len(VIDEO)}"
    rest = api.client.get(src, headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206 and rest.content == VIDEO[1000:]
    past_end = api.client.get(src, headers={"Range": "bytes=1000-99999"})
    assert past_end.status_code == 206 and past_end.content == VIDEO[1000:]
    for bad in ("bytes=5000-", "bytes=20-10", "bytes=-0", "bytes=x-y"):
        refused = api.client.get(src, headers={"Range": bad})
        assert_error(refused, 416, "range_not_satisfiable")
        assert refused.headers["content-range"] == f"bytes */{len(VIDEO)}"
    assert api.client.get(src, headers={"Range": "items=0-1"}).status_code == 200  # another unit: the whole file
    assert api.client.get(src, headers={"Range": "bytes=0-1,5-6"}).status_code == 200
    stale = api.client.get(src, headers={"Range": "bytes=0-9", "If-Range": '"older"'})
    assert stale.status_code == 200 and stale.content == VIDEO
    same = api.client.get(src, headers={"Range": "bytes=0-9", "If-Range": whole.headers["etag"]})
    assert same.status_code == 206 and same.content == VIDEO[:10]

    internal = api.client.patch(
        f"/api/v1/kb/articles/{tutorial['id']}", json={"visibility": "internal"}, headers=writer
    )
    assert internal.status_code == 200
    assert_error(api.client.get(src, cookies=_cookie(api.customer)), 404, "not_found")
    assert api.client.get(src, cookies=_cookie(api.agent), headers={"Range": "bytes=0-3"}).content == VIDEO[:4]


def test_bad_steps_get_clear_errors(api):
    writer = bearer(make_api_key(role=Role.admin, scopes=[KB_READ, KB_WRITE]))
    post = lambda body: api.client.post("/api/v1/kb/articles", json=body, headers=writer)  # noqa: E731
    one = {"body": "<p>Do it.</p>"}
    assert_error(post({"title": "T", "kind": "video"}), 422)
    assert_error(post({"title": "T", "steps": [one]}), 422, "validation_failed")  # an article has no steps
    assert_error(post({"title": "T", "kind": "tutorial", "steps": [{**one, "extra": 1}]}), 422)
    assert_error(post({"title": "T", "kind": "tutorial", "steps": [{**one, "media": {"type": "gif"}}]}), 422)
    assert_error(post({"title": "T", "kind": "tutorial", "steps": [one] * 51}), 422)
    framed = assert_error(
        post(
            {
                "title": "T",
                "kind": "tutorial",
                "steps": [{**one, "media": {"type": "embed", "url": "https://evil.example/x"}}],
            }
        ),
        422,
        "validation_failed",
    )
    assert set(framed["details"]) == {"steps.0.media"}
    missing = assert_error(
        post({"title": "T", "kind": "tutorial", "steps": [{**one, "media": {"type": "image", "media_id": 99999}}]}), 422
    )
    assert set(missing["details"]) == {"steps.0.media"}
    assert_error(post({"title": "T", "kind": "tutorial", "status": "published"}), 422, "validation_failed")
    assert_error(api.client.get("/api/v1/kb/media/0", headers=writer), 422)
    assert_error(api.client.get("/api/v1/kb/media/99999", headers=writer), 404, "not_found")
    assert_error(api.client.get("/api/kb/media/99999"), 404, "not_found")
