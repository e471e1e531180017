"""Knowledge-base articles: writing, versions, translations, categories, readers' feedback.

- **Who writes**: admins, and agents an admin made KB editors (`User.kb_editor`); an API key writes only as
  far as its creator may now, and needs `kb:write`. Everyone reads with `kb:read`.
- **Who reads what**: customers (and the portal's visitors) published public articles only; staff also
  published internal ones; editors every article, drafts and archived ones included. An article a reader may
  not see is "not found", never "forbidden", so ids reveal nothing.
- **Translations** share a group (the id of the article first written); one article per locale and group.
  Readers asking for a locale get that translation when it is published, else the group's article in the
  desk's default locale (`DEFAULT_LOCALE`), else the one asked for.
- **Versions**: every save that changes the title, body or settings is a new numbered version, never
  rewritten; `version_diff` compares two.
- **Search follows writes**: the article's passages (`chunking.py`) are written with it, in its transaction,
  for a published article, and removed when it is unpublished or deleted; the keyword index follows by
  triggers and the dense one by the `kb.index` after-commit job (`index.py`), so a failing embedding model
  never fails a save.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import Session, col, select

from autocrm import routes
from autocrm.core import kb_fulltext
from autocrm.core.db import stored_id
from autocrm.core.i18n import ngettext, t
from autocrm.models import (
    ApiKey,
    KbArticle,
    KbArticleMedia,
    KbArticleVersion,
    KbCategory,
    KbChunk,
    KbFeedback,
    KbMedia,
    KbTutorialProgress,
    User,
)
from autocrm.models.base import utcnow
from autocrm.models.kb import ArticleKind, ArticleStatus, ArticleVisibility
from autocrm.services import audit, content, events
from autocrm.services.actor import KB_READ, KB_WRITE, Actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, field_error
from autocrm.services.inputs import DbId, ServiceInput
from autocrm.services.kb import steps as tutorial_steps
from autocrm.services.kb.chunking import passages
from autocrm.services.kb.steps import MAX_STEPS, StepInput, StepPublic

DEFAULT_LOCALE = "en"
LOCALES = ("en", "es", "de", "fr")
MAX_BODY_CHARS = 200_000
MAX_TAGS = 20
ARTICLE_CHANGED = "kb_article.changed"
_LOCALE = r"^[a-z]{2}(-[A-Z]{2})?$"
LOCALE_PATTERN = _LOCALE
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_IMAGE_WITHOUT_SRC = re.compile(r"<img\b(?![^>]*\bsrc=)[^>]*>")

Status = Literal["draft", "published", "archived"]
Visibility = Literal["public", "internal"]
Kind = Literal["article", "tutorial"]


# ---- shapes ------------------------------------------------------------------------------------------


class ArticleCreate(ServiceInput):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=MAX_BODY_CHARS)  # HTML, sanitized on the way in
    locale: str = Field(default=DEFAULT_LOCALE, pattern=_LOCALE)
    status: Status = "draft"
    visibility: Visibility = "public"
    category_id: DbId | None = None
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    # A tutorial is read one step at a time (`steps`; `body` is its introduction); only tutorials have steps.
    kind: Kind = "article"
    steps: list[StepInput] = Field(default_factory=list, max_length=MAX_STEPS)
    # Another article this one translates (it joins that article's group).
    translation_of: DbId | None = None
    # The readable URL's words; by default the title's. An import names articles by it (with the locale).
    slug: str | None = Field(default=None, max_length=200, pattern=SLUG_PATTERN)


class ArticleUpdate(ServiceInput):
    """Only the fields sent change; a change is a new version."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=MAX_BODY_CHARS)
    status: Status | None = None
    visibility: Visibility | None = None
    category_id: DbId | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    kind: Kind | None = None
    steps: list[StepInput] | None = Field(default=None, max_length=MAX_STEPS)
    # The version the editor started from: refused when someone saved a newer one meanwhile.
    base_version: int | None = Field(default=None, ge=1)
    # Kept as given even when the title changes (else the slug follows the title).
    slug: str | None = Field(default=None, max_length=200, pattern=SLUG_PATTERN)


class Translation(BaseModel):
    id: int
    locale: str
    status: str


