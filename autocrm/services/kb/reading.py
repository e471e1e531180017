"""The knowledge base as its readers see it: the help centre's shapes for customers and visitors, and the staff's.

What a customer may see of an article is decided here, once: `HelpArticle`, `HelpArticleCard` and
`HelpCategory` carry no status, visibility, author, version, tags or counts, and every read asks for what the
reader may read through `articles` (published public articles only for customers and visitors). The portal's
states hand these to the browser as they are. Staff get `StaffArticle`: the same article with its visibility,
and for editors its views and helpfulness.

An article's address is `<id>-<slug>`: the id finds it, the slug only makes the URL readable, so an article
whose title (and slug) changed is still found at its old address.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.models import KbArticle, KbCategory
from autocrm.models.kb import ArticleStatus
from autocrm.services.actor import KB_READ, Actor
from autocrm.services.errors import NotFound
from autocrm.services.kb import articles
from autocrm.services.kb.articles import (
    DEFAULT_LOCALE,
    article_url,
    prefer_locale,
    readable_html,
    readable_visibilities,
)
from autocrm.services.kb.chunking import passages
from autocrm.services.kb.steps import StepPublic, public_steps

MAX_LISTED = 200


class CategoryLink(BaseModel):
    name: str
    url: str


class HelpCategory(BaseModel):
    id: int
    name: str
    slug: str
    parent_id: int | None
    articles: int  # published articles the reader may read in it and under it (each translation group once)
    url: str
    # The categories above it, outermost first (for breadcrumbs); filled where one category is shown.
    trail: list[CategoryLink] = []


class HelpArticleCard(BaseModel):
    id: int
    title: str
    locale: str
    excerpt: str
    url: str
    kind: str = "article"  # or "tutorial": the help centre badges it


class HelpArticle(BaseModel):
    id: int
    title: str
    body_html: str  # sanitized when it was written
    locale: str
    # The reader asked for another language and the article has no published translation in it.
    fallback: bool
    updated_at: datetime
    category: HelpCategory | None
    url: str
    kind: str = "article"  # "tutorial": read one step at a time
    steps: list[StepPublic] = []


class StaffArticle(HelpArticle):
    visibility: str
    status: str
    views: int  # editors only, else 0
    helpful_yes: int
    helpful_no: int
    editor: bool


def parse_ref(ref: str) -> int | None:
    """The id at the start of an article's address (`12-reset-your-password`, or `12`)."""
    head = (ref or "").strip("/").split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) < 11 else None


def _visible(actor: Actor) -> list[object]:
    return [
        KbArticle.status == ArticleStatus.published,
        col(KbArticle.visibility).in_(readable_visibilities(actor)),
    ]


