"""Tutorials' media and readers' places.

- **Media**: editors upload an image (PNG, JPEG, GIF, WebP; the attachment size limit) or a video (MP4, WebM;
  `AUTOCRM_KB_VIDEO_MAX_BYTES`) for a step, or an image for an article's body (the rich editor's image button;
  the body keeps only such images, `articles.clean_body`), its type judged by its bytes. The bytes go to the file store; a
  `kb_media` row names them. A reader may load a file when an article they may read (published, and public
  for customers and visitors) shows it now (`kb_article_media`, rewritten with the steps); editors may load
  any, so the editor shows an upload before the article is saved. Anything else is "not found".
- **A reader's place**: a signed-in reader's step in a tutorial (`kb_tutorial_progress`), written as they move
  and read when they come back. Like the views counter it is the reader's own bookmark, not a change of the
  desk's content: no audit entry or event for it (a busy help centre would bury the real changes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.models import KbArticle, KbArticleMedia, KbMedia, KbTutorialProgress
from autocrm.models.base import utcnow
from autocrm.models.kb import ArticleKind, ArticleStatus
from autocrm.services import audit
from autocrm.services.actor import KB_READ, KB_WRITE, Actor
from autocrm.services.errors import NotFound, PermissionDenied, field_error
from autocrm.services.inputs import is_valid_id
from autocrm.services.kb.articles import may_edit, readable_visibilities
from autocrm.services.kb.steps import IMAGE_TYPES, VIDEO_TYPES
from autocrm.services.storage import get_file_store
from autocrm.services.tickets import safe_filename


class MediaPublic(BaseModel):
    id: int
    kind: str  # image or video
    filename: str
    content_type: str
    size: int
    src: str  # where the pages load it


@dataclass(frozen=True)
class MediaFile:
    """What the media route needs to answer: the file's facts and where its bytes are."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


def _public(row: KbMedia) -> MediaPublic:
    return MediaPublic(
        id=stored_id(row.id),
        kind=row.kind,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        src=routes.kb_media(stored_id(row.id)),
    )


def check_media(filename: str, data: bytes) -> tuple[str, str, str]:
    """(a safe file name, the type, "image" or "video") for a file a step may show; refused with the reason."""
    if not data:
        raise field_error("file", t("The file is empty."))
    guessed = filetype.guess(data)
    content_type = guessed.mime if guessed is not None else "application/octet-stream"
    settings = get_settings()
    if content_type in IMAGE_TYPES:
        kind, limit = "image", settings.attachment_max_bytes
    elif content_type in VIDEO_TYPES:
        kind, limit = "video", settings.kb_video_max_bytes
    else:
        raise field_error("file", t("Upload a PNG, JPEG, GIF or WebP image, or an MP4 or WebM video."))
    if len(data) > limit:
        megabytes = max(1, limit // (1024 * 1024))
        message = (
            t("The image is larger than {value} MB.", value=megabytes)
            if kind == "image"
            else t("The video is larger than {value} MB.", value=megabytes)
        )
        raise field_error("file", message)
    return safe_filename(filename or kind), content_type, kind


def upload_media(
    session: Session, *, actor: Actor, filename: str, data: bytes, images_only: bool = False
) -> MediaPublic:
    """Stores an image or video for a tutorial's step, or (`images_only`) an image for an article's body
    (editors only); the article shows it once saved with it (`kb_article_media`)."""
    actor.require_scope(KB_WRITE)
    if not may_edit(session, actor):
        raise PermissionDenied(t("Only admins and knowledge-base editors may write articles."))
    safe_name, content_type, kind = check_media(filename, data)
    if images_only and kind != "image":
        raise field_error("file", t("Upload a PNG, JPEG, GIF or WebP image."))
    row = KbMedia(
        kind=kind,
        filename=safe_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=get_file_store().put(data),
        uploaded_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="kb_media.uploaded",
        object_type="kb_media",
        object_id=row.id,
        changes={"file": (None, {"filename": row.filename, "type": content_type, "size": row.size})},
    )
    return _public(row)


def read_media(session: Session, *, actor: Actor, media_id: int) -> MediaFile:
    """The file, when the reader may see an article that shows it (editors: any); "not found" otherwise."""
    actor.require_scope(KB_READ)
    row = session.get(KbMedia, media_id) if is_valid_id(media_id) else None
    if row is None:
        raise NotFound(t("No such file."), {"media_id": media_id})
    if not may_edit(session, actor):
        shown = session.exec(
            select(KbArticle.id)
            .join(KbArticleMedia, col(KbArticleMedia.article_id) == col(KbArticle.id))
            .where(
                KbArticleMedia.media_id == media_id,
                KbArticle.status == ArticleStatus.published,
                col(KbArticle.visibility).in_(readable_visibilities(actor)),
            )
            .limit(1)
        ).first()
        if shown is None:
            raise NotFound(t("No such file."), {"media_id": media_id})
    return MediaFile(
        id=stored_id(row.id),
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        storage_key=row.storage_key,
    )


# ---- a reader's place ------------------------------------------------------------------------------------


def _tutorial(session: Session, actor: Actor, article_id: int) -> KbArticle:
    actor.require_scope(KB_READ)
    article = session.get(KbArticle, article_id) if is_valid_id(article_id) else None
    readable = article is not None and (
        may_edit(session, actor)
        or (article.status == ArticleStatus.published and article.visibility in readable_visibilities(actor))
    )
    if article is None or not readable or article.kind != ArticleKind.tutorial:
        raise NotFound(t("No such tutorial."), {"article_id": article_id})
    return article


def _reader(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied(t("Sign in to keep your place in a tutorial."))
    return actor.user_id


def tutorial_place(session: Session, *, actor: Actor, article_id: int) -> int | None:
    """The step (0-based) the signed-in reader was last on, within the tutorial's steps now; None if new to it."""
    user_id = _reader(actor)
    article = _tutorial(session, actor, article_id)
    row = session.exec(
        select(KbTutorialProgress).where(
            KbTutorialProgress.user_id == user_id, KbTutorialProgress.article_id == article_id
        )
    ).first()
    if row is None or not article.steps:
        return None
    return min(max(row.step, 0), len(article.steps) - 1)


def remember_place(session: Session, *, actor: Actor, article_id: int, step: int) -> int:
    """Keeps the signed-in reader's step (0-based) in the tutorial; a step it does not have is refused."""
    user_id = _reader(actor)
    article = _tutorial(session, actor, article_id)
    if not 0 <= step < len(article.steps):
        raise field_error("step", t("This tutorial has no step {number}.", number=step + 1))
    mine = select(KbTutorialProgress).where(
        KbTutorialProgress.user_id == user_id, KbTutorialProgress.article_id == article_id
    )
    row = session.exec(mine).first()
    if row is None:
        try:
            with session.begin_nested():  # two tabs of one reader may both write their first place
                session.add(KbTutorialProgress(user_id=user_id, article_id=article_id, step=step))
            return step
        except IntegrityError:
            row = session.exec(mine).one()
    row.step, row.updated_at = step, utcnow()
    session.add(row)
    session.flush()
    return step