class ArticlePublic(BaseModel):
    id: int
    group_id: int
    locale: str
    title: str
    slug: str
    body_html: str
    category_id: int | None
    tags: list[str]
    status: str
    visibility: str
    version: int
    author_id: int | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    helpful_yes: int
    helpful_no: int
    translations: list[Translation]
    url: str
    views: int = 0  # staff only, like the helpfulness counts
    kind: str = "article"
    steps: list[StepPublic] = []


class ArticleSummary(BaseModel):
    id: int
    group_id: int
    locale: str
    title: str
    kind: str = "article"
    status: str
    visibility: str
    category_id: int | None
    updated_at: datetime
    url: str


class ArticleVersionPublic(BaseModel):
    number: int
    title: str
    body_html: str
    status: str
    visibility: str
    author_id: int | None
    created_at: datetime
    kind: str = "article"
    steps: list[StepPublic] = []


class ArticleDiff(BaseModel):
    from_version: int
    to_version: int
    title: list[str]
    body: list[str]


class CategoryCreate(ServiceInput):
    name: str = Field(min_length=1, max_length=120)
    parent_id: DbId | None = None
    position: int = Field(default=0, ge=0, le=10_000)


class CategoryUpdate(ServiceInput):
    """Only the fields sent change: a new name, another parent (None: top level), another place."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    parent_id: DbId | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class CategoryPublic(BaseModel):
    id: int
    name: str
    slug: str
    parent_id: int | None
    position: int


class FeedbackCreate(ServiceInput):
    helpful: bool
    comment: str = Field(default="", max_length=2000)


class MissingTranslation(BaseModel):
    group_id: int
    source_id: int
    source_locale: str
    title: str


# ---- who may do what -----------------------------------------------------------------------------------


def may_edit(session: Session, actor: Actor) -> bool:
    if actor.is_admin:
        return True
    if not actor.is_staff:
        return False
    user_id = actor.user_id
    if user_id is None and actor.api_key_id is not None:
        key = session.get(ApiKey, actor.api_key_id)
        user_id = key.created_by_id if key is not None else None
    user = session.get(User, user_id) if user_id is not None else None
    return user is not None and user.is_active and user.kb_editor


def _require_editor(session: Session, actor: Actor) -> None:
    actor.require_scope(KB_WRITE)
    if not may_edit(session, actor):
        raise PermissionDenied(t("Only admins and knowledge-base editors may write articles."))


def readable_visibilities(actor: Actor) -> tuple[str, ...]:
    return (ArticleVisibility.public, ArticleVisibility.internal) if actor.is_staff else (ArticleVisibility.public,)


def _may_read(session: Session, actor: Actor, article: KbArticle, *, editor: bool | None = None) -> bool:
    if editor is None:
        editor = may_edit(session, actor)
    if editor:
        return True
    return article.status == ArticleStatus.published and article.visibility in readable_visibilities(actor)


def _readable(session: Session, actor: Actor, article_id: int) -> KbArticle:
    actor.require_scope(KB_READ)
    article = session.get(KbArticle, article_id)
    if article is None or not _may_read(session, actor, article):
        raise NotFound(t("No such article."), {"article_id": article_id})
    return article


# ---- helpers ---------------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _SLUG_JUNK.sub("-", folded).strip("-")[:200] or "article"


def article_url(article: KbArticle) -> str:
    """The readable page: the help centre's for a public article, the staff's knowledge base for an internal one."""
    if article.visibility == ArticleVisibility.internal:
        return routes.agent_kb_article(stored_id(article.id), article.slug)
    return routes.help_article(stored_id(article.id), article.slug)


def _clean_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        cleaned = tag.strip().lower()[:40]
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen


def _check_category(session: Session, category_id: int | None) -> None:
    if category_id is not None and session.get(KbCategory, category_id) is None:
        raise field_error("category_id", t("No such category."))


def _public(session: Session, article: KbArticle, *, actor: Actor) -> ArticlePublic:
    group = stored_id(article.group_id)
    siblings = session.exec(select(KbArticle).where(KbArticle.group_id == group).order_by(col(KbArticle.locale))).all()
    editor = may_edit(session, actor)
    return ArticlePublic(
        id=stored_id(article.id),
        group_id=group,
        locale=article.locale,
        title=article.title,
        slug=article.slug,
        body_html=article.body_html,
        category_id=article.category_id,
        tags=list(article.tags),
        status=article.status,
        visibility=article.visibility,
        version=article.version,
        author_id=article.author_id if actor.is_staff else None,
        created_at=article.created_at,
        updated_at=article.updated_at,
        published_at=article.published_at,
        helpful_yes=article.helpful_yes if actor.is_staff else 0,
        helpful_no=article.helpful_no if actor.is_staff else 0,
        translations=[
            Translation(id=stored_id(s.id), locale=s.locale, status=s.status)
            for s in siblings
            if s.id != article.id and _may_read(session, actor, s, editor=editor)
        ],
        url=article_url(article),
        views=article.views if actor.is_staff else 0,
        kind=article.kind,
        steps=tutorial_steps.public_steps(article.steps),
    )


def _summary(article: KbArticle) -> ArticleSummary:
    return ArticleSummary(
        id=stored_id(article.id),
        group_id=stored_id(article.group_id),
        locale=article.locale,
        title=article.title,
        kind=article.kind,
        status=article.status,
        visibility=article.visibility,
        category_id=article.category_id,
        updated_at=article.updated_at,
        url=article_url(article),
    )


def _snapshot(article: KbArticle) -> dict[str, object]:
    return {
        "title": article.title,
        "status": article.status,
        "visibility": article.visibility,
        "category_id": article.category_id,
        "tags": list(article.tags),
        "body_html": article.body_html,
        "slug": article.slug,
        "kind": article.kind,
        "steps": list(article.steps),
    }


def _save_version(session: Session, article: KbArticle, actor: Actor) -> None:
    session.add(
        KbArticleVersion(
            article_id=stored_id(article.id),
            number=article.version,
            title=article.title,
            body_html=article.body_html,
            meta={
                "status": article.status,
                "visibility": article.visibility,
                "category_id": article.category_id,
                "tags": list(article.tags),
                "kind": article.kind,
                "steps": list(article.steps),
            },
            author_id=actor.user_id,
        )
    )


def replace_passages(session: Session, article: KbArticle) -> None:
    """The article's chunks as search should see it now: its passages when published, none otherwise."""
    article_id = stored_id(article.id)
    session.execute(delete(KbChunk).where(col(KbChunk.article_id) == article_id))
    if article.status != ArticleStatus.published:
        return
    config = kb_fulltext.ts_config(article.locale)
    # A tutorial's steps are passages of their own, each under its step's label.
    for position, passage in enumerate(passages(article.title, readable_html(article))):
        session.add(
            KbChunk(
                article_id=article_id,
                group_id=stored_id(article.group_id),
                position=position,
                locale=article.locale,
                visibility=article.visibility,
                heading=passage.heading,
                text=passage.text,
                ts_config=config,
            )
        )


