"""Agent replies to an e-mail ticket go out by mail: threaded on the customer's own Message-IDs, the ticket
token in Reply-To, the reply's files attached, only the new text; and the customer's answer threads back."""

from __future__ import annotations

from email import message_from_bytes, policy

from autocrm.core.db import write_session
from autocrm.core.settings import get_settings
from autocrm.events import runner
from autocrm.models import Role
from autocrm.services import tickets
from tests.services.test_email_ingest import conversation, mail, take


def _outbox() -> list:
    paths = sorted(get_settings().outbox_dir.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in paths]


def test_a_reply_by_mail_threads_on_the_customers_messages_and_carries_its_files(db_url, people) -> None:
    agent = people.make(Role.agent, name="Ada Agent")
    created = take(mail(message_id="<first@customer.example>"))
    runner.run_pending_jobs()  # the acknowledgement
    take(
        mail(
            text="Also, the paper jams.", In_Reply_To="<first@customer.example>", message_id="<second@customer.example>"
        )
    )
    with write_session() as session:
        added = tickets.add_message(
            session,
            actor=people.actor(agent),
            ticket_id=created.ticket_id,
            data=tickets.MessageCreate(body="Try the attached guide.", body_format="text"),
        )
        tickets.add_attachment(
            session,
            actor=people.actor(agent),
            ticket_id=created.ticket_id,
            message_id=added.message.id,
            filename="guide.pdf",
            data=b"%PDF-1.4 a guide",
        )
    runner.run_pending_jobs()
    acknowledgement, reply = _outbox()
    assert reply["To"] == "jane@example.org"
    assert reply["In-Reply-To"] == "<second@customer.example>"
    references = str(reply["References"]).split()
    assert references == ["<first@customer.example>", acknowledgement["Message-ID"], "<second@customer.example>"]
    assert "+t" in str(reply["Reply-To"])
    text = reply.get_body(("plain",)).get_content()
    assert "Try the attached guide." in text and "paper jams" not in text  # the new text only
    (file,) = list(reply.iter_attachments())
    assert file.get_filename() == "guide.pdf" and file.get_content() == b"%PDF-1.4 a guide"

    # The customer answers that mail from their client: it threads back onto the ticket.
    answer = mail(
        subject=f"Re: {reply['Subject']}",
        to=str(reply["Reply-To"]),
        text=f"It worked, thanks!\n\nOn Tue, Ada Agent wrote:\n> {text.splitlines()[0]}",
        In_Reply_To=reply["Message-ID"],
        References=f"{reply['References']} {reply['Message-ID']}",
    )
    result = take(answer)
    assert result.status == "threaded" and result.ticket_id == created.ticket_id
    assert conversation(created.ticket_id)[-1].body_text == "It worked, thanks!"
