"""POST /api/v1/channels/email/inbound: keys with `channels:write` only; every message answers 200 with what
became of it (a bad one too: `failed` with the reason), never a 5xx."""

from __future__ import annotations

from autocrm.core.db import read_session
from autocrm.models import InboundMail, Role
from autocrm.services.actor import CHANNELS_WRITE, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key
from tests.services.test_email_ingest import mail

URL = "/api/v1/channels/email/inbound"


def _post(api, data: bytes, key: str):
    return api.client.post(URL, content=data, headers=bearer(key) | {"Content-Type": "message/rfc822"})


def test_a_message_becomes_a_ticket_and_a_reply_threads(api):
    key = make_api_key(name="mailgun", scopes=[CHANNELS_WRITE])
    first = _post(api, mail(message_id="<api-1@example.org>"), key)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "created" and body["ticket_id"] and body["message_id"] and body["reason"] == ""
    reply = _post(api, mail(text="Any news?", In_Reply_To="<api-1@example.org>"), key)
    assert reply.json()["status"] == "threaded" and reply.json()["ticket_id"] == body["ticket_id"]
    again = _post(api, mail(message_id="<api-1@example.org>"), key)
    assert again.json()["duplicate"] is True and again.json()["ticket_id"] == body["ticket_id"]


def test_garbage_is_stored_and_answers_failed_never_a_500(api):
    key = make_api_key(name="mailgun", scopes=[CHANNELS_WRITE])
    for data in (b"\x00\xff\xfe not a mail at all", b"Subject: =?utf-8?b?broken\r\n\r\nno sender"):
        answer = _post(api, data, key)
        assert answer.status_code == 200 and answer.json()["status"] == "failed" and answer.json()["reason"]
    empty = _post(api, b"", key)
    assert empty.status_code == 200 and empty.json()["status"] == "failed"
    with read_session() as session:
        assert {row.status for row in session.query(InboundMail).all()} == {"failed"}


def test_only_staff_keys_with_the_scope_may_post(api):
    assert_error(_post(api, mail(), make_api_key(scopes=[TICKETS_READ])), 403, "forbidden")
    assert_error(api.client.post(URL, content=mail()), 401, "unauthenticated")
    admin_key = make_api_key(scopes=[CHANNELS_WRITE], role=Role.admin)
    assert _post(api, mail(), admin_key).json()["status"] == "created"
