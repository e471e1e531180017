"""`autocrm mail-listener`: a real SMTP conversation (smtplib) with the listener on a free loopback port."""

from __future__ import annotations

import smtplib

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