def readable_html(article: KbArticle) -> str:
    """The article's text as search and excerpts read it: the body, then a tutorial's steps."""
    if article.kind != ArticleKind.tutorial or not article.steps:
        return article.body_html
    return article.body_html + tutorial_steps.steps_html(article.steps)


def _body_text(article: KbArticle) -> str:
    text = content.html_to_text(article.body_html)
    if article.kind == ArticleKind.tutorial and article.steps:
        text = "\n\n".join(part for part in (text, tutorial_steps.steps_text(article.steps)) if part.strip())
    return text


def _steps_for(session: Session, kind: str, steps: list[StepInput] | None, *, status: str) -> list[dict[str, object]]:
    """The steps to store for an article of `kind` (refused: steps on an article, a published tutorial without
    any)."""
    if kind != ArticleKind.tutorial:
        if steps:
            raise field_error("steps", t("Only a tutorial has steps: choose the tutorial kind."))
        return []
    cleaned = tutorial_steps.clean_steps(session, steps or [])
    if not cleaned and status == ArticleStatus.published:
        raise field_error("steps", t("Add at least one step before publishing the tutorial."))
    return cleaned


def clean_body(session: Session, raw: str) -> str:
    """The body as stored: sanitized, its images only the knowledge base's own uploaded ones (`kb_media`
    images, as the editor inserts them); any other image (a remote one, a ticket's file) is dropped."""
    wanted = content.kb_media_named(raw)
    images = (
        session.exec(select(KbMedia.id).where(col(KbMedia.id).in_(wanted), KbMedia.kind == "image")).all()
        if wanted
        else []
    )
    safe = content.sanitize_html(raw, kb_media=frozenset(i for i in images if i is not None))
    return _IMAGE_WITHOUT_SRC.sub("", safe)  # what is left of a refused image shows nothing


