"""/api/files/{id}: the pages' own file links, through the session cookie, with the same visibility rules as
the API (a customer never reads another's file or a note's); only images preview inline."""

from __future__ import annotations

from autocrm.core.db import write_session
from autocrm.core.settings import reset_settings
from autocrm.services import auth, tickets
from autocrm.services.actor import Actor
from autocrm.services.tickets import writes
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


def _paste(api, user, data: bytes = PNG_BYTES, name: str = "paste.png", *, origin: str = "http://testserver"):
    return api.client.post(
        f"/api/files/tickets/{api.ticket.id}/images",
        files={"file": (name, data, "image/png")},
        cookies=_cookie(user) if user is not None else None,
        headers={"Origin": origin},
    )


def test_pasted_images_are_their_writers_until_sent_and_a_notes_stay_staffs(api, monkeypatch):
    assert_error(_paste(api, None), 401, "unauthenticated")
    assert_error(_paste(api, api.agent, origin="https://elsewhere.example"), 403, "forbidden")
    assert_error(_paste(api, api.other_customer), 404, "not_found")  # not their ticket
    assert "file" in assert_error(_paste(api, api.agent, b"%PDF-1.4 not an image", "a.png"), 422)["details"]
    monkeypatch.setenv("AUTOCRM_ATTACHMENT_MAX_BYTES", str(1024))
    reset_settings()
    try:
        assert "file" in assert_error(_paste(api, api.agent, PNG_BYTES + b"\x00" * 2048), 422)["details"]
    finally:
        monkeypatch.delenv("AUTOCRM_ATTACHMENT_MAX_BYTES")
        reset_settings()

    pasted = _paste(api, api.agent)
    assert pasted.status_code == 201, pasted.text
    image = pasted.json()
    assert image["src"] == f"/api/files/{image['id']}?preview=true"
    shown = api.client.get(image["src"], cookies=_cookie(api.agent))
    assert shown.status_code == 200 and shown.headers["content-disposition"].startswith("inline;")
    # Not sent yet: nobody else loads it, not even the ticket's customer.
    assert_error(api.client.get(image["src"], cookies=_cookie(api.customer)), 404, "not_found")
    monkeypatch.setattr(writes, "MAX_UNSENT_IMAGES", 1)  # unsent images pile up to a cap
    assert "file" in assert_error(_paste(api, api.agent), 422)["details"]

    with write_session() as session:  # sent in a note: the note takes it as its attachment
        note = tickets.add_message(
            session,
            actor=Actor.for_user(api.agent),
            ticket_id=api.ticket.id,
            data=tickets.MessageCreate(
                body=f'<p>See <img src="{image["src"]}" alt="paste.png"></p>', body_format="html", internal=True
            ),
        )
    assert f'src="/api/v1/attachments/{image["id"]}"' in note.message.body_html
    with write_session() as session:
        files = tickets.read_attachment(session, actor=Actor.for_user(api.agent), attachment_id=image["id"])
    assert files[0].filename == "paste.png"
    assert api.client.get(image["src"], cookies=_cookie(api.agent)).status_code == 200
    assert_error(api.client.get(image["src"], cookies=_cookie(api.customer)), 404, "not_found")

    # A customer pastes into their own request's reply: theirs alone until sent, then the agent's to see too.
    theirs = _paste(api, api.customer).json()
    assert_error(api.client.get(theirs["src"], cookies=_cookie(api.agent)), 404, "not_found")
    with write_session() as session:
        tickets.add_message(
            session,
            actor=Actor.for_user(api.customer),
            ticket_id=api.ticket.id,
            data=tickets.MessageCreate(body=f'<p><img src="{theirs["src"]}"></p>', body_format="html"),
        )
    assert api.client.get(theirs["src"], cookies=_cookie(api.agent)).status_code == 200

    # A public reply cannot show the note's image: the customer could not load it.
    with write_session() as session:
        reply = tickets.add_message(
            session,
            actor=Actor.for_user(api.agent),
            ticket_id=api.ticket.id,
            data=tickets.MessageCreate(body=f'<p>Hi <img src="{image["src"]}"></p>', body_format="html"),
        )
    assert "src=" not in reply.message.body_html