def _excerpt(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def _first_text(article: KbArticle) -> str:
    """The article's opening passage (before its first heading), so an excerpt does not run headings into text."""
    for passage in passages(article.title, readable_html(article)):
        if passage.text:
            return passage.text
    return ""


def _card(article: KbArticle) -> HelpArticleCard:
    return HelpArticleCard(
        id=stored_id(article.id),
        title=article.title,
        locale=article.locale,
        excerpt=_excerpt(_first_text(article)),
        url=article_url(article),
        kind=article.kind,
    )


def _category(category: KbCategory, count: int, trail: list[CategoryLink] | None = None) -> HelpCategory:
    return HelpCategory(
        id=stored_id(category.id),
        name=category.name,
        slug=category.slug,
        parent_id=category.parent_id,
        articles=count,
        url=routes.help_category(category.slug),
        trail=trail or [],
    )


def _trail(session: Session, category: KbCategory) -> list[CategoryLink]:
    trail: list[CategoryLink] = []
    seen = {category.id}
    parent_id = category.parent_id
    while parent_id is not None and parent_id not in seen and len(trail) < 10:
        parent = session.get(KbCategory, parent_id)
        if parent is None:
            break
        seen.add(parent_id)
        trail.insert(0, CategoryLink(name=parent.name, url=routes.help_category(parent.slug)))
        parent_id = parent.parent_id
    return trail


def _readable_rows(session: Session, actor: Actor, locale: str, *conditions: object) -> list[KbArticle]:
    rows = session.exec(
        select(KbArticle)
        .where(*_visible(actor), col(KbArticle.locale).in_({locale, DEFAULT_LOCALE}), *conditions)  # type: ignore[arg-type]
        .order_by(col(KbArticle.updated_at).desc(), col(KbArticle.id).desc())
        .limit(MAX_LISTED * 2)
    ).all()
    return prefer_locale(rows, locale)[:MAX_LISTED]


def help_categories(session: Session, *, actor: Actor) -> list[HelpCategory]:
    """Every category with how many articles the reader may read in it or in the categories under it."""
    actor.require_scope(KB_READ)
    counts: dict[int, set[int]] = {}
    rows = session.exec(
        select(KbArticle.category_id, KbArticle.group_id).where(
            *_visible(actor),  # type: ignore[arg-type]
            col(KbArticle.category_id).is_not(None),
        )
    ).all()
    for category_id, group_id in rows:
        counts.setdefault(stored_id(category_id), set()).add(stored_id(group_id))
    categories = session.exec(select(KbCategory).order_by(col(KbCategory.position), col(KbCategory.name))).all()
    children: dict[int | None, list[int]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(stored_id(c.id))

    def groups_under(category_id: int, seen: set[int]) -> set[int]:
        if category_id in seen:  # a cycle of parents: count each category once
            return set()
        seen.add(category_id)
        found = set(counts.get(category_id, set()))
        for child in children.get(category_id, []):
            found |= groups_under(child, seen)
        return found

    return [_category(c, len(groups_under(stored_id(c.id), set()))) for c in categories]


def help_articles(
    session: Session, *, actor: Actor, locale: str, category_id: int | None = None, limit: int = 20
) -> list[HelpArticleCard]:
    """Newest first, each translation group once, in the reader's language when translated."""
    actor.require_scope(KB_READ)
    conditions = []
    if category_id is not None:
        # By translation group: a translation saved without the category still belongs where its original is.
        in_category = select(KbArticle.group_id).where(KbArticle.category_id == category_id)
        conditions.append(col(KbArticle.group_id).in_(in_category))
    return [_card(a) for a in _readable_rows(session, actor, locale, *conditions)[:limit]]


def help_category(session: Session, *, actor: Actor, slug: str) -> HelpCategory:
    actor.require_scope(KB_READ)
    category = session.exec(select(KbCategory).where(KbCategory.slug == slug)).first()
    if category is None:
        raise NotFound("No such category.", {"category": slug})
    count = session.exec(
        select(func.count(func.distinct(KbArticle.group_id))).where(
            *_visible(actor),  # type: ignore[arg-type]
            KbArticle.category_id == category.id,
        )
    ).one()
    return _category(category, count, _trail(session, category))


def help_article(session: Session, *, actor: Actor, ref: str, locale: str) -> HelpArticle:
    """The article at `ref` in the reader's language when it has a published translation there, else as
    written (`fallback` says so when that is not the language asked for)."""
    article = _resolve(session, actor, ref, locale)
    return HelpArticle(**_fields(session, article, locale))


def staff_article(session: Session, *, actor: Actor, ref: str, locale: str) -> StaffArticle:
    actor.require_staff()
    article = _resolve(session, actor, ref, locale)
    editor = articles.may_edit(session, actor)
    return StaffArticle(
        **_fields(session, article, locale),
        visibility=article.visibility,
        status=article.status,
        views=article.views if editor else 0,
        helpful_yes=article.helpful_yes if editor else 0,
        helpful_no=article.helpful_no if editor else 0,
        editor=editor,
    )


def _resolve(session: Session, actor: Actor, ref: str, locale: str) -> KbArticle:
    article_id = parse_ref(ref)
    if article_id is None:
        raise NotFound("No such article.", {"article": ref})
    shown = articles.get_article(session, actor=actor, article_id=article_id, locale=locale)
    found = session.get(KbArticle, shown.id)
    if found is None or found.status != ArticleStatus.published:
        # Editors may open drafts through the editor; the reading pages show published text only.
        raise NotFound("No such article.", {"article": ref})
    return found


def _fields(session: Session, article: KbArticle, locale: str) -> dict[str, object]:
    category_id = article.category_id
    if category_id is None:
        # A translation saved without a category sits where its group's articles are.
        category_id = session.exec(
            select(KbArticle.category_id)
            .where(KbArticle.group_id == article.group_id, col(KbArticle.category_id).is_not(None))
            .order_by(col(KbArticle.id))
            .limit(1)
        ).first()
    category = session.get(KbCategory, category_id) if category_id is not None else None
    return {
        "id": stored_id(article.id),
        "title": article.title,
        "body_html": article.body_html,
        "locale": article.locale,
        "fallback": article.locale != locale,
        "updated_at": article.updated_at,
        "category": _category(category, 0, _trail(session, category)) if category is not None else None,
        "url": article_url(article),
        "kind": article.kind,
        "steps": public_steps(article.steps),
    }


def record_view(session: Session, *, actor: Actor, article_id: int) -> None:
    """Counts one reading of a published article the reader may see. A counter, not a change of the article:
    no version, audit entry or event (a busy help centre would bury the real changes)."""
    actor.require_scope(KB_READ)
    session.execute(
        update(KbArticle)
        .where(col(KbArticle.id) == article_id, *_visible(actor))  # type: ignore[arg-type]
        .values(views=KbArticle.views + 1)
    )