def _link_media(session: Session, article: KbArticle) -> None:
    """Which uploaded files the article shows now, in its body or its steps (the media route lets its readers
    load those: a draft's images are its editors' alone)."""
    article_id = stored_id(article.id)
    session.execute(delete(KbArticleMedia).where(col(KbArticleMedia.article_id) == article_id))
    shown = tutorial_steps.media_ids(article.steps) | content.kb_media_shown(article.body_html)
    for media_id in sorted(shown):
        session.add(KbArticleMedia(article_id=article_id, media_id=media_id))


def _emit_changed(session: Session, article: KbArticle, *, actor: Actor, action: str) -> None:
    events.emit(
        session,
        ARTICLE_CHANGED,
        actor=actor,
        data={"article_id": article.id, "group_id": article.group_id, "action": action, "status": article.status},
    )


# ---- articles ----------------------------------------------------------------------------------------------


def create_article(session: Session, *, actor: Actor, data: ArticleCreate) -> ArticlePublic:
    _require_editor(session, actor)
    _check_category(session, data.category_id)
    group_id: int | None = None
    if data.translation_of is not None:
        source = session.get(KbArticle, data.translation_of)
        if source is None:
            raise field_error("translation_of", t("No such article."))
        group_id = stored_id(source.group_id)
        taken = session.exec(
            select(KbArticle.id).where(KbArticle.group_id == group_id, KbArticle.locale == data.locale)
        ).first()
        if taken is not None:
            raise Conflict(
                t("This article already has a translation in that language."),
                {"article_id": taken, "locale": data.locale},
            )
    body_html = clean_body(session, data.body)
    steps = _steps_for(session, data.kind, data.steps, status=data.status)
    now = utcnow()
    article = KbArticle(
        group_id=group_id,
        locale=data.locale,
        title=data.title,
        slug=data.slug or slugify(data.title),
        body_html=body_html,
        body_text=content.html_to_text(body_html),
        category_id=data.category_id,
        tags=_clean_tags(data.tags),
        kind=data.kind,
        steps=steps,
        status=data.status,
        visibility=data.visibility,
        author_id=actor.user_id,
        created_at=now,
        updated_at=now,
        published_at=now if data.status == ArticleStatus.published else None,
    )
    session.add(article)
    session.flush()
    if article.group_id is None:
        article.group_id = article.id
    article.body_text = _body_text(article)
    _link_media(session, article)
    _save_version(session, article, actor)
    replace_passages(session, article)
    audit.record(session, actor=actor, action="kb_article.created", object_type="kb_article", object_id=article.id)
    _emit_changed(session, article, actor=actor, action="created")
    session.flush()
    return _public(session, article, actor=actor)


def update_article(session: Session, *, actor: Actor, article_id: int, data: ArticleUpdate) -> ArticlePublic:
    _require_editor(session, actor)
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(t("No such article."), {"article_id": article_id})
    if data.base_version is not None and data.base_version != article.version:
        raise Conflict(
            t("Someone saved a newer version of this article meanwhile: reload it before saving."),
            {"version": article.version},
        )
    before = _snapshot(article)
    sent = data.model_fields_set
    if data.title is not None:
        article.title = data.title
        article.slug = slugify(data.title)
    if data.slug is not None:
        article.slug = data.slug
    if data.body is not None:
        article.body_html = clean_body(session, data.body)
        article.body_text = content.html_to_text(article.body_html)
    if data.status is not None:
        if data.status == ArticleStatus.published and article.status != ArticleStatus.published:
            article.published_at = utcnow()
        article.status = data.status
    if data.visibility is not None:
        article.visibility = data.visibility
    if "category_id" in sent:
        _check_category(session, data.category_id)
        article.category_id = data.category_id
    if data.tags is not None:
        article.tags = _clean_tags(data.tags)
    if data.kind is not None or data.steps is not None:
        kind = data.kind or article.kind
        given = data.steps
        if given is None and kind == ArticleKind.tutorial:  # only the kind changed: the steps stay
            steps: list[dict[str, object]] | None = None
        else:
            steps = _steps_for(session, kind, given, status=article.status)
        article.kind = kind
        if steps is not None:
            article.steps = steps
    if article.kind == ArticleKind.tutorial and not article.steps and article.status == ArticleStatus.published:
        raise field_error("steps", t("Add at least one step before publishing the tutorial."))
    article.body_text = _body_text(article)
    changes = audit.diff(before, _snapshot(article))
    if not changes:
        return _public(session, article, actor=actor)
    article.version += 1
    article.updated_at = utcnow()
    _link_media(session, article)
    _save_version(session, article, actor)
    replace_passages(session, article)
    for text_field, name in (("body_html", "body"), ("steps", "steps")):
        if changes.pop(text_field, None) is not None:
            # The texts themselves are in the versions; the audit names which ones.
            changes[name] = (f"v{article.version - 1}", f"v{article.version}")
    audit.record(
        session,
        actor=actor,
        action="kb_article.updated",
        object_type="kb_article",
        object_id=article.id,
        changes=changes,
    )
    _emit_changed(session, article, actor=actor, action="updated")
    session.flush()
    return _public(session, article, actor=actor)


