"""The e-mail channel's settings over REST: admin keys with `channels:manage` set up, check, change and remove
IMAP mailboxes against a real dovecot (never seeing a password in an answer), list the received mail and
retry a failed message."""

from __future__ import annotations

from autocrm.core.db import read_session
from autocrm.models import AuditEntry, EmailMailbox, InboundMail, Role
from autocrm.services.actor import CHANNELS_MANAGE, CHANNELS_WRITE, TICKETS_READ
from tests.api.support import assert_error, bearer
from tests.factories import make_api_key
from tests.imap_server import HOST, PASSWORD, USER, Dovecot
from tests.services.test_email_ingest import mail

URL = "/api/v1/channels/email/mailboxes"


def test_an_admin_key_sets_up_checks_changes_and_removes_a_mailbox(api):
    key = bearer(make_api_key(name="ops", scopes=[CHANNELS_MANAGE], role=Role.admin))
    with Dovecot() as imap:
        fields = {"name": "Support", "host": HOST, "port": imap.port, "security": "none"}
        created = api.client.post(URL, headers=key, json=fields | {"username": USER, "password": PASSWORD})
        assert created.status_code == 201, created.text
        mailbox = created.json()
        assert created.headers["Location"] == f"{URL}/{mailbox['id']}"
        assert PASSWORD not in created.text and "password" not in mailbox

        imap.append([mail(message_id="<rest-1@example.org>")])
        check = api.client.post(f"{URL}/{mailbox['id']}/check", headers=key)
        assert check.status_code == 200 and check.json() == {
            "ok": True,
            "message": "Connected: 1 unread message in INBOX.",
        }
        assert imap.count(criteria="UNSEEN") == 1  # a check fetches nothing

        wrong = api.client.patch(f"{URL}/{mailbox['id']}", headers=key, json={"password": "not-it"})
        assert wrong.status_code == 200 and PASSWORD not in wrong.text
        refused = api.client.post(f"{URL}/{mailbox['id']}/check", headers=key).json()
        assert refused["ok"] is False and refused["message"]

    listed = api.client.get(URL, headers=key).json()
    assert [(m["id"], m["last_ok"]) for m in listed] == [(mailbox["id"], False)]
    bad_host = api.client.patch(f"{URL}/{mailbox['id']}", headers=key, json={"host": "not a host"})
    assert "host" in assert_error(bad_host, 422, "validation_failed")["details"]
    assert api.client.delete(f"{URL}/{mailbox['id']}", headers=key).status_code == 204
    assert_error(api.client.get(f"{URL}/{mailbox['id']}", headers=key), 404, "not_found")
    with read_session() as session:
        assert session.get(EmailMailbox, mailbox["id"]) is None
        actions = [e.action for e in session.query(AuditEntry).filter(AuditEntry.object_type == "email_mailbox")]
    assert actions == ["mailbox.create", "mailbox.update", "mailbox.delete"]  # the refused change wrote nothing


def test_only_admin_keys_with_the_scope_manage_the_channel(api):
    body = {"name": "Support", "host": "imap.example.com", "username": "u", "password": "p"}
    agent_key = bearer(make_api_key(scopes=[CHANNELS_MANAGE]))
    assert_error(api.client.post(URL, headers=agent_key, json=body), 403, "forbidden")
    admin_without_scope = bearer(make_api_key(scopes=[TICKETS_READ], role=Role.admin))
    assert_error(api.client.get(URL, headers=admin_without_scope), 403, "forbidden")
    assert_error(api.client.get("/api/v1/channels/email/received", headers=admin_without_scope), 403, "forbidden")
    assert_error(api.client.get(URL), 401, "unauthenticated")


def test_the_failed_mail_is_listed_and_retried(api):
    inbound = bearer(make_api_key(name="mailgun", scopes=[CHANNELS_WRITE]))
    failed = api.client.post(
        "/api/v1/channels/email/inbound",
        content=b"\x00\xff not a mail",
        headers=inbound | {"Content-Type": "message/rfc822"},
    ).json()
    assert failed["status"] == "failed"
    api.client.post(
        "/api/v1/channels/email/inbound", content=mail(), headers=inbound | {"Content-Type": "message/rfc822"}
    )
    key = bearer(make_api_key(scopes=[CHANNELS_MANAGE], role=Role.admin))

    listed = api.client.get("/api/v1/channels/email/received", headers=key).json()
    assert [row["status"] for row in listed] == ["failed"] and listed[0]["reason"]
    everything = api.client.get("/api/v1/channels/email/received?status=created", headers=key).json()
    assert len(everything) == 1
    bad_filter = api.client.get("/api/v1/channels/email/received?status=lost", headers=key)
    assert_error(bad_filter, 422, "validation_failed")

    retried = api.client.post(f"/api/v1/channels/email/received/{listed[0]['id']}/retry", headers=key)
    assert (
        retried.status_code == 200 and retried.json()["status"] == "failed"
    )  # still not a mail: kept, attempted again
    with read_session() as session:
        again = session.query(InboundMail).filter(InboundMail.status == "failed").one()
    assert again.attempts == 2
    created_id = everything[0]["id"]
    assert_error(api.client.post(f"/api/v1/channels/email/received/{created_id}/retry", headers=key), 409, "conflict")
