"""IMAP mailboxes against a real dovecot on loopback: set-up and test-connection, polling as the scheduled job,
the mailbox updated only after the commit, a worker killed mid-poll losing and duplicating nothing, and a
1,000-message backlog (its rate printed, never asserted)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import EmailMailbox, InboundMail, Job, Role, Ticket
from autocrm.services.email import mailboxes
from autocrm.services.email.mailboxes import MailboxCreate, MailboxUpdate
from autocrm.services.errors import PermissionDenied, ValidationFailed
from tests.imap_server import HOST, PASSWORD, USER, Dovecot
from tests.services.test_email_ingest import mail


@pytest.fixture
def imap() -> Iterator[Dovecot]:
    with Dovecot() as server:
        yield server


def _mailbox(people, imap: Dovecot, **fields) -> tuple[int, object]:
    admin = people.actor(people.make(Role.admin))
    data = {
        "name": "Support",
        "host": HOST,
        "port": imap.port,
        "security": "none",
        "username": USER,
        "password": PASSWORD,
    } | fields
    with write_session() as session:
        created = mailboxes.create_mailbox(session, actor=admin, data=MailboxCreate(**data))
    return created.id, admin


def _count(model, *where) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_set_up_test_and_poll_as_the_scheduled_job(db_url, people, imap) -> None:
    mailbox_id, admin = _mailbox(people, imap)
    agent = people.actor(people.make(Role.agent))
    with write_session() as session:
        row = session.get(EmailMailbox, mailbox_id)
        assert PASSWORD not in row.password_sealed  # sealed at rest
        with pytest.raises(PermissionDenied):
            mailboxes.list_mailboxes(session, actor=agent)
        with pytest.raises(ValidationFailed):
            mailboxes.update_mailbox(session, actor=admin, mailbox_id=mailbox_id, data=MailboxUpdate(security="tls9"))
    check = mailboxes.check_connection(actor=admin, mailbox_id=mailbox_id)
    assert check.ok and "0 unread" in check.message
    imap.append(
        [
            mail(message_id="<imap-1@example.org>"),
            mail(text="Any news?", In_Reply_To="<imap-1@example.org>"),
            mail(subject="Out of office", Auto_Submitted="auto-replied"),
            b"Subject: no sender\r\nMessage-ID: <imap-bad@x>\r\n\r\n?\r\n",
        ]
    )
    runner.ensure_scheduled()
    runner.run_pending_jobs()
    with read_session() as session:
        statuses = [r.status for r in session.exec(select(InboundMail).order_by(InboundMail.id))]
        assert statuses == ["created", "threaded", "ignored", "failed"]
        assert session.exec(select(Job).where(Job.name == "email.poll")).one().last_error is None
        row = session.get(EmailMailbox, mailbox_id)
        assert row.last_ok and row.last_status == "Fetched 4 new messages."
    assert imap.count(criteria="UNSEEN") == 0 and imap.count() == 4  # all taken, and flagged \Seen
    with write_session() as session:
        bad = mailboxes.update_mailbox(session, actor=admin, mailbox_id=mailbox_id, data=MailboxUpdate(password="no"))
    check = mailboxes.check_connection(actor=admin, mailbox_id=bad.id)
    assert not check.ok and "refused the user name or password" in check.message


def test_processed_messages_move_to_their_folder(db_url, people, imap) -> None:
    imap.create_folder("Done")
    mailbox_id, _admin = _mailbox(people, imap, processed_folder="Done")
    imap.append([mail(), mail(sender="other@example.org")])
    result = mailboxes.poll_mailbox(mailbox_id)
    assert result.error is None and result.fetched == 2
    assert imap.count() == 0 and imap.count("Done") == 2


def test_a_crash_before_the_mailbox_is_told_duplicates_nothing(db_url, people, imap, monkeypatch) -> None:
    mailbox_id, _admin = _mailbox(people, imap)
    imap.append([mail(subject=f"Backlog {n}") for n in range(5)])

    def killed(*_args) -> None:
        raise KeyboardInterrupt  # the worker dies after the commit, before flagging the messages

    monkeypatch.setattr(mailboxes, "_mark_done", killed)
    with pytest.raises(KeyboardInterrupt):
        mailboxes.poll_mailbox(mailbox_id)
    assert _count(Ticket) == 5 and imap.count(criteria="UNSEEN") == 5
    monkeypatch.undo()
    again = mailboxes.poll_mailbox(mailbox_id)
    assert again.fetched == 5 and all(r.duplicate for r in again.results)
    assert _count(Ticket) == 5 and imap.count(criteria="UNSEEN") == 0


_POLL_IN_A_CHILD = """
from autocrm.services.email import mailboxes
mailboxes.POLL_BATCH = 10
mailboxes.poll_mailbox({mailbox_id})
"""


def test_a_worker_killed_mid_poll_loses_and_duplicates_nothing(db_url, people, imap) -> None:
    mailbox_id, _admin = _mailbox(people, imap)
    total = 200
    imap.append(
        [mail(sender=f"k{n}@example.org", subject=f"M {n}", message_id=f"<kill-{n}@example.org>") for n in range(total)]
    )
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", _POLL_IN_A_CHILD.format(mailbox_id=mailbox_id)], env=os.environ.copy()
    )
    deadline = time.monotonic() + 60
    while _count(InboundMail) < total // 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    written_before = _count(InboundMail)
    assert 0 < written_before < total, "the child should have been killed mid-poll"
    mailboxes.poll_mailbox(mailbox_id)
    with read_session() as session:
        ids = session.exec(select(InboundMail.message_id)).all()
    assert sorted(ids) == sorted(f"<kill-{n}@example.org>" for n in range(total))  # each once, none lost
    assert _count(Ticket) == total and imap.count(criteria="UNSEEN") == 0


def test_a_thousand_message_backlog(db_url, people, imap, capsys) -> None:
    mailbox_id, _admin = _mailbox(people, imap)
    total = 1000
    imap.append([mail(sender=f"customer{n}@example.org", subject=f"Question {n}") for n in range(total)])
    started = time.perf_counter()
    result = mailboxes.poll_mailbox(mailbox_id)
    seconds = time.perf_counter() - started
    assert result.error is None and result.fetched == total
    assert _count(Ticket) == total and imap.count(criteria="UNSEEN") == 0
    with capsys.disabled():
        print(f"\n1,000-message IMAP backlog on {db_url.split(':')[0]}: {seconds:.1f} s, {total / seconds:.0f} msg/s")