def delete_article(session: Session, *, actor: Actor, article_id: int) -> None:
    _require_editor(session, actor)
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(t("No such article."), {"article_id": article_id})
    session.execute(delete(KbChunk).where(col(KbChunk.article_id) == article_id))
    session.execute(delete(KbFeedback).where(col(KbFeedback.article_id) == article_id))
    session.execute(delete(KbArticleMedia).where(col(KbArticleMedia.article_id) == article_id))
    session.execute(delete(KbTutorialProgress).where(col(KbTutorialProgress.article_id) == article_id))
    session.execute(delete(KbArticleVersion).where(col(KbArticleVersion.article_id) == article_id))
    audit.record(
        session,
        actor=actor,
        action="kb_article.deleted",
        object_type="kb_article",
        object_id=article_id,
        changes={"title": (article.title, None), "locale": (article.locale, None)},
    )
    _emit_changed(session, article, actor=actor, action="deleted")
    session.delete(article)
    session.flush()


def get_article(session: Session, *, actor: Actor, article_id: int, locale: str | None = None) -> ArticlePublic:
    """The article, or (with `locale`) its translation in that locale when the reader may see one."""
    article = _readable(session, actor, article_id)
    if locale is not None and locale != article.locale:
        translated = session.exec(
            select(KbArticle).where(KbArticle.group_id == article.group_id, KbArticle.locale == locale)
        ).first()
        if translated is not None and _may_read(session, actor, translated):
            article = translated
    return _public(session, article, actor=actor)


def list_articles(
    session: Session,
    *,
    actor: Actor,
    locale: str | None = None,
    category_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ArticleSummary]:
    """Newest first. Readers see what they may read; with `locale`, each group once, in that locale or else in
    the default one."""
    actor.require_scope(KB_READ)
    query = select(KbArticle)
    if not may_edit(session, actor):
        query = query.where(
            KbArticle.status == ArticleStatus.published, col(KbArticle.visibility).in_(readable_visibilities(actor))
        )
    elif status is not None:
        query = query.where(KbArticle.status == status)
    if category_id is not None:
        query = query.where(KbArticle.category_id == category_id)
    if locale is not None:
        query = query.where(col(KbArticle.locale).in_({locale, DEFAULT_LOCALE}))
    rows = session.exec(query.order_by(col(KbArticle.updated_at).desc(), col(KbArticle.id).desc())).all()
    if locale is not None:
        rows = prefer_locale(rows, locale)
    return [_summary(a) for a in rows[offset : offset + limit]]


def prefer_locale(rows: Sequence[KbArticle], locale: str) -> list[KbArticle]:
    """Each translation group once: its `locale` article, else its default-locale one; order kept."""
    articles = list(rows)
    in_locale = {a.group_id for a in articles if a.locale == locale}
    return [a for a in articles if a.locale == locale or a.group_id not in in_locale]


