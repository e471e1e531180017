"""@mentions in internal notes reach the teammate's inbox (the bell) after commit, once; reading and marking
read are the person's own. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import runner
from autocrm.models import EventRecord, InboxNotification, Role
from autocrm.services import content, inbox
from autocrm.services.api_keys import api_key_actor
from autocrm.services.errors import PermissionDenied
from autocrm.services.events import Event
from autocrm.services.inbox import MarkRead
from tests.factories import make_api_key, make_message, make_ticket


def _span(user) -> str:
    return f'<span data-type="mention" data-id="{user.id}" data-label="{user.name}">@{user.name}</span>'


def test_a_note_mentioning_teammates_reaches_their_inboxes_once(people):
    maya, ana, ben = (people.make(Role.agent, name=n) for n in ("Maya", "Ana", "Ben"))
    gone = people.make(Role.agent, name="Gone", is_active=False)
    customer = people.make(Role.customer)
    ticket = make_ticket(requester=customer)
    body = f"<p>{_span(ana)} and {_span(maya)} and {_span(gone)}, also @{ben.email} please look.</p>"
    note = make_message(ticket_id=ticket.id, by=maya, body=body, internal=True)
    make_message(ticket_id=ticket.id, by=maya, body=f"<p>Public {_span(ana)}</p>")  # a reply notifies no one
    runner.run_pending_jobs()
    with read_session() as s:
        rows = list(s.exec(select(InboxNotification).order_by(InboxNotification.user_id)))
        ana_page = inbox.list_inbox(s, actor=people.actor(ana))
        created = [e for e in s.exec(select(EventRecord).where(EventRecord.type == inbox.NOTIFICATION_CREATED))]
    assert sorted(r.user_id for r in rows) == sorted([ana.id, ben.id])  # not the author, not the inactive one
    assert ana_page.unread == 1 and ana_page.items[0].message_id == note.id
    assert ana_page.items[0].actor_name == "Maya" and "please look" in ana_page.items[0].excerpt
    assert len(created) == 2
    with write_session() as s:  # the listener again, as after a killed worker: nothing more
        event = Event.from_record(s.exec(select(EventRecord).where(EventRecord.type == "message.created")).all()[-2])
        inbox.notify_mentions(s, event)
    with read_session() as s:
        assert len(list(s.exec(select(InboxNotification)))) == 2


def test_marking_read_is_the_persons_own(people):
    maya, ana, ben = (people.make(Role.agent, name=n) for n in ("Maya", "Ana", "Ben"))
    ticket = make_ticket(requester=people.make(Role.customer))
    for _ in range(2):
        make_message(ticket_id=ticket.id, by=maya, body=f"<p>{_span(ana)} {_span(ben)}</p>", internal=True)
    runner.run_pending_jobs()
    with read_session() as s:
        ben_ids = [i.id for i in inbox.list_inbox(s, actor=people.actor(ben)).items]
    with write_session() as s:
        assert inbox.mark_read(s, actor=people.actor(ana), data=MarkRead(ids=ben_ids)) == 0  # not hers
        assert inbox.mark_read(s, actor=people.actor(ana), data=MarkRead(all=True)) == 2
    with read_session() as s:
        assert inbox.unread_count(s, actor=people.actor(ana)) == 0
        assert inbox.unread_count(s, actor=people.actor(ben)) == 2
        assert inbox.list_inbox(s, actor=people.actor(ana), unread_only=True).items == []


def test_an_api_key_has_no_inbox(people):
    raw = make_api_key(role=Role.agent)
    with read_session() as s:
        key_actor = api_key_actor(s, raw)
        with pytest.raises(PermissionDenied):
            inbox.list_inbox(s, actor=key_actor)


def test_the_sanitizer_keeps_a_mention_and_nothing_else_on_a_span():
    cleaned = content.sanitize_html(
        '<span data-type="mention" data-id="7" data-label="Ana" onclick="x()" style="color:red">@Ana</span>'
    )
    assert cleaned == '<span data-type="mention" data-id="7" data-label="Ana">@Ana</span>'


def test_a_mention_is_mailed_to_the_teammate_once_unless_they_turned_mails_off(people):
    import email
    from email.policy import default as default_policy

    from autocrm.core.settings import get_settings
    from autocrm.models import User

    maya, ana, ben = (people.make(Role.agent, name=n) for n in ("Maya", "Ana", "Ben"))
    with write_session() as s:
        s.get(User, ana.id).locale = "de"  # type: ignore[union-attr]
        s.get(User, ben.id).email_notifications = False  # type: ignore[union-attr]
    ticket = make_ticket(requester=people.make(Role.customer), subject="Card stuck")
    make_message(
        ticket_id=ticket.id, by=maya, body=f"<p>{_span(ana)} {_span(ben)} can you check the log?</p>", internal=True
    )
    runner.run_pending_jobs()
    runner.run_pending_jobs()  # a second pass: nothing more is sent
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=default_policy) for p in get_settings().outbox_dir.glob("*.eml")
    ]
    (mail,) = [m for m in mails if "Maya" in str(m["Subject"])]  # Ben turned notification mails off
    assert mail["To"] == ana.email
    assert str(mail["Subject"]) == f"[#{ticket.number}] Maya hat Sie erwähnt: Card stuck"
    assert "can you check the log?" in mail.get_body(preferencelist=("plain",)).get_content()
    with read_session() as s:  # the bell has both, the mail only Ana
        assert len(list(s.exec(select(InboxNotification)))) == 2
