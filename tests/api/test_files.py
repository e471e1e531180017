"""/api/files/{id}: the pages' own file links, through the session cookie, with the same visibility rules as
the API (a customer never reads another's file or a note's); only images preview inline."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.services import auth, tickets
from autocrm.services.actor import Actor
from tests.api.support import PNG_BYTES, assert_error


def _cookie(user) -> dict[str, str]:
    with write_session() as session:
        return {auth.SESSION_COOKIE: auth.start_login_session(session, user=user)}


def test_files_follow_the_session_and_the_tickets_visibility(api):
    path = f"/api/files/{api.attachment_id}"
    mine = api.client.get(path, cookies=_cookie(api.customer))
    assert mine.status_code == 200 and mine.content == PNG_BYTES
    assert mine.headers["content-disposition"].startswith("attachment;")
    assert mine.headers["x-content-type-options"] == "nosniff" and "sandbox" in mine.headers["content-security-policy"]
    preview = api.client.get(f"{path}?preview=true", cookies=_cookie(api.agent))
    assert preview.status_code == 200 and preview.headers["content-disposition"].startswith("inline;")
    assert preview.headers["content-type"] == "image/png"

    assert_error(api.client.get(path), 401, "unauthenticated")
    assert_error(api.client.get(path, cookies={auth.SESSION_COOKIE: "forged"}), 401, "unauthenticated")
    assert_error(api.client.get(path, cookies=_cookie(api.other_customer)), 404, "not_found")
    assert_error(api.client.get("/api/files/999999", cookies=_cookie(api.agent)), 404, "not_found")

    with write_session() as session:  # a file on an internal note: staff only
        note = tickets.add_message(
            session,
            actor=Actor.for_user(api.agent),
            ticket_id=api.ticket.id,
            data=tickets.MessageCreate(body="Ledger export", body_format="text", internal=True),
        )
        text = tickets.add_attachment(
            session,
            actor=Actor.for_user(api.agent),
            ticket_id=api.ticket.id,
            message_id=note.message.id,
            filename="ledger.txt",
            data=b"internal numbers",
        )
    note_path = f"/api/files/{text.id}"
    assert api.client.get(note_path, cookies=_cookie(api.agent)).content == b"internal numbers"
    assert_error(api.client.get(note_path, cookies=_cookie(api.customer)), 404, "not_found")
    not_an_image = api.client.get(f"{note_path}?preview=true", cookies=_cookie(api.agent))
    assert not_an_image.headers["content-disposition"].startswith("attachment;")  # only images show inline
