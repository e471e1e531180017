"""Pasted images whose message was never sent are dropped a day on, by the scheduled clean-up: the rows in its
transaction (audited on the ticket), the files only once it commits; an image that was sent stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.events import schedule
from autocrm.models import Attachment, AuditEntry, Role
from autocrm.models.base import utcnow
from autocrm.services import tickets
from autocrm.services.storage import get_file_store
from tests.factories import make_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _paste(people, agent, ticket_id: int) -> tickets.AttachmentPublic:
    with write_session() as session:
        return tickets.add_inline_image(
            session, actor=people.actor(agent), ticket_id=ticket_id, filename="paste.png", data=PNG
        )


def _keys(*ids: int) -> dict[int, str]:
    with read_session() as session:
        rows = session.exec(select(Attachment).where(Attachment.id.in_(ids))).all()  # type: ignore[union-attr]
        return {row.id: row.storage_key for row in rows if row.id is not None}


def test_unsent_pasted_images_go_a_day_on_and_their_files_after_the_commit(people):
    agent = people.make(Role.agent)
    ticket = make_ticket(by=people.make(Role.customer), subject="Card declined", body="Help")
    kept, sent, dropped = (_paste(people, agent, ticket.id) for _ in range(3))
    with write_session() as session:  # one image sent in a reply: its message's attachment now
        tickets.add_message(
            session,
            actor=people.actor(agent),
            ticket_id=ticket.id,
            data=tickets.MessageCreate(
                body=f'<p><img src="/api/files/{sent.id}?preview=true"></p>', body_format="html"
            ),
        )
    keys = _keys(kept.id, sent.id, dropped.id)
    store = get_file_store()
    with write_session() as session:  # `kept` was pasted just now; the other unsent one a day and more ago
        session.get(Attachment, dropped.id).created_at = utcnow() - timedelta(hours=25)  # type: ignore[union-attr]
        session.get(Attachment, sent.id).created_at = utcnow() - timedelta(hours=25)  # type: ignore[union-attr]

    # A run that rolls back deletes nothing: the rows are still there, so their files must be too.
    with pytest.raises(RuntimeError), write_session() as session:
        assert tickets.drop_unsent_images(session) == 1
        raise RuntimeError("the job failed after the clean-up")
    assert store.get(keys[dropped.id]) == PNG and set(_keys(kept.id, sent.id, dropped.id)) == set(keys)

    job = schedule.scheduled_job("attachments.drop_unsent")
    assert job is not None
    with write_session() as session:
        job.run(session)
        assert store.get(keys[dropped.id]) == PNG  # not before the commit
    assert set(_keys(kept.id, sent.id, dropped.id)) == {kept.id, sent.id}
    with pytest.raises(FileNotFoundError):
        store.get(keys[dropped.id])
    assert store.get(keys[kept.id]) == PNG and store.get(keys[sent.id]) == PNG
    with read_session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "attachment.delete")).one()
    assert entry.object_id == ticket.id and entry.actor_label == "clean-up"
    with write_session() as session:
        assert tickets.drop_unsent_images(session) == 0  # a second run finds nothing
