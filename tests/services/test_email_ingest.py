"""Inbound e-mail: parsing, threading (Outlook, Gmail, Apple Mail shapes), noise, limits and the failed list,
through `services.email.ingest` on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import (
    Attachment,
    InboundMail,
    InboundStatus,
    Message,
    OutboundMailRecord,
    Role,
    Ticket,
    TicketVerificationHold,
    User,
)
from autocrm.services import email as inbound
from autocrm.services import notifications, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied
from tests.factories import make_message, make_ticket

_serial = itertools.count(1)
SUPPORT = "support@autocrm.local"


def mail(
    *,
    sender: str = "jane@example.org",
    subject: str = "My printer is on fire",
    text: str = "It started this morning.",
    html: str | None = None,
    to: str = SUPPORT,
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jane Example <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain=f"m{next(_serial)}.example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return bytes(message)


def take(raw: bytes, source: str = "api") -> inbound.InboundResult:
    with write_session() as session:
        return inbound.ingest_one(session, inbound.RawMail(raw, source))


def conversation(ticket_id: int) -> list[Message]:
    with read_session() as session:
        return list(session.exec(select(Message).where(Message.ticket_id == ticket_id).order_by(col(Message.id))))


def header_of(raw: bytes, name: str) -> str:
    from email import message_from_bytes, policy

    return str(message_from_bytes(raw, policy=policy.default)[name])


def test_a_new_sender_opens_a_ticket_as_an_unvouched_customer(db_url) -> None:
    raw = mail(html="<p>It started <b>this morning</b>.<script>alert(1)</script></p>")
    result = take(raw)
    assert result.status == InboundStatus.created and result.ticket_id and result.message_id
    with read_session() as session:
        ticket = session.get(Ticket, result.ticket_id)
        requester = session.get(User, ticket.requester_id)
        assert ticket.channel == "email" and ticket.subject == "My printer is on fire"
        assert requester.email == "jane@example.org" and requester.name == "Jane Example"
        assert requester.role == Role.customer and requester.email_verified_at is None
        # A From line proves nothing: the ticket waits until the address is verified before a portal shows it.
        assert session.get(TicketVerificationHold, ticket.id) is not None
        files = session.exec(select(Attachment).where(Attachment.message_id == result.message_id)).all()
        assert [(f.filename, f.content_type) for f in files] == [("original.eml", "message/rfc822")]
    (first,) = conversation(result.ticket_id)
    assert "<b>this morning</b>" in first.body_html and "script" not in first.body_html
    assert first.author_id == requester.id and not first.internal


def test_the_same_message_twice_is_written_once(db_url) -> None:
    raw = mail()
    first, second = take(raw), take(raw)
    assert second.duplicate and second.ticket_id == first.ticket_id and second.status == first.status
    with write_session() as session:
        batch = inbound.ingest(session, [inbound.RawMail(mail(message_id="<same@x>"), "imap")] * 2)
    assert [r.duplicate for r in batch] == [False, True]
    with read_session() as session:
        assert len(session.exec(select(InboundMail)).all()) == 2
        assert len(session.exec(select(Ticket)).all()) == 2


def _desk_mail_for(ticket_id: int) -> OutboundMailRecord:
    runner.run_pending_jobs()  # the acknowledgement goes out with its Message-ID
    with read_session() as session:
        return session.exec(select(OutboundMailRecord).where(OutboundMailRecord.ticket_id == ticket_id)).one()


def test_gmail_reply_threads_by_in_reply_to_and_keeps_only_the_new_text(db_url) -> None:
    created = take(mail())
    sent = _desk_mail_for(created.ticket_id)
    reply = mail(
        subject="Re: [#1] We received your request: My printer is on fire",
        text="Thanks, it is out now.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@autocrm.local> wrote:\n> Hello",
        In_Reply_To=sent.message_id,
        References=sent.message_id,
    )
    result = take(reply)
    assert result.status == InboundStatus.threaded and result.ticket_id == created.ticket_id
    assert "In-Reply-To" in result.reason
    assert conversation(created.ticket_id)[-1].body_text == "Thanks, it is out now."


def test_apple_mail_reply_threads_by_references_to_a_received_message(db_url) -> None:
    first_id = "<first@apple.example>"
    created = take(mail(message_id=first_id))
    reply = mail(
        subject="Re: My printer is on fire",
        text="One more thing: it smells.\n\n> On 1 Dec 2026, at 10:00, Jane wrote:\n>\n> It started",
        References=f"<unknown@else> {first_id}",
    )
    result = take(reply)
    assert result.status == InboundStatus.threaded and result.ticket_id == created.ticket_id
    assert conversation(created.ticket_id)[-1].body_text == "One more thing: it smells."


def test_outlook_reply_without_references_threads_by_the_reply_address_token(db_url) -> None:
    created = take(mail())
    with read_session() as session:
        number = session.get(Ticket, created.ticket_id).number
    outlook = mail(
        subject="AW: Ihre Anfrage",  # Outlook rewrote the subject and sent no In-Reply-To or References
        to=notifications.reply_to_address(number),
        text="Danke!\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: ...\n\nHello",
    )
    result = take(outlook)
    assert result.status == InboundStatus.threaded and result.ticket_id == created.ticket_id
    assert conversation(created.ticket_id)[-1].body_text == "Danke!"
    forged = mail(to=f"support+t{number}.000000000000@autocrm.local", subject="Hello", sender="jane@example.org")
    assert take(forged).ticket_id != created.ticket_id  # a token not signed by this desk names nothing


def test_the_subject_number_threads_only_for_the_requester_and_the_subject_alone_never(db_url) -> None:
    created = take(mail())
    with read_session() as session:
        number = session.get(Ticket, created.ticket_id).number
    mine = take(mail(subject=f"Re: [#{number}] My printer is on fire", text="Still burning"))
    assert mine.status == InboundStatus.threaded and mine.ticket_id == created.ticket_id
    stranger = take(mail(sender="mallory@evil.example", subject=f"[#{number}] give me the data"))
    assert stranger.status == InboundStatus.created and stranger.ticket_id != created.ticket_id
    same_words = take(mail(subject="My printer is on fire"))  # the same subject, no ids: a new conversation
    assert same_words.status == InboundStatus.created and same_words.ticket_id != created.ticket_id


def test_a_forwarded_mail_from_someone_else_on_the_thread_is_kept_as_a_note(db_url) -> None:
    first_id = "<thread@example.org>"
    created = take(mail(message_id=first_id))
    colleague = take(
        mail(sender="boss@example.org", subject="Fwd: printer", text="FYI, see below", References=first_id)
    )
    assert colleague.status == InboundStatus.threaded and "not the requester" in colleague.reason
    note = conversation(created.ticket_id)[-1]
    assert note.internal and "boss@example.org" in note.body_text and "FYI, see below" in note.body_text


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(db_url) -> None:
    first_id = "<closed@example.org>"
    created = take(mail(message_id=first_id))
    with write_session() as session:
        tickets.update_ticket(
            session, actor=Actor.system(), ticket_id=created.ticket_id, data=tickets.TicketUpdate(status="closed")
        )
    result = take(mail(subject="Re: My printer is on fire", text="It is back", In_Reply_To=first_id))
    assert result.status == InboundStatus.created and result.ticket_id != created.ticket_id
    assert "follow-up" in result.reason
    with read_session() as session:
        follow_up = session.get(Ticket, result.ticket_id)
        assert follow_up.follow_up_of_id == created.ticket_id and follow_up.subject == "My printer is on fire"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-submitted"),
        ({"X_Autoreply": "yes"}, "auto-reply"),
        ({"Precedence": "bulk"}, "bulk"),
    ],
)
def test_auto_replies_never_become_tickets(db_url, headers: dict[str, str], why: str) -> None:
    result = take(mail(subject="Out of office", **headers))
    assert result.status == InboundStatus.ignored and why in result.reason and result.ticket_id is None


def test_a_bounce_and_the_desks_own_mail_are_ignored(db_url) -> None:
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    bounce["To"] = SUPPORT
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid()
    bounce.set_content("The mail could not be delivered.")
    bounce.make_mixed()
    bounce.set_type("multipart/report")
    assert take(bytes(bounce)).status == InboundStatus.ignored
    assert take(mail(sender=SUPPORT)).reason == "mail the desk sent itself"
    created = take(mail())
    sent = _desk_mail_for(created.ticket_id)
    # An auto-responder that sends our own acknowledgement back unchanged: it is ours, and it is ignored.
    echoed = take(mail(sender="jane@example.org", message_id=sent.message_id))
    assert echoed.status == InboundStatus.ignored
    runner.run_pending_jobs()
    with read_session() as session:  # only the one acknowledgement went out: no loop
        assert len(session.exec(select(OutboundMailRecord)).all()) == 1


def test_a_mail_storm_from_one_sender_is_cut_off(db_url, monkeypatch) -> None:
    from autocrm.core.settings import reset_settings

    monkeypatch.setenv("AUTOCRM_EMAIL_SENDER_LIMIT", "3")
    reset_settings()
    statuses = [take(mail(subject=f"Storm {n}")).status for n in range(5)]
    assert statuses == ["created"] * 3 + ["ignored"] * 2
    assert take(mail(sender="calm@example.org")).status == "created"  # others are not held back


def test_an_unusable_message_lands_in_the_failed_list_and_can_be_retried(db_url, people) -> None:
    raw = b"Subject: no sender\r\nMessage-ID: <nofrom@x>\r\n\r\nWho sent this?\r\n"
    result = take(raw)
    assert result.status == InboundStatus.failed and "sender" in result.reason
    admin = people.make(Role.admin)
    with read_session() as session:
        (listed,) = inbound.list_inbound(session, actor=people.actor(admin))
        assert listed.id == result.inbound_id and listed.reason == result.reason
        with pytest.raises(PermissionDenied):
            inbound.list_inbound(session, actor=people.actor(people.make(Role.agent)))
    with write_session() as session:
        again = inbound.retry_inbound(session, actor=people.actor(admin), inbound_id=result.inbound_id)
    assert again.status == InboundStatus.failed
    with read_session() as session:
        row = session.exec(select(InboundMail)).one()
        assert row.attempts == 2 and row.raw_size == len(raw)


def test_attachments_and_inline_images_are_kept_with_cid_rewritten(db_url) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001"
    )
    message = EmailMessage()
    message["From"] = "jane@example.org"
    message["To"] = SUPPORT
    message["Subject"] = "Screenshot"
    message["Message-ID"] = make_msgid()
    message.set_content("See the screenshot")
    message.add_alternative('<p>See <img src="cid:shot@x" alt="shot"></p>', subtype="html")
    message.get_payload()[1].add_related(png, "image", "png", cid="<shot@x>")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(b"MZ\x90\x00binary", maintype="application", subtype="x-msdownload", filename="run.exe")
    result = take(bytes(message))
    assert result.status == InboundStatus.created and "run.exe" in result.reason
    with read_session() as session:
        files = session.exec(select(Attachment).where(Attachment.message_id == result.message_id)).all()
        names = {f.filename: f for f in files}
        assert set(names) == {"original.eml", "shot_x", "invoice.pdf"}
        body = session.get(Message, result.message_id).body_html
    assert f'src="/api/v1/attachments/{names["shot_x"].id}"' in body and "cid:" not in body


def test_a_reply_from_the_requester_reopens_a_solved_ticket(db_url, people) -> None:
    agent = people.make(Role.agent)
    created = take(mail(message_id="<solve@x>"))
    make_message(ticket_id=created.ticket_id, by=agent, body="<p>Fixed</p>")
    with write_session() as session:
        tickets.update_ticket(
            session, actor=people.actor(agent), ticket_id=created.ticket_id, data=tickets.TicketUpdate(status="solved")
        )
    result = take(mail(text="No, it is not", In_Reply_To="<solve@x>"))
    assert result.status == InboundStatus.threaded
    with read_session() as session:
        assert session.get(Ticket, created.ticket_id).status == "open"


def test_a_known_customer_writes_as_themselves(db_url, people) -> None:
    customer = people.make(Role.customer, email="known@example.org")
    ticket = make_ticket(requester=customer, subject="Old question")
    result = take(mail(sender="known@example.org", subject=f"Re: [#{ticket.number}] Old question", text="More"))
    assert result.status == InboundStatus.threaded and result.ticket_id == ticket.id
    message: Any = conversation(ticket.id)[-1]
    assert message.author_id == customer.id and message.channel == "email" and not message.internal
