"""Tutorials: steps checked and stored with the article's versions (diffed, searched), their media uploaded
with type and size limits and readable only where the article is, and a signed-in reader's place kept.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import AuditEntry, KbChunk, Role
from autocrm.services import kb, users
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import ArticleCreate, ArticleUpdate, reading, tutorials
from autocrm.services.kb.steps import StepInput, StepMediaInput, embed_url
from autocrm.services.storage import get_file_store

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


def _upload(actor: Actor, data: bytes, name: str = "shot.png"):
    with write_session() as s:
        return tutorials.upload_media(s, actor=actor, filename=name, data=data)


def _steps(image_id: int, video_id: int) -> list[StepInput]:
    return [
        StepInput(
            title="Open settings",
            body="<p>Tap <b>Settings</b>.</p><script>x()</script>",
            media=StepMediaInput(type="image", media_id=image_id, alt="The settings icon"),
        ),
        StepInput(
            title="Watch how",
            body="<p>The video shows the export.</p>",
            media=StepMediaInput(type="video", media_id=video_id),
        ),
        StepInput(
            body="<p>Pick the fjord theme you like.</p>",
            media=StepMediaInput(type="embed", url="https://youtu.be/dQw4w9WgXcQ?t=1m5s"),
        ),
    ]


def test_embed_links_only_from_the_allowlist():
    assert (
        embed_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    assert (
        embed_url("https://youtu.be/dQw4w9WgXcQ?t=65") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=65"
    )
    assert embed_url("https://www.youtube.com/shorts/dQw4w9WgXcQ").endswith("/embed/dQw4w9WgXcQ")
    assert embed_url("https://vimeo.com/76979871") == "https://player.vimeo.com/video/76979871"
    assert embed_url("https://vimeo.com/76979871/abcdef1234") == "https://player.vimeo.com/video/76979871?h=abcdef1234"
    assert embed_url("https://player.vimeo.com/video/76979871") == "https://player.vimeo.com/video/76979871"
    for bad in (
        "https://evil.example/embed/dQw4w9WgXcQ",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=short",
        "https://user@www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://vimeo.com/channels/staff",
        'https://www.youtube.com/watch?v=dQw4w9WgXcQ"><script>',
    ):
        assert embed_url(bad) is None, bad


def test_steps_are_checked_and_every_refusal_named_by_its_step(desk):
    image = _upload(desk.editor, PNG)
    video = _upload(desk.editor, MP4, "how.mp4")
    with pytest.raises(ValidationFailed) as refused, write_session() as s:
        kb.create_article(
            s,
            actor=desk.editor,
            data=ArticleCreate(
                title="Export",
                kind="tutorial",
                steps=[
                    StepInput(body="<p>Fine</p>"),
                    StepInput(),
                    StepInput(body="<p>x</p>", media=StepMediaInput(type="embed", url="https://evil.example/v/1")),
                    StepInput(body="<p>x</p>", media=StepMediaInput(type="image", media_id=video.id)),
                    StepInput(body="<p>x</p>", media=StepMediaInput(type="video", media_id=999_999)),
                ],
            ),
        )
    assert set(refused.value.details) == {"steps.1", "steps.2.media", "steps.3.media", "steps.4.media"}
    assert "YouTube and Vimeo" in refused.value.details["steps.2.media"]
    with pytest.raises(ValidationFailed) as refused, write_session() as s:  # an article has no steps
        kb.create_article(s, actor=desk.editor, data=ArticleCreate(title="A", steps=[StepInput(body="<p>x</p>")]))
    assert set(refused.value.details) == {"steps"}
    with pytest.raises(ValidationFailed) as refused, write_session() as s:  # nothing to read
        kb.create_article(s, actor=desk.editor, data=ArticleCreate(title="T", kind="tutorial", status="published"))
    assert set(refused.value.details) == {"steps"}
    with pytest.raises(PermissionDenied), write_session() as s:
        kb.create_article(
            s, actor=desk.agent, data=ArticleCreate(title="T", kind="tutorial", steps=_steps(image.id, video.id))
        )
    with read_session() as s:  # nothing half-written
        assert kb.list_articles(s, actor=desk.editor) == []


def test_versions_diff_and_search_cover_the_steps(desk):
    image, video = _upload(desk.editor, PNG), _upload(desk.editor, MP4, "how.mp4")
    with write_session() as s:
        made = kb.create_article(
            s,
            actor=desk.editor,
            data=ArticleCreate(
                title="Export your data", kind="tutorial", status="published", steps=_steps(image.id, video.id)
            ),
        )
    assert made.kind == "tutorial" and [st.title for st in made.steps] == ["Open settings", "Watch how", ""]
    first = made.steps[0]
    assert "<script>" not in first.body_html and first.media.src == f"/api/kb/media/{image.id}"
    assert first.media.alt == "The settings icon" and made.steps[1].media.type == "video"
    assert made.steps[2].media.src == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=65"
    with read_session() as s:
        chunks = s.exec(select(KbChunk).where(KbChunk.article_id == made.id).order_by(KbChunk.position)).all()
        assert [c.heading for c in chunks] == [
            "Export your data › 1. Open settings",
            "Export your data › 2. Watch how",
            "Export your data › 3.",
        ]
        found = kb.search(s, actor=VISITOR, q="fjord").items
        assert found and found[0].article_id == made.id

    with write_session() as s:
        changed = kb.update_article(
            s,
            actor=desk.editor,
            article_id=made.id,
            data=ArticleUpdate(steps=[*_steps(image.id, video.id)[:2], StepInput(body="<p>Pick a lagoon theme.</p>")]),
        )
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "kb_article.updated")).all()
    assert changed.version == 2 and audit[-1].changes["steps"] == ["v1", "v2"]
    with read_session() as s:
        versions = kb.list_versions(s, actor=desk.editor, article_id=made.id)
        assert [len(v.steps) for v in versions] == [3, 3] and versions[1].steps[2].media.type == "embed"
        diff = kb.version_diff(s, actor=desk.editor, article_id=made.id, from_version=1, to_version=2)
        assert "-Pick the fjord theme you like." in diff.body and "+Pick a lagoon theme." in diff.body
        assert any(line.startswith("-[video link: https://youtu.be/") for line in diff.body)
        assert not kb.search(s, actor=VISITOR, q="fjord").items
        assert kb.search(s, actor=VISITOR, q="lagoon").items[0].article_id == made.id

        help_article = reading.help_article(s, actor=VISITOR, ref=str(made.id), locale="en")
        assert help_article.kind == "tutorial" and len(help_article.steps) == 3
        card = reading.help_articles(s, actor=VISITOR, locale="en")[0]
        assert card.excerpt == "Tap Settings."

    with write_session() as s:  # a translation has steps of its own
        spanish = kb.create_article(
            s,
            actor=desk.editor,
            data=ArticleCreate(
                title="Exportar",
                kind="tutorial",
                locale="es",
                translation_of=made.id,
                status="published",
                steps=[StepInput(body="<p>Abra Ajustes.</p>")],
            ),
        )
    with read_session() as s:
        shown = reading.help_article(s, actor=VISITOR, ref=str(made.id), locale="es")
        assert shown.id == spanish.id and shown.steps[0].body_html == "<p>Abra Ajustes.</p>"


def test_media_types_sizes_and_who_may_load_them(desk, monkeypatch):
    with pytest.raises(ValidationFailed) as refused:
        _upload(desk.editor, b"%PDF-1.4 not a picture", "doc.pdf")
    assert "PNG, JPEG, GIF or WebP" in refused.value.details["file"]
    with pytest.raises(ValidationFailed):
        _upload(desk.editor, b"", "empty.png")
    monkeypatch.setenv("AUTOCRM_KB_VIDEO_MAX_BYTES", "1000")
    reset_settings()
    with pytest.raises(ValidationFailed) as refused:
        _upload(desk.editor, MP4, "big.mp4")
    assert refused.value.details["file"] == "The video is larger than 1 MB."
    monkeypatch.delenv("AUTOCRM_KB_VIDEO_MAX_BYTES")
    reset_settings()
    for outsider in (desk.agent, desk.customer):
        with pytest.raises(PermissionDenied):
            _upload(outsider, PNG)

    image = _upload(desk.editor, PNG)
    with read_session() as s:
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "kb_media.uploaded")).all()
        assert [a.object_id for a in audited] == [image.id]
        found = tutorials.read_media(s, actor=desk.admin, media_id=image.id)  # editors: before it is shown
        assert get_file_store().get(found.storage_key) == PNG and found.content_type == "image/png"
        for reader in (VISITOR, desk.customer, desk.agent):
            with pytest.raises(NotFound):
                tutorials.read_media(s, actor=reader, media_id=image.id)

    steps = [StepInput(body="<p>Look.</p>", media=StepMediaInput(type="image", media_id=image.id))]
    with write_session() as s:
        made = kb.create_article(s, actor=desk.editor, data=ArticleCreate(title="T", kind="tutorial", steps=steps))

    def readers() -> set[str]:
        names = set()
        with read_session() as s:
            for name, reader in (("visitor", VISITOR), ("customer", desk.customer), ("agent", desk.agent)):
                try:
                    tutorials.read_media(s, actor=reader, media_id=image.id)
                    names.add(name)
                except NotFound:
                    pass
        return names

    assert readers() == set()  # a draft's media
    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=made.id, data=ArticleUpdate(status="published"))
    assert readers() == {"visitor", "customer", "agent"}
    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=made.id, data=ArticleUpdate(visibility="internal"))
    assert readers() == {"agent"}
    with write_session() as s:  # shown no more
        kb.update_article(
            s,
            actor=desk.editor,
            article_id=made.id,
            data=ArticleUpdate(visibility="public", steps=[StepInput(body="<p>Words only.</p>")]),
        )
    assert readers() == set()


def test_a_signed_in_readers_place_is_kept(desk):
    steps = [StepInput(body=f"<p>Step {n}</p>") for n in range(1, 5)]
    with write_session() as s:
        made = kb.create_article(
            s, actor=desk.editor, data=ArticleCreate(title="T", kind="tutorial", status="published", steps=steps)
        )
        article = kb.create_article(s, actor=desk.editor, data=ArticleCreate(title="A", status="published"))
    with read_session() as s:
        assert tutorials.tutorial_place(s, actor=desk.customer, article_id=made.id) is None
    with write_session() as s:
        tutorials.remember_place(s, actor=desk.customer, article_id=made.id, step=2)
        tutorials.remember_place(s, actor=desk.agent, article_id=made.id, step=1)
    with write_session() as s:
        tutorials.remember_place(s, actor=desk.customer, article_id=made.id, step=3)
    with read_session() as s:
        assert tutorials.tutorial_place(s, actor=desk.customer, article_id=made.id) == 3
        assert tutorials.tutorial_place(s, actor=desk.agent, article_id=made.id) == 1
    with pytest.raises(ValidationFailed), write_session() as s:
        tutorials.remember_place(s, actor=desk.customer, article_id=made.id, step=4)
    with pytest.raises(PermissionDenied), write_session() as s:
        tutorials.remember_place(s, actor=VISITOR, article_id=made.id, step=0)
    with pytest.raises(NotFound), write_session() as s:  # not a tutorial
        tutorials.remember_place(s, actor=desk.customer, article_id=article.id, step=0)
    with write_session() as s:  # fewer steps now: the place stays inside them
        kb.update_article(s, actor=desk.editor, article_id=made.id, data=ArticleUpdate(steps=steps[:2]))
    with read_session() as s:
        assert tutorials.tutorial_place(s, actor=desk.customer, article_id=made.id) == 1
    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=made.id, data=ArticleUpdate(status="draft"))
    with pytest.raises(NotFound), read_session() as s:  # a draft is nobody's to read but the editors'
        tutorials.tutorial_place(s, actor=desk.customer, article_id=made.id)
