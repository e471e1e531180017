"""The public mail corpora (tests/data/mail/SOURCES.md) through the ingest, on SQLite and PostgreSQL: every
message becomes a ticket, a reply, an ignored auto-reply or bounce, or a failed-list entry with a reason; none
crashes the batch, none is lost. Talon's replies from 12 mail clients, threaded onto a ticket, show only their
expected reply text in the timeline. The table of outcomes is printed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import func, select

from autocrm.core.db import read_session, write_session
from autocrm.models import InboundMail, InboundStatus
from autocrm.services import email as inbound
from tests.services.test_email_ingest import conversation, mail, take

CORPUS = Path(__file__).parent.parent / "data" / "mail"
SKIP = {"MIT-LICENSE", "LICENSE", ".gitattributes", "SOURCES.md"}
TALON = CORPUS / "talon" / "standard_replies"


def _messages() -> list[Path]:
    return sorted(
        path
        for path in CORPUS.rglob("*")
        if path.is_file() and path.name not in SKIP and not path.name.endswith("_reply_text")
    )


def test_every_corpus_message_is_accounted_for(db_url, monkeypatch, capsys) -> None:
    from autocrm.core.settings import reset_settings

    monkeypatch.setenv("AUTOCRM_EMAIL_SENDER_LIMIT", "1000")  # the corpus reuses a few senders many times
    reset_settings()
    paths = _messages()
    assert len(paths) >= 110
    with write_session() as session:
        results = inbound.ingest(session, [inbound.RawMail(path.read_bytes(), "api") for path in paths])
    table: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path, result in zip(paths, results, strict=True):
        key = "duplicate" if result.duplicate else result.status
        table[key] += 1
        if result.status in (InboundStatus.ignored, InboundStatus.failed) and not result.duplicate:
            reasons[f"{result.status}: {result.reason}"] += 1
        assert "Unexpected error" not in result.reason, (path, result.reason)
        if result.status == InboundStatus.failed:
            assert result.reason, path
        elif result.status in (InboundStatus.created, InboundStatus.threaded):
            assert result.ticket_id and result.message_id, path
    with read_session() as session:
        stored = session.exec(select(func.count()).select_from(InboundMail)).one()
    assert stored == len(paths) - table["duplicate"]  # one row per distinct Message-ID: none lost
    with capsys.disabled():
        print(f"\nmail corpus on {db_url.split(':')[0]}: {len(paths)} messages: " + dict(table).__repr__())
        for reason, count in sorted(reasons.items()):
            print(f"  {count:3} × {reason}")


def _expected_reply(path: Path) -> str:
    expected = path.with_name(path.stem + "_reply_text")
    return expected.read_text().strip() if expected.exists() else "Hello"


@pytest.mark.parametrize("path", sorted(TALON.glob("*.eml")), ids=lambda path: path.stem)
def test_talon_replies_show_only_their_new_text(db_url, path: Path) -> None:
    raw = path.read_bytes()
    sender = inbound.parse_mail(raw).sender
    first = take(mail(sender=sender, message_id=f"<talon-{path.stem}@desk.example>"))
    # The client's reply, answering the desk's mail: threaded by In-Reply-To, as a client sets it.
    reply = f"In-Reply-To: <talon-{path.stem}@desk.example>\r\n".encode() + raw.replace(b"\nIn-Reply-To:", b"\nX-Was:")
    result = take(reply)
    assert result.status == InboundStatus.threaded and result.ticket_id == first.ticket_id
    shown = conversation(first.ticket_id)[-1].body_text
    assert " ".join(shown.split()) == " ".join(_expected_reply(path).split())


TALON_HTML = CORPUS / "talon" / "html_replies"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # parsing, not the database
@pytest.mark.parametrize("path", sorted(TALON_HTML.glob("*.html")), ids=lambda path: path.stem)
def test_talon_html_only_replies_show_only_their_new_text(db_url, path: Path) -> None:
    """Replies sent as HTML alone (no text part), from 9 clients: Gmail's and Thunderbird's blockquotes, the
    Outlook header blocks, mail.ru's and Yandex's attributions, Windows Mail's Russian headers."""
    from email.message import EmailMessage

    first = take(mail(sender="alex@example.org", message_id=f"<talon-html-{path.stem}@desk.example>"))
    reply = EmailMessage()
    reply["From"] = "Alex <alex@example.org>"
    reply["To"] = "support@desk.example"
    reply["Subject"] = "Re: My printer is on fire"
    reply["Message-ID"] = f"<reply-{path.stem}@client.example>"
    reply["In-Reply-To"] = f"<talon-html-{path.stem}@desk.example>"
    reply.set_content(path.read_text(errors="replace"), subtype="html")
    result = take(bytes(reply))
    assert result.status == InboundStatus.threaded and result.ticket_id == first.ticket_id
    shown = conversation(first.ticket_id)[-1].body_text
    assert " ".join(shown.split()) == "Hi. I am fine. Thanks, Alex"
