"""The REST API v1 over HTTP: happy paths, the error envelope, and bad input that must change nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.responses import PlainTextResponse

import autocrm.api
from autocrm.api import create_app, wrap_reflex
from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import Message
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from autocrm.services.tickets import TicketUpdate
from tests.api.support import PNG_BYTES, assert_error, nothing_written
from tests.factories import make_team, make_ticket

# The core ticket routes reach the API's own PostgreSQL worker pool (`api.deps.write`): both databases.
pytestmark = pytest.mark.both_databases

ONE_MIB = 1024 * 1024


def _create(api, **fields):
    body = {
        "subject": "Invoice question",
        "body": "<p>Where is my invoice?</p>",
        "requester_id": api.customer.id,
        **fields,
    }
    return api.client.post("/api/v1/tickets", headers=api.headers(), json=body)


def _raw_post(api, path: str, content: bytes, content_type: str = "application/json"):
    return api.client.post(path, headers={**api.headers(), "Content-Type": content_type}, content=content)


# ---- the app itself -------------------------------------------------------------------------------------


def test_health_checks_the_database_without_auth(api):
    response = api.client.get("/api/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_is_503_in_the_envelope_when_the_database_is_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AUTOCRM_DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-dir' / 'autocrm.db'}")
    reset_settings()
    try:
        assert_error(TestClient(create_app()).get("/api/health"), 503, "unavailable")
    finally:
        reset_settings()


def test_openapi_documents_every_endpoint_the_bearer_scheme_and_the_error_envelope():
    client = TestClient(create_app())
    spec = client.get("/api/v1/openapi.json").json()
    assert {path: sorted(ops) for path, ops in spec["paths"].items()} == {
        "/api/health": ["get"],
        "/api/v1/tickets": ["get", "post"],
        "/api/v1/tickets/{ticket_id}": ["get", "patch"],
        "/api/v1/tickets/{ticket_id}/messages": ["get", "post"],
        "/api/v1/tickets/{ticket_id}/calls": ["post"],
        "/api/v1/tickets/{ticket_id}/audit": ["get"],
        "/api/v1/tickets/{ticket_id}/messages/{message_id}/attachments": ["post"],
        "/api/v1/attachments/{attachment_id}": ["get"],
        "/api/v1/api-keys": ["get"],
        "/api/v1/api-keys/{key_id}": ["delete"],
        "/api/v1/webhooks": ["get", "post"],
        "/api/v1/webhooks/{webhook_id}": ["delete", "get", "patch"],
        "/api/v1/webhooks/{webhook_id}/deliveries": ["get"],
        "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry": ["post"],
        "/api/v1/macros": ["get", "post"],
        "/api/v1/macros/{macro_id}": ["get", "patch"],
        "/api/v1/macros/{macro_id}/versions": ["get"],
        "/api/v1/macros/{macro_id}/diff": ["get"],
        "/api/v1/macros/{macro_id}/submit": ["post"],
        "/api/v1/macros/{macro_id}/approve": ["post"],
        "/api/v1/macros/{macro_id}/reject": ["post"],
        "/api/v1/tickets/{ticket_id}/apply-macro": ["post"],
        "/api/v1/metrics/agents/{agent_id}": ["get"],
        "/api/v1/metrics/teams/{team_id}": ["get"],
        "/api/v1/metrics/desk": ["get"],
        "/api/v1/tickets/{ticket_id}/timeline": ["get"],
        "/api/v1/tickets/{ticket_id}/requester": ["get"],
        "/api/v1/audit": ["get"],
        "/api/v1/desk/statuses": ["get", "post"],
        "/api/v1/desk/statuses/{status_key}": ["patch"],
        "/api/v1/desk/statuses/order": ["post"],
        "/api/v1/desk/priorities": ["get", "post"],
        "/api/v1/desk/priorities/{priority_key}": ["patch"],
        "/api/v1/desk/priorities/order": ["post"],
        "/api/v1/desk/custom-fields": ["get", "post"],
        "/api/v1/desk/custom-fields/{field_id}": ["patch"],
        "/api/v1/desk/custom-fields/order": ["post"],
        "/api/v1/desk/tags": ["get"],
        "/api/v1/desk/tags/rename": ["post"],
        "/api/v1/alerts": ["get"],
        "/api/v1/alerts/rules": ["get", "post"],
        "/api/v1/alerts/rules/{rule_id}": ["delete", "patch"],
        "/api/v1/routing/rules": ["get", "post"],
        "/api/v1/routing/rules/{rule_id}": ["delete", "get", "patch"],
        "/api/v1/routing/rules/order": ["post"],
        "/api/v1/routing/test": ["post"],
        "/api/v1/teams": ["get", "post"],
        "/api/v1/teams/{team_id}": ["delete", "get", "patch"],
        "/api/v1/teams/{team_id}/members": ["get", "post"],
        "/api/v1/teams/{team_id}/members/{user_id}": ["delete", "patch"],
        "/api/v1/teams/{team_id}/shifts": ["post"],
        "/api/v1/teams/{team_id}/shifts/{shift_id}": ["delete", "patch"],
        "/api/v1/teams/{team_id}/coverage": ["get"],
        "/api/v1/skills": ["get", "post"],
        "/api/v1/skills/{skill_id}": ["delete", "patch"],
        "/api/v1/agents/{user_id}": ["get", "patch"],
        "/api/v1/agents/{user_id}/skills": ["get", "put"],
        "/api/v1/agents/{user_id}/skills/{skill_id}": ["delete", "put"],
        "/api/v1/tickets/{ticket_id}/requirements": ["get", "patch"],
        "/api/v1/me/availability": ["get", "put"],
        "/api/v1/channels/email/inbound": ["post"],
        "/api/v1/channels/email/mailboxes": ["get", "post"],
        "/api/v1/channels/email/mailboxes/{mailbox_id}": ["delete", "get", "patch"],
        "/api/v1/channels/email/mailboxes/{mailbox_id}/check": ["post"],
        "/api/v1/channels/email/received": ["get"],
        "/api/v1/channels/email/received/{inbound_id}/retry": ["post"],
        "/api/v1/sla/calendars": ["get", "post"],
        "/api/v1/sla/policies": ["get", "post"],
        "/api/v1/sla/policies/{policy_id}": ["patch"],
        "/api/v1/tickets/{ticket_id}/sla": ["get"],
        "/api/v1/kb/articles": ["get", "post"],
        "/api/v1/kb/articles/{article_id}": ["delete", "get", "patch"],
        "/api/v1/kb/articles/{article_id}/versions": ["get"],
        "/api/v1/kb/articles/{article_id}/diff": ["get"],
        "/api/v1/kb/articles/{article_id}/feedback": ["post"],
        "/api/v1/kb/categories": ["get", "post"],
        "/api/v1/kb/categories/{category_id}": ["delete", "patch"],
        "/api/v1/kb/media": ["post"],
        "/api/v1/kb/media/{media_id}": ["get"],
        "/api/v1/kb/translations/missing": ["get"],
        "/api/v1/kb/search": ["get"],
        "/api/v1/views": ["get", "post"],
        "/api/v1/views/counts": ["get"],
        "/api/v1/views/order": ["post"],
        "/api/v1/views/{view_id}": ["delete", "get", "patch"],
        "/api/v1/views/{view_id}/duplicate": ["post"],
        "/api/v1/views/{view_id}/tickets": ["get"],
        "/api/v1/tickets/bulk": ["post"],
        "/api/v1/jobs/{job_id}": ["get"],
        "/api/v1/ai/summary": ["post"],
        "/api/v1/ai/suggest-reply": ["post"],
        "/api/v1/ai/rewrite": ["post"],
        "/api/v1/ai/status": ["get"],
        "/api/v1/ai/switches": ["patch"],
        "/api/v1/ai/usage": ["get"],
        "/api/v1/ai/health": ["get"],
        "/api/v1/ai/recommendations/agents/{agent_id}": ["get"],
        "/api/v1/ai/spelling": ["post"],
        "/api/v1/ai/request-suggestions": ["post"],
        "/api/v1/ai/tickets/{ticket_id}/articles": ["get"],
        "/api/v1/ai/deflections": ["get"],
        "/api/v1/ai/suggestions/for-me": ["get"],
        "/api/v1/ai/triage": ["post"],
        "/api/v1/tickets/{ticket_id}/suggested-agents": ["get"],
        "/api/v1/chat/answer": ["post"],
        "/api/v1/chat/escalate": ["post"],
    }
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    patch = spec["paths"]["/api/v1/tickets/{ticket_id}"]["patch"]
    assert patch["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert client.get("/api/v1/docs").status_code == 200


def test_module_app_serves_on_its_own():
    assert isinstance(autocrm.api.app, FastAPI)
    assert TestClient(autocrm.api.app).get("/api/v1/openapi.json").status_code == 200


def test_wrap_reflex_mounts_the_ui_beside_a_fresh_api():
    ui = PlainTextResponse("the reflex ui")
    first, second = wrap_reflex(ui), wrap_reflex(ui)
    assert first is not second and first is not autocrm.api.app
    client = TestClient(first)
    assert client.get("/tickets/12").text == "the reflex ui"
    assert client.get("/api/v1/openapi.json").status_code == 200
    # /api paths never fall through to the UI, whatever the method.
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    wrong_method = client.delete("/api/v1/tickets")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "GET, POST"


def test_unknown_routes_and_wrong_methods_answer_in_the_envelope():
    client = TestClient(create_app())
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/not-the-api"), 404, "not_found")
    response = client.put("/api/v1/tickets/1", json={})
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, PATCH"


def test_domain_errors_map_to_statuses():
    app = create_app()
    raised = {
        "validation": ValidationFailed("Bad.", {"subject": "too long"}),
        "not-found": NotFound("Gone."),
        "forbidden": PermissionDenied("No."),
        "unauthenticated": AuthenticationFailed("Who?"),
        "conflict": Conflict("Closed."),
        "rate-limited": RateLimited("Slow down."),
    }

    @app.get("/api/test/{kind}")
    def raise_error(kind: str) -> None:
        raise raised[kind]

    client = TestClient(app)
    expected = {
        "validation": 422,
        "not-found": 404,
        "forbidden": 403,
        "unauthenticated": 401,
        "conflict": 409,
        "rate-limited": 429,
    }
    for kind, status in expected.items():
        error = assert_error(client.get(f"/api/test/{kind}"), status, raised[kind].code)
        assert (error["message"], error["details"]) == (raised[kind].message, raised[kind].details)
    assert client.get("/api/test/unauthenticated").headers["WWW-Authenticate"] == "Bearer"


def test_unexpected_errors_are_logged_without_the_body_and_answered_with_a_500_envelope(caplog):
    app = create_app()

    @app.post("/api/test/crash")
    def crash(payload: dict) -> None:
        raise RuntimeError("bug")

    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="autocrm.api"):
        response = client.post("/api/test/crash?email=jane@example.com", json={"email": "jane@example.com"})
    assert_error(response, 500, "internal_error")
    assert "bug" not in response.text
    logged = [r for r in caplog.records if r.name == "autocrm.api"]
    assert len(logged) == 1 and "/api/test/crash" in logged[0].getMessage() and logged[0].exc_info
    assert "jane@example.com" not in caplog.text


# ---- happy paths ----------------------------------------------------------------------------------------


def test_create_ticket_answers_201_with_location_and_audits_the_key(api):
    response = _create(
        api,
        requester_id=None,
        requester_email="New.Person@Example.com",
        requester_name="New Person",
        priority="high",
        tags=["Billing", "vip"],
        body="Called about an invoice",
        body_format="text",
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["Location"] == f"/api/v1/tickets/{ticket['id']}"
    assert (ticket["status"], ticket["priority"], ticket["channel"], ticket["tags"]) == (
        "new",
        "high",
        "api",
        ["billing", "vip"],
    )
    assert ticket["requester"]["email"] == "new.person@example.com"
    assert api.client.get(response.headers["Location"], headers=api.headers()).json() == ticket
    history = api.client.get(f"/api/v1/tickets/{ticket['id']}/audit", headers=api.headers()).json()
    assert [entry["action"] for entry in history] == ["ticket.create"]
    assert history[0]["actor"].endswith(":agent key") and history[0]["changes"]["priority"] == [None, "high"]


def test_list_filters_sorts_and_pages(api):
    urgent = make_ticket(subject="Card declined", requester=api.customer)
    other = make_ticket(subject="Password reset", requester=api.other_customer)
    for _ in range(3):
        make_ticket(subject="Filler", requester=api.customer)
    with write_session() as session:
        team = make_team(session, name="Billing")
        staff = Actor.for_user(api.agent)
        tickets.update_ticket(
            session,
            actor=staff,
            ticket_id=urgent.id,
            data=TicketUpdate(priority="urgent", assignee_id=api.agent.id, team_id=team.id, tags=["vip"]),
        )
        tickets.update_ticket(session, actor=staff, ticket_id=other.id, data=TicketUpdate(status="pending"))

    def ids(**params) -> list[int]:
        response = api.client.get("/api/v1/tickets", headers=api.headers(), params=params)
        assert response.status_code == 200, response.text
        return sorted(ticket["id"] for ticket in response.json()["items"])

    assert ids(status="pending") == [other.id]
    assert len(ids(status=["new", "pending"])) == len(ids(status="new,pending")) == 6
    assert ids(status_category="pending") == [other.id]
    assert (
        ids(priority="urgent") == ids(assignee=str(api.agent.id)) == ids(team=team.id) == ids(tag="VIP") == [urgent.id]
    )
    assert len(ids(assignee="none")) == 5
    assert ids(q="declined") == ids(q=f"#{urgent.number}") == [urgent.id]
    assert ids(q=api.other_customer.email) == [other.id]

    page = api.client.get(
        "/api/v1/tickets", headers=api.headers(), params={"per_page": 4, "page": 2, "sort": "number"}
    ).json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (6, 2, 4, 2)
    numbers = [
        t["number"] for t in api.client.get("/api/v1/tickets?sort=-number", headers=api.headers()).json()["items"]
    ]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 6


def test_patch_changes_only_the_fields_sent_and_the_audit_shows_each(api):
    url = f"/api/v1/tickets/{api.ticket.id}"
    changed = api.client.patch(
        url, headers=api.headers(), json={"status": "pending", "assignee_id": api.agent.id, "tags": ["billing"]}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["assignee"]["id"], changed.json()["tags"]) == (
        "pending",
        api.agent.id,
        ["billing"],
    )
    unassigned = api.client.patch(url, headers=api.headers(), json={"assignee_id": None}).json()
    assert unassigned["assignee"] is None
    assert (unassigned["subject"], unassigned["status"], unassigned["tags"]) == (
        "Printer on fire",
        "pending",
        ["billing"],
    )
    due = api.client.patch(url, headers=api.headers(), json={"due_at": "2031-05-01T17:00:00+02:00"}).json()
    assert datetime.fromisoformat(due["due_at"]) == datetime(2031, 5, 1, 15, 0, tzinfo=UTC)
    history = api.client.get(f"{url}/audit", headers=api.headers()).json()
    updates = [entry["changes"] for entry in history if entry["action"] == "ticket.update"]
    assert updates[0] == {"status": ["new", "pending"], "assignee_id": [None, api.agent.id], "tags": [[], ["billing"]]}
    assert updates[1] == {"assignee_id": [api.agent.id, None]}
    assert list(updates[2]) == ["due_at"]


def test_reply_and_internal_note(api):
    url = f"/api/v1/tickets/{api.ticket.id}/messages"
    reply = api.client.post(
        url, headers=api.headers(), json={"body": "We are on it.\n\nHang on.", "body_format": "text"}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["body_html"] == "<p>We are on it.</p><p>Hang on.</p>" and reply.json()["channel"] == "api"
    note = api.client.post(url, headers=api.headers(), json={"body": "Customer is on the free plan", "internal": True})
    assert note.status_code == 201 and note.json()["internal"] is True
    conversation = api.client.get(url, headers=api.headers()).json()
    assert [(m["id"], m["internal"]) for m in conversation][1:] == [
        (reply.json()["id"], False),
        (note.json()["id"], True),
    ]
    ticket = api.client.get(f"/api/v1/tickets/{api.ticket.id}", headers=api.headers()).json()
    # The first public staff reply opens a new ticket and counts as the first response.
    assert ticket["status"] == "open" and ticket["first_response_at"] is not None
    actions = [
        entry["action"]
        for entry in api.client.get(f"/api/v1/tickets/{api.ticket.id}/audit", headers=api.headers()).json()
    ]
    assert actions[-2:] == ["ticket.reply", "ticket.note"]


def _reply_by_key(api) -> int:
    """A reply the default key writes: files go only on a message of the caller's own."""
    posted = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages", headers=api.headers(), json={"body": "Screenshot attached"}
    )
    assert posted.status_code == 201, posted.text
    return posted.json()["id"]


