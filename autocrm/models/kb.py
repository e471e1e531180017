"""Knowledge base: categories, articles (one row per locale, linked as translations), their versions,
the chunks search reads, and readers' feedback (see `services/kb/`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, Text, UniqueConstraint, event
from sqlmodel import Column, Field, SQLModel

from autocrm.models.base import json_field, timestamp_field


class ArticleStatus:
    draft = "draft"
    published = "published"
    archived = "archived"


class ArticleVisibility:
    public = "public"  # customers and the portal's visitors read it once published
    internal = "internal"  # staff only


class ArticleKind:
    article = "article"
    tutorial = "tutorial"  # ordered steps (`steps`), read one at a time


class KbCategory(SQLModel, table=True):
    __tablename__ = "kb_category"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=140, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="kb_category.id", ondelete="SET NULL", index=True)
    position: int = Field(default=0)
    created_at: datetime = timestamp_field(default_now=True)


class KbArticle(SQLModel, table=True):
    __tablename__ = "kb_article"
    __table_args__ = (UniqueConstraint("group_id", "locale", name="uq_kb_article_group_locale"),)

    id: int | None = Field(default=None, primary_key=True)
    # Translations of one article share a group: the id of the article first written in it.
    group_id: int | None = Field(default=None, index=True)
    locale: str = Field(max_length=10)
    title: str = Field(max_length=200)
    slug: str = Field(max_length=220, index=True)
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    category_id: int | None = Field(default=None, foreign_key="kb_category.id", ondelete="SET NULL", index=True)
    tags: list[str] = json_field(list)
    kind: str = Field(default=ArticleKind.article, max_length=16, sa_column_kwargs={"server_default": "article"})
    # A tutorial's steps in order, as `services/kb/tutorials.py` cleaned them: title, sanitized HTML, its
    # text, and the media (an uploaded `kb_media` file or an allowlisted video link turned into its embed URL).
    steps: list[dict[str, Any]] = json_field(list)
    status: str = Field(max_length=16, index=True)
    visibility: str = Field(max_length=16)
    version: int = Field(default=1)
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
    published_at: datetime | None = timestamp_field(nullable=True)
    views: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    helpful_yes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    helpful_no: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class KbArticleVersion(SQLModel, table=True):
    """A saved text of an article; never changed afterwards, so the history is honest."""

    __tablename__ = "kb_article_version"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_kb_article_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", index=True)
    number: int
    title: str = Field(max_length=200)
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    meta: dict[str, Any] = json_field(dict)  # status, visibility, category, tags as saved
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)


class KbChunk(SQLModel, table=True):
    """A passage of a published article (cut at its headings) as search reads it.

    Written with the article, in its transaction (the keyword index follows by database triggers); the
    embedding is filled in afterwards by the `kb.index` job, so a failing model never fails a save. A chunk
    is never edited: an edit replaces the article's chunks, so a chunk id names one text and one vector.
    """

    __tablename__ = "kb_chunk"
    # Ids are never handed out again (SQLite would reuse the highest one after a delete): the vector index
    # tells chunks apart by id alone.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", index=True)
    group_id: int = Field(index=True)
    position: int
    locale: str = Field(max_length=10)
    visibility: str = Field(max_length=16)
    heading: str = Field(default="", max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The stemming configuration PostgreSQL indexes it with ("english", "spanish", …, or "simple").
    ts_config: str = Field(default="simple", max_length=32)
    embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class KbIndexState(SQLModel, table=True):
    """One row: bumped by every index job, so a process's vector index knows when to catch up."""

    __tablename__ = "kb_index_state"

    id: int = Field(default=1, primary_key=True)
    # Names this database's collection, so an index never mixes the chunks of two databases whose ids collide.
    index_key: str = Field(max_length=32)
    generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class KbFeedback(SQLModel, table=True):
    __tablename__ = "kb_feedback"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    helpful: bool
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = timestamp_field(default_now=True)


# The keyword index (FTS5 table or tsvector column, and their triggers) differs per database and is not
# declared here: `create_all`/`drop_all` make and remove it with the tables, as migration 0026 does.
@event.listens_for(SQLModel.metadata, "after_create")
def _create_kb_search(_metadata: Any, connection: Any, **_kw: Any) -> None:
    from autocrm.core import kb_fulltext

    kb_fulltext.install(connection)


@event.listens_for(SQLModel.metadata, "before_drop")
def _drop_kb_search(_metadata: Any, connection: Any, **_kw: Any) -> None:
    from autocrm.core import kb_fulltext

    kb_fulltext.uninstall(connection)


class KbDeflection(SQLModel, table=True):
    """A customer writing a request said an article answered it and left without filing (`services/ai/suggestions`).

    One per customer, article and draft: `draft_key` names the request being written, so a double click or a
    second look at the same draft counts once, and the next request the customer starts counts again."""

    __tablename__ = "kb_deflection"
    __table_args__ = (UniqueConstraint("user_id", "article_id", "draft_key", name="uq_kb_deflection_once"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", index=True)
    # Kept when the account goes: the article still answered a question.
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL", index=True)
    draft_key: str = Field(max_length=64)
    query: str = Field(default="", max_length=500)  # what the customer had written, for the editors
    locale: str = Field(default="en", max_length=10)
    created_at: datetime = timestamp_field(default_now=True, index=True)


class KbMedia(SQLModel, table=True):
    """An image or video uploaded for a tutorial's step; the bytes live in the file store (`services/storage`).

    Readers may load it when an article they may read shows it (`kb_article_media`); editors always."""

    __tablename__ = "kb_media"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)  # "image" or "video"
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)


class KbArticleMedia(SQLModel, table=True):
    """Which uploaded media an article's current steps show: rewritten with the steps at every save."""

    __tablename__ = "kb_article_media"

    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", primary_key=True)
    media_id: int = Field(foreign_key="kb_media.id", ondelete="CASCADE", primary_key=True, index=True)


class KbTutorialProgress(SQLModel, table=True):
    """Where a signed-in reader is in a tutorial: written as they move, read when they come back."""

    __tablename__ = "kb_tutorial_progress"
    __table_args__ = (UniqueConstraint("user_id", "article_id", name="uq_kb_tutorial_progress"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE", index=True)
    article_id: int = Field(foreign_key="kb_article.id", ondelete="CASCADE", index=True)
    step: int = Field(default=0)  # 0-based
    updated_at: datetime = timestamp_field(default_now=True)
