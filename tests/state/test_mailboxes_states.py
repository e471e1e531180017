"""The e-mail admin as a state: add, test and turn off a mailbox against a real dovecot, and retry failed mail."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import email as inbound
from autocrm.state.mailboxes import AdminMailboxesState
from tests.imap_server import HOST, PASSWORD, USER, Dovecot
from tests.state.test_states import _signed_in


def _form(port: int, **overrides: str) -> dict[str, str]:
    return {
        "name": "Support",
        "host": HOST,
        "port": str(port),
        "username": USER,
        "password": PASSWORD,
        "folder": "INBOX",
        "processed_folder": "",
    } | overrides


def test_the_email_admin_adds_tests_edits_and_turns_off_a_mailbox(people):
    state = _signed_in(AdminMailboxesState, people.make(Role.admin))
    state.load()
    assert state.loaded and not state.has_rows and not state.has_failed
    with Dovecot() as imap:
        state.open_create()
        state.set_edit_security("none")
        assert state.edit_port == "143"
        state.save(_form(imap.port, host="not a host"))
        assert "host" in state.edit_errors and state.edit_open and not state.rows
        state.save(_form(imap.port, password=""))
        assert "password" in state.edit_errors
        state.save(_form(imap.port))
        (row,) = state.rows
        assert row["state"] == "Not checked" and not state.edit_open and PASSWORD not in str(row)
        state.test(row["id"])
        assert state.rows[0]["state"] == "Working" and "0 unread" in state.rows[0]["last_status"]

        state.open_edit(row["id"])
        assert state.editing and state.edit_host == HOST and state.edit_security == "none"
        state.save(_form(imap.port, password="wrong"))
        state.test(row["id"])
        assert state.rows[0]["state"] == "Failing" and "refused" in state.rows[0]["last_status"]
        state.open_edit(row["id"])
        state.save(_form(imap.port, password=""))  # empty keeps the saved (wrong) password
        state.toggle_enabled(row["id"])
        assert state.rows[0]["state"] == "Off" and not state.rows[0]["enabled"]


def test_failed_mail_is_listed_and_retried(people):
    with write_session() as session:
        inbound.ingest_one(session, inbound.RawMail(b"Subject: x\r\nMessage-ID: <f@x>\r\n\r\nno sender\r\n", "api"))
    state = _signed_in(AdminMailboxesState, people.make(Role.admin))
    state.load()
    (row,) = state.failed
    assert row["sender"] == "(no sender)" and "sender" in row["reason"] and state.failed_count == "1"
    state.retry(row["id"])
    assert state.failed[0]["attempts"] == "2"


def test_the_email_admin_is_for_admins_only(people):
    state = _signed_in(AdminMailboxesState, people.make(Role.agent))
    assert state.load() is not None and not state.loaded