def test_attachment_upload_and_download(api):
    url = f"/api/v1/tickets/{api.ticket.id}/messages/{_reply_by_key(api)}/attachments"
    uploaded = api.client.post(
        url, headers=api.headers(), files={"file": ("../../screen shot.png", PNG_BYTES, "text/html")}
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()
    # Named after the file's own bytes, not the type the client claimed; stripped of its path.
    assert (stored["filename"], stored["content_type"], stored["size"]) == (
        "screen shot.png",
        "image/png",
        len(PNG_BYTES),
    )
    download = api.client.get(f"/api/v1/attachments/{stored['id']}", headers=api.headers())
    assert download.status_code == 200 and download.content == PNG_BYTES
    assert download.headers["Content-Type"] == "image/png" and download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="screen shot.png"')
    messages = api.client.get(f"/api/v1/tickets/{api.ticket.id}/messages", headers=api.headers()).json()
    assert [[a["filename"] for a in m["attachments"]] for m in messages] == [["shot.png"], ["screen shot.png"]]


# ---- bad input: always 4xx in the envelope, never a write ----------------------------------------------


def test_unknown_fields_are_rejected(api):
    with nothing_written():
        details = assert_error(_create(api, is_admin=True), 422, "validation_failed")["details"]
        assert details == {"is_admin": "This field is not known here."}
        patch = api.client.patch(
            f"/api/v1/tickets/{api.ticket.id}", headers=api.headers(), json={"requester_id": api.other_customer.id}
        )
        assert "requester_id" in assert_error(patch, 422)["details"]
        message = api.client.post(
            f"/api/v1/tickets/{api.ticket.id}/messages", headers=api.headers(), json={"body": "x", "author_id": 1}
        )
        assert "author_id" in assert_error(message, 422)["details"]


def test_wrong_types_are_rejected(api):
    message_url = f"/api/v1/tickets/{api.ticket.id}/messages"
    with nothing_written():
        for fields, field in [
            ({"subject": 123}, "subject"),
            ({"tags": "vip"}, "tags"),
            ({"tags": [1]}, "tags.0"),
            ({"assignee_id": "abc"}, "assignee_id"),
            ({"custom_fields": []}, "custom_fields"),
            ({"body": None}, "body"),
            ({"requester_id": 1.5}, "requester_id"),
        ]:
            assert field in assert_error(_create(api, **fields), 422)["details"], fields
        note = api.client.post(message_url, headers=api.headers(), json={"body": "x", "internal": []})
        assert "internal" in assert_error(note, 422)["details"]
        patch = api.client.patch(
            f"/api/v1/tickets/{api.ticket.id}", headers=api.headers(), json={"due_at": "next tuesday"}
        )
        assert "due_at" in assert_error(patch, 422)["details"]


def test_bad_enum_values_are_rejected(api):
    with nothing_written():
        assert "channel" in assert_error(_create(api, channel="pigeon"), 422)["details"]
        assert "body_format" in assert_error(_create(api, body_format="markdown"), 422)["details"]
        for params, field in [({"sort": "sideways"}, "sort"), ({"status_category": "limbo"}, "status_category.0")]:
            response = api.client.get("/api/v1/tickets", headers=api.headers(), params=params)
            assert field in assert_error(response, 422)["details"], params


def test_invalid_status_priority_assignee_team_and_requester_are_rejected_by_the_service(api):
    make_team(name="Billing")
    url = f"/api/v1/tickets/{api.ticket.id}"
    bad_fields = [
        ({"status": "limbo"}, "status"),
        ({"priority": "meh"}, "priority"),
        ({"status": None}, "status"),
        ({"assignee_id": api.other_customer.id}, "assignee_id"),
        ({"assignee_id": 999_999}, "assignee_id"),
        ({"team_id": 999_999}, "team_id"),
        ({"tags": ["fine", "not fine!"]}, "tags"),
        ({"custom_fields": {"plan": "pro"}}, "custom_fields.plan"),
        ({"assignee_id": 2**40}, "assignee_id"),
    ]
    with nothing_written():
        for fields, field in bad_fields:
            patch = api.client.patch(url, headers=api.headers(), json=fields)
            assert field in assert_error(patch, 422, "validation_failed")["details"], fields
            if fields != {"status": None}:
                assert field in assert_error(_create(api, **fields), 422, "validation_failed")["details"], fields
        for fields, field in [
            ({"requester_id": 999_999}, "requester_id"),
            ({"requester_id": None}, "requester_email"),
            ({"requester_id": None, "requester_email": "not an address"}, "email"),
            ({"requester_id": 0}, "requester_id"),
        ]:
            assert field in assert_error(_create(api, **fields), 422)["details"], fields
    ticket = api.client.get(url, headers=api.headers()).json()
    assert (ticket["status"], ticket["priority"], ticket["assignee"], ticket["team"], ticket["tags"]) == (
        "new",
        "normal",
        None,
        None,
        [],
    )


MALFORMED_JSON_BODIES = {
    "truncated": b'{"subject": "Hi", "body": ',
    "single quotes": b"{'subject': 'Hi'}",
    "NaN": b'{"subject": "Hi", "body": "x", "requester_id": NaN}',
    "Infinity": b'{"subject": "Hi", "body": "x", "custom_fields": {"seats": Infinity}}',
    "float overflow": b'{"subject": "Hi", "body": "x", "custom_fields": {"seats": 1e400}}',
    "huge integer": b'{"subject": "Hi", "body": "x", "requester_id": 123456789012345678901234567890}',
    "NUL": b'{"subject": "Hi\\u0000", "body": "x", "requester_id": 1}',
    "lone surrogate": b'{"subject": "Hi\\ud800", "body": "x", "requester_id": 1}',
    "not UTF-8": b'{"subject": "Hi \xff\xfe", "body": "x"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


def test_malformed_json_is_a_400(api):
    with nothing_written():
        for label, content in MALFORMED_JSON_BODIES.items():
            response = _raw_post(api, "/api/v1/tickets", content)
            assert response.status_code == 400, (label, response.text)
            assert_error(response, 400, "invalid_json")


def test_bodies_that_are_not_a_json_object_are_a_422(api):
    with nothing_written():
        for content, content_type in [
            (b"[]", "application/json"),
            (b"null", "application/json"),
            (b"", "application/json"),
            (b'{"subject": "Hi", "body": "x"}', "text/plain"),
        ]:
            assert "body" in assert_error(_raw_post(api, "/api/v1/tickets", content, content_type), 422)["details"], (
                content
            )


def test_oversize_bodies_are_a_413(api, monkeypatch):
    too_big = b'{"subject": "Hi", "body": "' + b"x" * ONE_MIB + b'"}'
    upload_url = f"/api/v1/tickets/{api.ticket.id}/messages/{_reply_by_key(api)}/attachments"
    monkeypatch.setenv("AUTOCRM_ATTACHMENT_MAX_BYTES", str(100 * 1024))
    reset_settings()
    with nothing_written():
        assert_error(_raw_post(api, "/api/v1/tickets", too_big), 413, "payload_too_large")
        # Streamed without a Content-Length: the bytes themselves are counted.
        chunks = iter([too_big[i : i + 65536] for i in range(0, len(too_big), 65536)])
        assert_error(_raw_post(api, "/api/v1/tickets", chunks), 413, "payload_too_large")
        big_png = PNG_BYTES + b"\x00" * 300 * 1024
        assert_error(
            api.client.post(upload_url, headers=api.headers(), files={"file": ("big.png", big_png, "image/png")}), 413
        )
        # Under the transport cap but over the configured limit: the service's own check answers.
        slightly_big = PNG_BYTES + b"\x00" * (100 * 1024)
        response = api.client.post(
            upload_url, headers=api.headers(), files={"file": ("b.png", slightly_big, "image/png")}
        )
        assert "file" in assert_error(response, 422)["details"]


def test_html_is_stored_sanitized(api):
    hostile = '<p onclick="steal()">Hi<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a></p>'
    created = _create(api, body=hostile)
    assert created.status_code == 201, created.text
    url = f"/api/v1/tickets/{created.json()['id']}/messages"
    assert api.client.post(url, headers=api.headers(), json={"body": hostile, "internal": True}).status_code == 201
    stored = api.client.get(url, headers=api.headers()).json()
    assert len(stored) == 2
    for message in stored:
        html = message["body_html"].lower()
        assert "<script" not in html and "onerror" not in html and "onclick" not in html and "javascript:" not in html
        # A relative image source goes too: it would call this app with the reader's cookies.
        assert message["body_html"].startswith("<p>Hi") and "<img>" in message["body_html"]
    with read_session() as session:
        in_database = session.exec(select(Message.body_html).where(Message.ticket_id == created.json()["id"])).all()
    assert in_database == [m["body_html"] for m in stored]


def test_unknown_ids_are_a_404(api):
    other_ticket = make_ticket(subject="Someone else's", requester=api.customer)
    with read_session() as session:
        other_message_id = tickets.list_messages(session, actor=Actor.system(), ticket_id=other_ticket.id)[0].id
    missing = 999_999
    with nothing_written():
        for method, path, kwargs in [
            ("GET", f"/api/v1/tickets/{missing}", {}),
            ("PATCH", f"/api/v1/tickets/{missing}", {"json": {"priority": "high"}}),
            ("GET", f"/api/v1/tickets/{missing}/messages", {}),
            ("POST", f"/api/v1/tickets/{missing}/messages", {"json": {"body": "x"}}),
            ("GET", f"/api/v1/tickets/{missing}/audit", {}),
            ("GET", f"/api/v1/attachments/{missing}", {}),
            (
                "POST",
                f"/api/v1/tickets/{api.ticket.id}/messages/{other_message_id}/attachments",
                {"files": {"file": ("a.png", PNG_BYTES)}},
            ),
        ]:
            assert_error(api.client.request(method, path, headers=api.headers(), **kwargs), 404, "not_found")


def test_ids_that_are_not_positive_32_bit_integers_are_a_422(api):
    with nothing_written():
        for bad_id in ["abc", "0", "-1", "1.5", str(2**31), "99999999999999999999999"]:
            for method, path, kwargs in [
                ("GET", f"/api/v1/tickets/{bad_id}", {}),
                ("PATCH", f"/api/v1/tickets/{bad_id}", {"json": {}}),
                ("GET", f"/api/v1/tickets/{bad_id}/messages", {}),
                ("POST", f"/api/v1/tickets/{bad_id}/messages", {"json": {"body": "x"}}),
                ("GET", f"/api/v1/tickets/{bad_id}/audit", {}),
                ("GET", f"/api/v1/attachments/{bad_id}", {}),
                (
                    "POST",
                    f"/api/v1/tickets/{api.ticket.id}/messages/{bad_id}/attachments",
                    {"files": {"file": ("a.png", PNG_BYTES)}},
                ),
            ]:
                error = assert_error(
                    api.client.request(method, path, headers=api.headers(), **kwargs), 422, "validation_failed"
                )
                assert set(error["details"]) & {"ticket_id", "message_id", "attachment_id"}, (method, path)


def test_bad_query_parameters_are_a_422(api):
    for params, field in [
        ({"page": 0}, "page"),
        ({"per_page": 101}, "per_page"),
        ({"page": "two"}, "page"),
        ({"assignee": "bob"}, "assignee"),
        ({"assignee": "me"}, "assignee"),
        ({"assignee": str(2**40)}, "assignee"),
        ({"team": "abc"}, "team"),
        ({"team": 2**40}, "team"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"tag": "\x00"}, "tag"),
        ({"status": "new,\x00"}, "status"),
    ]:
        response = api.client.get("/api/v1/tickets", headers=api.headers(), params=params)
        assert field in assert_error(response, 422, "validation_failed")["details"], params


def test_due_at_must_name_a_time_zone_and_be_in_range(api):
    url = f"/api/v1/tickets/{api.ticket.id}"
    with nothing_written():
        for due_at in ["2031-05-01T17:00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"]:
            assert (
                "due_at"
                in assert_error(api.client.patch(url, headers=api.headers(), json={"due_at": due_at}), 422)["details"]
            )
    assert api.client.get(url, headers=api.headers()).json()["due_at"] is None


def test_closed_tickets_refuse_changes_with_a_409(api):
    url = f"/api/v1/tickets/{api.ticket.id}"
    assert api.client.patch(url, headers=api.headers(), json={"status": "closed"}).status_code == 200
    with nothing_written():
        assert_error(api.client.patch(url, headers=api.headers(), json={"priority": "high"}), 409, "conflict")
        assert_error(
            api.client.post(f"{url}/messages", headers=api.headers(), json={"body": "Hello?"}), 409, "conflict"
        )


def test_unaccepted_attachment_types_are_a_422(api):
    url = f"/api/v1/tickets/{api.ticket.id}/messages/{_reply_by_key(api)}/attachments"
    with nothing_written():
        executable = b"MZ\x90\x00" + b"\xff\xfe" * 100
        assert (
            "file"
            in assert_error(api.client.post(url, headers=api.headers(), files={"file": ("x.exe", executable)}), 422)[
                "details"
            ]
        )
        assert (
            "file"
            in assert_error(api.client.post(url, headers=api.headers(), files={"other": ("a.png", PNG_BYTES)}), 422)[
                "details"
            ]
        )
        assert (
            "file" in assert_error(api.client.post(url, headers=api.headers(), json={"file": "a.png"}), 422)["details"]
        )
