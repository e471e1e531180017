"""The knowledge base's categories as a tree (renamed, moved never into a loop, deleted only when empty, every
write audited) and its articles' images (only the knowledge base's own uploaded images are kept in a body,
readable by customers only while a published public article shows them). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, KbCategory, Role
from autocrm.services import kb, users
from autocrm.services.actor import Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import ArticleCreate, ArticleUpdate, CategoryCreate, CategoryUpdate, tutorials

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
VISITOR = Actor(role=Role.customer, label="help-centre")


@pytest.fixture
def desk(people):
    admin = people.make(Role.admin, name="Ada")
    editor = people.make(Role.agent, name="Eddie")
    agent = people.make(Role.agent, name="Ann")
    customer = people.make(Role.customer, name="Carl")
    with write_session() as s:
        users.set_kb_editor(s, actor=people.actor(admin), user_id=editor.id, editor=True)

    class Desk:
        pass

    d = Desk()
    d.admin, d.editor, d.agent, d.customer = (people.actor(u) for u in (admin, editor, agent, customer))
    return d


def _category(actor: Actor, name: str, parent_id: int | None = None):
    with write_session() as s:
        return kb.create_category(s, actor=actor, data=CategoryCreate(name=name, parent_id=parent_id))


def _move(actor: Actor, category_id: int, **fields):
    with write_session() as s:
        return kb.update_category(s, actor=actor, category_id=category_id, data=CategoryUpdate(**fields))


def _delete(actor: Actor, category_id: int) -> None:
    with write_session() as s:
        kb.delete_category(s, actor=actor, category_id=category_id)


def test_categories_are_renamed_moved_without_loops_and_deleted_only_when_empty(desk):
    account = _category(desk.editor, "Account")
    signing = _category(desk.editor, "Signing in", account.id)
    phones = _category(desk.editor, "On a phone", signing.id)
    billing = _category(desk.admin, "Billing")

    renamed = _move(desk.editor, signing.id, name="  Signing in and out ")
    assert (renamed.name, renamed.parent_id, renamed.slug) == ("Signing in and out", account.id, "signing-in")
    for parent, message in (
        (signing.id, "inside itself"),
        (phones.id, "its own sub-categories"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            _move(desk.editor, signing.id, parent_id=parent)
        assert message in refused.value.details["parent_id"]
    with pytest.raises(ValidationFailed) as refused:  # a grandchild is a descendant too
        _move(desk.editor, account.id, parent_id=phones.id)
    assert "its own sub-categories" in refused.value.details["parent_id"]
    with pytest.raises(ValidationFailed):
        _move(desk.editor, signing.id, parent_id=999_999)
    with pytest.raises(NotFound):
        _move(desk.editor, 999_999, name="Lost")
    with pytest.raises(PermissionDenied):
        _move(desk.agent, signing.id, name="Mine")
    moved = _move(desk.editor, phones.id, parent_id=billing.id)
    assert moved.parent_id == billing.id
    top = _move(desk.editor, phones.id, parent_id=None)
    assert top.parent_id is None

    # Delete: refused while articles use it (with the count) or sub-categories are inside it.
    with write_session() as s:
        for title in ("Reset a password", "Two-factor sign-in"):
            kb.create_article(s, actor=desk.editor, data=ArticleCreate(title=title, category_id=signing.id))
    with pytest.raises(Conflict) as used:
        _delete(desk.editor, signing.id)
    assert "2 articles are in this category" in used.value.message and used.value.details == {"articles": 2}
    with pytest.raises(Conflict) as nested:
        _delete(desk.editor, account.id)
    assert "1 sub-category is inside" in nested.value.message
    with read_session() as s:
        assert kb.category_article_counts(s, actor=desk.editor) == {signing.id: 2}
        with pytest.raises(PermissionDenied):
            kb.category_article_counts(s, actor=desk.agent)
    with pytest.raises(PermissionDenied):
        _delete(desk.agent, phones.id)
    _delete(desk.editor, phones.id)
    with read_session() as s:
        assert s.get(KbCategory, phones.id) is None
        entries = s.exec(
            select(AuditEntry).where(AuditEntry.object_type == "kb_category").order_by(AuditEntry.id)
        ).all()
    actions = [(e.action, e.object_id) for e in entries]
    assert ("kb_category.updated", signing.id) in actions and actions[-1] == ("kb_category.deleted", phones.id)
    moves = [e.changes for e in entries if e.action == "kb_category.updated" and e.object_id == phones.id]
    assert moves[-1]["parent_id"] == [billing.id, None]
    # A save that changes nothing writes no audit entry.
    count = len(actions)
    _move(desk.editor, billing.id, name="Billing")
    with read_session() as s:
        assert len(s.exec(select(AuditEntry).where(AuditEntry.object_type == "kb_category")).all()) == count


def _upload(actor: Actor, data: bytes, *, images_only: bool = True):
    with write_session() as s:
        return tutorials.upload_media(s, actor=actor, filename="shot.png", data=data, images_only=images_only)


def _can_read(actor: Actor, media_id: int) -> bool:
    try:
        with read_session() as s:
            tutorials.read_media(s, actor=actor, media_id=media_id)
    except NotFound:
        return False
    return True


def test_an_articles_body_keeps_only_its_own_uploaded_images_readable_as_the_article_is(desk):
    image = _upload(desk.editor, PNG)
    other = _upload(desk.editor, PNG)
    with pytest.raises(ValidationFailed) as refused:  # the body's image button takes images only
        _upload(desk.editor, MP4)
    assert "image" in refused.value.details["file"]
    video = _upload(desk.editor, MP4, images_only=False)
    body = (
        f'<p>Open the menu.</p><img src="{image.src}" alt="The menu" onerror="x()">'
        '<img src="https://tracker.example/pixel.gif">'
        '<img src="/api/files/3?preview=true">'
        f'<img src="{video.src}">'
        f'<img src="{image.src}?x=1">'
        '<img src="/api/kb/media/999999">'
    )
    with write_session() as s:
        article = kb.create_article(s, actor=desk.editor, data=ArticleCreate(title="Where the menu is", body=body))
    assert f'<img src="{image.src}" alt="The menu">' in article.body_html
    assert article.body_html.count("<img") == 1  # the refused ones leave nothing behind
    assert "tracker" not in article.body_html and "onerror" not in article.body_html
    # A draft's image: its editors only.
    assert _can_read(desk.editor, image.id)
    assert not _can_read(desk.customer, image.id) and not _can_read(VISITOR, image.id)
    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(status="published"))
    assert _can_read(desk.customer, image.id) and _can_read(VISITOR, image.id)
    assert not _can_read(desk.customer, other.id)  # uploaded but shown by no article
    # Internal: staff only.
    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(visibility="internal"))
    assert _can_read(desk.agent, image.id) and not _can_read(desk.customer, image.id)
    # The image taken out of the body: no reader loads it any more.
    with write_session() as s:
        changed = kb.update_article(
            s,
            actor=desk.editor,
            article_id=article.id,
            data=ArticleUpdate(visibility="public", body=f'<p>Text only.</p><img src="{other.src}">'),
        )
    assert other.src in changed.body_html
    assert not _can_read(desk.customer, image.id) and _can_read(desk.customer, other.id)
