"""`autocrm mail-listener`: a real SMTP conversation (smtplib) with the listener on a free loopback port."""

from __future__ import annotations

import smtplib
import threading

from sqlmodel import select

from autocrm.channels.smtp_listener import ListenerThread
from autocrm.core.db import read_session
from autocrm.models import InboundMail, Ticket
from tests.services.test_email_ingest import mail


def test_mail_sent_over_smtp_becomes_a_ticket_and_its_reply_threads(db_url) -> None:
    with ListenerThread() as listener, smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.sendmail("jane@example.org", ["support@autocrm.local"], mail(message_id="<smtp-1@example.org>"))
        code, answer = client.docmd("NOOP")
        assert code == 250
        client.sendmail(
            "jane@example.org", ["support@autocrm.local"], mail(text="More", In_Reply_To="<smtp-1@example.org>")
        )
        refused = client.sendmail("x@example.org", ["support@autocrm.local"], b"Subject: no sender\r\n\r\nhi\r\n")
        assert refused == {}  # stored in the failed list, not bounced
    with read_session() as session:
        rows = session.exec(select(InboundMail).order_by(InboundMail.id)).all()
        assert [(r.source, r.status) for r in rows] == [("smtp", "created"), ("smtp", "threaded"), ("smtp", "failed")]
        assert len(session.exec(select(Ticket)).all()) == 1


def test_concurrent_connections_are_written_together_and_each_answered_once_stored(db_url, monkeypatch) -> None:
    from autocrm.channels import smtp_listener

    groups: list[int] = []
    real_store_all = smtp_listener._store_all

    def counted(raws):
        groups.append(len(raws))
        return real_store_all(raws)

    monkeypatch.setattr(smtp_listener, "_store_all", counted)

    def send(port: int, client_number: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            for n in range(10):
                raw = mail(sender=f"c{client_number}.{n}@example.org", message_id=f"<g{client_number}-{n}@x>")
                client.sendmail("c@example.org", ["support@autocrm.local"], raw)

    with ListenerThread() as listener:
        threads = [threading.Thread(target=send, args=(listener.port, c)) for c in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with read_session() as session:
        assert len(session.exec(select(InboundMail)).all()) == 40
        assert len(session.exec(select(Ticket)).all()) == 40
    assert sum(groups) == 40 and len(groups) < 40  # some messages shared a transaction
