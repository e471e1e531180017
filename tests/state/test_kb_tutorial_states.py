"""A tutorial through the states its pages drive: the editor's steps (add, move, remove, a refusal next to its
step with the texts kept, saved with the article), and the help centre's viewer (Next, Back, a jump, the place
kept for a signed-in reader and found again, "Start over"; none for a visitor)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from autocrm.models import Role
from autocrm.services import content
from autocrm.state.kb_editor import step_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class _Picked:
    """A file as the page's upload event hands it over."""

    filename: str
    data: bytes

    async def read(self) -> bytes:
        return self.data


def test_a_steps_text_area_shows_plain_paragraphs_when_they_save_the_same_else_the_html():
    assert step_text("<p>One</p><p>Two<br>three</p>") == "One\n\nTwo\nthree"
    assert step_text("<p>Tap <b>Settings</b>.</p>") == "<p>Tap <b>Settings</b>.</p>"
    assert content.sanitize_html("<p>x</p>") == "<p>x</p>"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the states, not the database
def test_an_editor_writes_a_tutorial_and_a_reader_moves_through_it(db_url, people):
    from autocrm.state.kb import HelpArticleState
    from autocrm.state.kb_editor import KbEditorState
    from tests.state.test_states import _signed_in, _state, _with_cookie

    admin, customer = people.make(Role.admin), people.make(Role.customer)
    editor = _signed_in(KbEditorState, admin, "/agent/kb/new")
    editor.load()
    editor.set_pick("kind", "tutorial")
    assert len(editor.ed_steps) == 1  # a tutorial starts with one step to fill
    editor.add_step()
    editor.add_step()
    first, second, third = (row["key"] for row in editor.ed_steps)
    editor.set_step_field(first, "text", "Open the box.")
    editor.set_step_mode(second, "link")
    editor.set_step_field(third, "title", "Done")
    editor.move_step(third, -1)
    assert [row["key"] for row in editor.ed_steps] == [first, third, second]
    editor.move_step(first, -1)  # already first: nothing moves
    assert editor.step_rows[0]["first"] and editor.step_rows[2]["last"]
    form = {
        "title": "Set up the reader",
        "body": "",
        "tags": "",
        f"step_text_{first}": "Open the box.",
        f"step_title_{third}": "Done",
        f"step_text_{third}": "All set.",
        f"step_url_{second}": "https://evil.example/v",
        f"step_text_{second}": "Pair it.",
    }
    editor.set_pick("status", "published")
    editor.save(form)
    # Refused next to the third step (the link's, now at position 2), every text kept.
    assert "YouTube and Vimeo" in editor.step_rows[2]["media_error"]
    assert editor.ed_steps[2]["url"] == "https://evil.example/v" and editor.ed_steps[1]["text"] == "All set."
    editor.set_step_mode(second, "file")
    editor.save(form | {f"step_url_{second}": ""})
    assert editor.step_rows[2]["media_error"] == "Upload an image or a video, or choose no picture or video."
    # A picked file goes to the step chosen for it: a PDF is refused next to it, a PNG shown.
    editor.set_upload_target(second)
    asyncio.run(editor.upload_step_media([_Picked("notes.pdf", b"%PDF-1.4 x")]))
    assert "PNG, JPEG, GIF or WebP" in editor.step_rows[2]["media_error"]
    asyncio.run(editor.upload_step_media([_Picked("shot.png", PNG)]))
    shown = editor.step_rows[2]
    assert shown["media_error"] == "" and shown["media_type"] == "image" and shown["media_src"].startswith("/api/kb/")
    editor.clear_step_media(second)
    editor.set_step_mode(second, "none")
    editor.remove_step(third)
    events = editor.save(form)
    assert editor.errors == {} and editor.form_error == "", editor.errors
    assert any("redirect" in str(e) or "location" in str(e) for e in events)

    from autocrm.core.db import read_session
    from autocrm.services import kb
    from autocrm.services.actor import Actor

    with read_session() as session:
        (made,) = kb.list_articles(session, actor=Actor.for_user(admin))
        article = kb.get_article(session, actor=Actor.for_user(admin), article_id=made.id)
    assert article.kind == "tutorial" and [s.body_html for s in article.steps] == [
        "<p>Open the box.</p>",
        "<p>Pair it.</p>",
    ]

    editing = _signed_in(KbEditorState, admin, f"/agent/kb/articles/{made.id}/edit")
    editing.load()
    assert editing.ed_kind == "tutorial" and [r["text"] for r in editing.ed_steps] == ["Open the box.", "Pair it."]

    path = f"/help/articles/{made.id}"
    reader = _signed_in(HelpArticleState, customer, path)
    reader.load()
    assert reader.article["tutorial"] and reader.step_count == 2 and reader.step_number == 1 and reader.at_first
    reader.next_step()
    assert reader.step_number == 2 and reader.at_last and reader.progress == 100
    reader.next_step()  # past the end: stays
    assert reader.step_number == 2
    again = _signed_in(HelpArticleState, customer, path)
    again.load()
    assert again.step_number == 2 and again.resumed
    again.start_over()
    assert again.step_number == 1 and not again.resumed
    again.go_to_step(1)
    assert again.current_step["body_html"] == "<p>Pair it.</p>"

    from autocrm.state.kb import AgentKbArticleState

    staff = _signed_in(AgentKbArticleState, admin, f"/agent/kb/articles/{made.id}")
    staff.load()  # the staff's page reads it step by step too, with the admin's own place
    assert staff.step_count == 2 and staff.step_number == 1 and not staff.resumed
    staff.next_step()
    staff_again = _signed_in(AgentKbArticleState, admin, f"/agent/kb/articles/{made.id}")
    staff_again.load()
    assert staff_again.step_number == 2 and staff_again.resumed

    visitor = _with_cookie(_state(HelpArticleState), "", path)
    visitor.load()
    assert visitor.step_number == 1 and not visitor.resumed
    visitor.next_step()  # moves, keeps nothing
    fresh = _with_cookie(_state(HelpArticleState), "", path)
    fresh.load()
    assert fresh.step_number == 1
