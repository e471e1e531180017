"""The knowledge base's categories screen through its state as the page drives it (add nested ones, rename and
move one, a loop refused next to its field, an article's category refusing the delete with a count, an empty one
deleted), the article editor saving a body with an uploaded image, and the help centre's tutorial badge rows."""

from __future__ import annotations

import pytest

from autocrm.core.db import write_session
from autocrm.models import Role
from autocrm.services import kb
from autocrm.services.actor import Actor
from autocrm.services.kb import ArticleCreate, CategoryPublic, tutorials
from autocrm.state.kb_editor import NONE, category_rows

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_category_rows_nest_each_under_its_parent_with_counts():
    categories = [
        CategoryPublic(id=3, name="Billing", slug="billing", parent_id=None, position=1),
        CategoryPublic(id=2, name="Signing in", slug="signing-in", parent_id=1, position=0),
        CategoryPublic(id=1, name="Account", slug="account", parent_id=None, position=0),
        CategoryPublic(id=4, name="Orphan", slug="orphan", parent_id=99, position=2),
    ]
    rows = category_rows(categories, {2: 3})
    assert [(r["name"], r["depth"], r["articles"]) for r in rows] == [
        ("Billing", 0, 0),
        ("Account", 0, 0),
        ("Signing in", 1, 3),
        ("Orphan", 0, 0),
    ]
    assert rows[2]["path"] == "Account › Signing in" and rows[2]["indent"] == "20px"
    assert rows[1]["children"] == 1 and rows[0]["parent"] == NONE


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the states, not the database
def test_an_editor_builds_the_category_tree_on_the_categories_screen(db_url, people):
    from autocrm.state.kb_editor import KbCategoriesState
    from tests.state.test_states import _signed_in

    admin, agent = people.make(Role.admin), people.make(Role.agent)
    outsider = _signed_in(KbCategoriesState, agent, "/agent/kb/categories")
    outsider.load()
    assert outsider.loaded and not outsider.allowed and outsider.rows == []

    screen = _signed_in(KbCategoriesState, admin, "/agent/kb/categories")
    screen.load()
    assert screen.allowed and screen.rows == []
    screen.add({"name": "   "})
    assert screen.errors == {"name": "Give the category a name."}
    screen.add({"name": "Account"})
    account = screen.rows[0]["id"]
    screen.set_new_parent(str(account))
    screen.add({"name": "Signing in"})
    assert [(r["name"], r["depth"]) for r in screen.rows] == [("Account", 0), ("Signing in", 1)]
    assert screen.errors == {} and screen.form_key == "2"
    signing = screen.rows[1]["id"]
    assert screen.parent_options == [
        {"value": str(account), "label": "Account"},
        {"value": str(signing), "label": "Account › Signing in"},
    ]

    # Rename and move: the open row offers no parent inside itself; a loop sent anyway is refused by its field.
    screen.start_edit(account)
    assert screen.editing == account and screen.editing_name == "Account" and screen.edit_parent == NONE
    assert screen.edit_parent_options == []
    screen.set_edit_parent(str(signing))
    screen.save_edit({"name": "Account"})
    assert "its own sub-categories" in screen.edit_errors["parent_id"] and screen.editing == account
    screen.save_edit({"name": ""})
    assert screen.edit_errors == {"name": "Give the category a name."}
    screen.stop_edit()
    screen.start_edit(signing)
    assert screen.edit_parent == str(account) and screen.edit_parent_options == [
        {"value": str(account), "label": "Account"}
    ]
    screen.set_edit_parent(NONE)
    screen.save_edit({"name": "Signing in and out"})
    assert screen.editing == 0
    assert [(r["name"], r["depth"]) for r in screen.rows] == [("Account", 0), ("Signing in and out", 0)]

    # Delete: refused with the count while an article uses it, done when empty.
    with write_session() as s:
        kb.create_article(s, actor=Actor.for_user(admin), data=ArticleCreate(title="Reset", category_id=signing))
    screen.load()
    assert screen.rows[1]["articles"] == 1
    screen.ask_delete(signing)
    assert screen.confirming and "Signing in and out" in screen.pending["title"]
    refused = screen.confirm_delete()
    assert "1 article is in this category" in str(refused) and len(screen.rows) == 2
    screen.ask_delete(account)
    screen.confirm_delete()
    assert [r["name"] for r in screen.rows] == ["Signing in and out"]
    assert screen.confirm_delete() is None  # a stale second click does nothing


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_editor_saves_a_body_image_and_the_help_centre_badges_tutorials(db_url, people):
    from autocrm.state.kb import HelpHomeState
    from autocrm.state.kb_editor import KbEditorState
    from tests.state.test_states import _signed_in, _state, _with_cookie

    admin = people.make(Role.admin)
    with write_session() as s:
        image = tutorials.upload_media(s, actor=Actor.for_user(admin), filename="m.png", data=PNG, images_only=True)
    editor = _signed_in(KbEditorState, admin, "/agent/kb/new")
    editor.load()
    editor.set_pick("status", "published")
    body = f'<p>The menu:</p><img src="{image.src}" alt="Menu"><img src="https://evil.example/x.png">'
    editor.save({"title": "Find the menu", "body": body, "tags": ""})
    assert editor.form_error == "" and editor.errors == {}
    with write_session() as s:
        saved = kb.list_articles(s, actor=Actor.for_user(admin))[0]
        article = kb.get_article(s, actor=Actor.for_user(admin), article_id=saved.id)
        kb.create_article(
            s,
            actor=Actor.for_user(admin),
            data=ArticleCreate(
                title="Set up the reader",
                kind="tutorial",
                status="published",
                steps=[kb.articles.StepInput(title="Open", body="<p>Open the box.</p>")],
            ),
        )
    assert article.body_html == f'<p>The menu:</p><img src="{image.src}" alt="Menu">'
    home = _with_cookie(_state(HelpHomeState), "", "/help?q=reader")
    home.load()
    badges = {row["title"]: row["tutorial"] for row in home.recent}
    assert badges == {"Find the menu": False, "Set up the reader": True}
    assert [(h["title"], h["tutorial"]) for h in home.hits][:1] == [("Set up the reader", True)]
