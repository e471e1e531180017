"""IMAP IDLE against a real dovecot: mail appended to the folder becomes a ticket within seconds, with no poll
job running; only one watcher of the desk holds the lock (a file lock, or a Redis key in scale-out)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from autocrm.channels import imap_idle
from autocrm.core.db import read_session, write_session
from autocrm.models import Role, Ticket
from autocrm.services.actor import Actor
from autocrm.services.email import mailboxes
from autocrm.services.email.mailboxes import MailboxCreate
from tests.factories import make_user
from tests.imap_server import HOST, PASSWORD, USER, Dovecot
from tests.services.test_email_ingest import mail

REDIS_DB = "redis://127.0.0.1:6379/12"  # no other test uses this database


@pytest.fixture
def imap() -> Iterator[Dovecot]:
    with Dovecot() as server:
        yield server


def _mailbox(imap: Dovecot) -> int:
    admin = Actor.for_user(make_user(Role.admin))
    data = MailboxCreate(name="Support", host=HOST, port=imap.port, security="none", username=USER, password=PASSWORD)
    with write_session() as session:
        return mailboxes.create_mailbox(session, actor=admin, data=data).id


def _tickets(subject: str) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(Ticket).where(Ticket.subject == subject)).one()


def _until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the channel, not the database
def test_mail_becomes_a_ticket_within_seconds_through_idle(db_url, imap, tmp_path) -> None:
    mailbox_id = _mailbox(imap)
    stop = threading.Event()
    watcher = imap_idle.IdleWatcher(imap_idle._FileLock(tmp_path / "idle.lock"), refresh_seconds=0.2)
    thread = watcher.start(stop)
    try:
        assert _until(lambda: watcher.watching == [mailbox_id], 10)
        time.sleep(1.0)  # the watcher is in IDLE now (connected, selected, waiting)
        imap.append([mail(subject="Printer by IDLE", message_id="<idle-1@example.org>")])
        assert _until(lambda: _tickets("Printer by IDLE") == 1, 15)  # no poll job runs in this test
        assert _until(lambda: imap.count(criteria="UNSEEN") == 0, 10)  # told after the ticket was written
        imap.append([mail(subject="Second by IDLE", message_id="<idle-2@example.org>")])
        assert _until(lambda: _tickets("Second by IDLE") == 1, 15)  # the watcher went back to IDLE
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive() and watcher.watching == []


def test_an_idle_wait_ends_when_asked_and_says_no_mail_came(imap) -> None:
    import imaplib

    client = imaplib.IMAP4(HOST, imap.port, timeout=10)
    try:
        client.login(USER, PASSWORD)
        client.select("INBOX")
        assert imap_idle.offers_idle(client)
        stop = threading.Event()
        threading.Timer(1.0, stop.set).start()
        started = time.monotonic()
        assert imap_idle.wait_for_mail(client, stop, seconds=30) is False
        assert time.monotonic() - started < 5
        assert client.noop()[0] == "OK"  # the IDLE ended cleanly: the connection takes commands again
    finally:
        client.logout()


def test_one_process_of_the_desk_watches_at_a_time(tmp_path) -> None:
    first, second = imap_idle._FileLock(tmp_path / "idle.lock"), imap_idle._FileLock(tmp_path / "idle.lock")
    assert first.hold() and first.hold() and not second.hold()
    first.release()
    assert second.hold()
    second.release()

    import redis

    redis.Redis.from_url(REDIS_DB).delete(imap_idle._LOCK_KEY)
    one, other = imap_idle._RedisLock(REDIS_DB), imap_idle._RedisLock(REDIS_DB)
    assert one.hold() and one.hold() and not other.hold()  # holding again renews the lease
    one.release()
    assert other.hold()
    other.release()