def list_versions(session: Session, *, actor: Actor, article_id: int) -> list[ArticleVersionPublic]:
    actor.require_scope(KB_READ)
    if not may_edit(session, actor):
        raise PermissionDenied(t("Only admins and knowledge-base editors see an article's versions."))
    if session.get(KbArticle, article_id) is None:
        raise NotFound(t("No such article."), {"article_id": article_id})
    versions = session.exec(
        select(KbArticleVersion)
        .where(KbArticleVersion.article_id == article_id)
        .order_by(col(KbArticleVersion.number).desc())
    ).all()
    return [
        ArticleVersionPublic(
            number=v.number,
            title=v.title,
            body_html=v.body_html,
            status=str(v.meta.get("status", "")),
            visibility=str(v.meta.get("visibility", "")),
            author_id=v.author_id,
            created_at=v.created_at,
            kind=str(v.meta.get("kind", ArticleKind.article)),
            steps=tutorial_steps.public_steps(list(v.meta.get("steps", []))),
        )
        for v in versions
    ]


def version_diff(session: Session, *, actor: Actor, article_id: int, from_version: int, to_version: int) -> ArticleDiff:
    versions = {v.number: v for v in list_versions(session, actor=actor, article_id=article_id)}
    for name, number in (("from", from_version), ("to", to_version)):
        if number not in versions:
            raise field_error(name, t("This article has no version {number}.", number=number))
    old, new = versions[from_version], versions[to_version]
    stored = {
        v.number: list(v.meta.get("steps", []))
        for v in session.exec(
            select(KbArticleVersion).where(
                KbArticleVersion.article_id == article_id,
                col(KbArticleVersion.number).in_({from_version, to_version}),
            )
        ).all()
    }
    return ArticleDiff(
        from_version=from_version,
        to_version=to_version,
        title=list(difflib.unified_diff([old.title], [new.title], lineterm="", n=0)),
        body=list(
            difflib.unified_diff(
                content.html_to_text(old.body_html).splitlines() + tutorial_steps.diff_lines(stored[from_version]),
                content.html_to_text(new.body_html).splitlines() + tutorial_steps.diff_lines(stored[to_version]),
                fromfile=f"v{from_version}",
                tofile=f"v{to_version}",
                lineterm="",
            )
        ),
    )


def missing_translations(session: Session, *, actor: Actor, locale: str) -> list[MissingTranslation]:
    """Published groups with no article in `locale` yet: the editors' to-do list."""
    _require_editor(session, actor)
    translated = select(KbArticle.group_id).where(KbArticle.locale == locale)
    sources = session.exec(
        select(KbArticle)
        .where(KbArticle.status == ArticleStatus.published, col(KbArticle.group_id).not_in(translated))
        .order_by(col(KbArticle.group_id), col(KbArticle.id))
    ).all()
    seen: set[int] = set()
    missing = []
    for article in sources:
        group = stored_id(article.group_id)
        if group in seen:
            continue
        seen.add(group)
        missing.append(
            MissingTranslation(
                group_id=group, source_id=stored_id(article.id), source_locale=article.locale, title=article.title
            )
        )
    return missing


# ---- feedback --------------------------------------------------------------------------------------------


def give_feedback(session: Session, *, actor: Actor, article_id: int, data: FeedbackCreate) -> None:
    article = _readable(session, actor, article_id)
    session.add(KbFeedback(article_id=article_id, user_id=actor.user_id, helpful=data.helpful, comment=data.comment))
    if data.helpful:
        article.helpful_yes += 1
    else:
        article.helpful_no += 1
    audit.record(
        session,
        actor=actor,
        action="kb_article.feedback",
        object_type="kb_article",
        object_id=article_id,
        changes={"helpful": (None, data.helpful)},
    )
    session.flush()


# ---- categories ------------------------------------------------------------------------------------------


def create_category(session: Session, *, actor: Actor, data: CategoryCreate) -> CategoryPublic:
    _require_editor(session, actor)
    if data.parent_id is not None and session.get(KbCategory, data.parent_id) is None:
        raise field_error("parent_id", t("No such category."))
    base = slugify(data.name)
    slug, n = base, 1
    while session.exec(select(KbCategory.id).where(KbCategory.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    category = KbCategory(name=data.name, slug=slug, parent_id=data.parent_id, position=data.position)
    session.add(category)
    session.flush()
    audit.record(session, actor=actor, action="kb_category.created", object_type="kb_category", object_id=category.id)
    return _category_public(category)


def _descendants(session: Session, category_id: int) -> set[int]:
    """The category's sub-categories, theirs, and so on (not itself)."""
    children: dict[int, list[int]] = {}
    for cid, parent in session.exec(select(KbCategory.id, KbCategory.parent_id)).all():
        if parent is not None and cid is not None:
            children.setdefault(parent, []).append(cid)
    found: set[int] = set()
    todo = list(children.get(category_id, []))
    while todo:
        cid = todo.pop()
        if cid not in found:
            found.add(cid)
            todo.extend(children.get(cid, []))
    return found


def _category(session: Session, category_id: int) -> KbCategory:
    category = session.get(KbCategory, category_id)
    if category is None:
        raise NotFound(t("No such category."), {"category_id": category_id})
    return category


def update_category(session: Session, *, actor: Actor, category_id: int, data: CategoryUpdate) -> CategoryPublic:
    """Renames or moves a category; never under itself or one of its own sub-categories (a loop)."""
    _require_editor(session, actor)
    category = _category(session, category_id)
    before = {"name": category.name, "parent_id": category.parent_id, "position": category.position}
    if data.name is not None:
        name = data.name.strip()
        if not name:
            raise field_error("name", t("Give the category a name."))
        category.name = name
    if "parent_id" in data.model_fields_set:
        parent_id = data.parent_id
        if parent_id is not None:
            if parent_id == category_id:
                raise field_error("parent_id", t("A category cannot be inside itself."))
            if session.get(KbCategory, parent_id) is None:
                raise field_error("parent_id", t("No such category."))
            if parent_id in _descendants(session, category_id):
                raise field_error("parent_id", t("A category cannot be inside one of its own sub-categories."))
        category.parent_id = parent_id
    if data.position is not None:
        category.position = data.position
    changes = audit.diff(
        before, {"name": category.name, "parent_id": category.parent_id, "position": category.position}
    )
    if changes:
        session.add(category)
        audit.record(
            session,
            actor=actor,
            action="kb_category.updated",
            object_type="kb_category",
            object_id=category_id,
            changes=changes,
        )
        session.flush()
    return _category_public(category)


def delete_category(session: Session, *, actor: Actor, category_id: int) -> None:
    """Deletes an empty category: refused while articles are in it or it has sub-categories."""
    _require_editor(session, actor)
    category = _category(session, category_id)
    used = len(session.exec(select(KbArticle.id).where(KbArticle.category_id == category_id)).all())
    if used:
        raise Conflict(
            ngettext(
                "{n} article is in this category: move it to another category first.",
                "{n} articles are in this category: move them to another category first.",
                used,
            ),
            {"articles": used},
        )
    children = len(session.exec(select(KbCategory.id).where(KbCategory.parent_id == category_id)).all())
    if children:
        raise Conflict(
            ngettext(
                "{n} sub-category is inside this category: move or delete it first.",
                "{n} sub-categories are inside this category: move or delete them first.",
                children,
            ),
            {"categories": children},
        )
    audit.record(
        session,
        actor=actor,
        action="kb_category.deleted",
        object_type="kb_category",
        object_id=category_id,
        changes={"name": (category.name, None), "parent_id": (category.parent_id, None)},
    )
    session.delete(category)
    session.flush()


def category_article_counts(session: Session, *, actor: Actor) -> dict[int, int]:
    """How many articles (any status, every language) each category holds: what deleting one would refuse."""
    _require_editor(session, actor)
    counts: dict[int, int] = {}
    for category_id in session.exec(select(KbArticle.category_id).where(col(KbArticle.category_id).is_not(None))):
        if category_id is not None:
            counts[category_id] = counts.get(category_id, 0) + 1
    return counts


def list_categories(session: Session, *, actor: Actor) -> list[CategoryPublic]:
    actor.require_scope(KB_READ)
    rows = session.exec(select(KbCategory).order_by(col(KbCategory.position), col(KbCategory.name))).all()
    return [_category_public(c) for c in rows]


def _category_public(category: KbCategory) -> CategoryPublic:
    return CategoryPublic(
        id=stored_id(category.id),
        name=category.name,
        slug=category.slug,
        parent_id=category.parent_id,
        position=category.position,
    )
