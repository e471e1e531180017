"""Knowledge-base search: keyword and dense retrieval over passages, fused, answered as articles.

- **Keyword**: the database's own index (`core/kb_fulltext.py`): any of the query's words, prefixes from three
  letters, ranked by BM25 on SQLite and `ts_rank_cd` on PostgreSQL (stemmed per locale there), headings (the
  title and section) weighed above text.
- **Dense**: the passage vectors (`index.py`), MiniLM over Chroma.
- **Fusion**: reciprocal rank fusion over translation groups (an article and its translations are one answer):
  each list ranks the groups by their best passage, a group scores sum(1 / (K + rank)). The answer is the
  group's article in the reader's locale when it has a published one the reader may see, else the best-ranked
  one; its snippet is its best passage with the query's words marked.
- **Locales**: the reader's locale and the desk's default (its fallback); `cross_locale` searches every locale,
  so a question can find an article written in another language (the dense model is English-trained: words
  shared across languages and the translations linked in one group carry the rest).
- **Visibility**: customers search public articles only; staff internal ones too. Only published articles
  have passages, so drafts and archived articles are never found.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from autocrm.core import fulltext, kb_fulltext
from autocrm.core.db import stored_id
from autocrm.models import KbArticle, KbChunk
from autocrm.models.kb import ArticleStatus
from autocrm.services.actor import KB_READ, Actor
from autocrm.services.kb import index, stopwords
from autocrm.services.kb.articles import DEFAULT_LOCALE, LOCALES, article_url, readable_visibilities

# Fusion settings, measured with bench/kb_eval.py (figures in bench/README.md): the dense list is much the better
# one on paraphrased questions (StackFAQ MRR 0.96 against 0.58), so the keyword ranks only break its near-ties
# (a small k makes the top ranks count, a weight under 1 keeps keyword-only matches below dense ones); across
# languages, where the English-trained model is weak, the shared names and numbers the keyword list finds lift
# hybrid above both.
RRF_K = 5
KEYWORD_WEIGHT = 0.2
DENSE_WEIGHT = 1.0
# A query word in the passage's heading (the article's title, the section's heading) counts this many times one
# in its text.
HEADING_WEIGHT = 3.0
CANDIDATES = 50
DENSE_TOP = 5
SNIPPET_CHARS = 220
Mode = Literal["hybrid", "keyword", "dense"]


class SearchHit(BaseModel):
    article_id: int
    title: str
    locale: str
    snippet: str  # plain text, HTML-escaped, with the query's words in <mark>
    score: float
    url: str
    kind: str = "article"  # or "tutorial": the pages badge it


class SearchResults(BaseModel):
    items: list[SearchHit]


class ArticleRef(BaseModel):
    id: int
    group_id: int
    title: str
    locale: str
    url: str
    body_text: str
    kind: str = "article"


class Retrieved(BaseModel):
    """One answer of `retrieve`: the article in the reader's language, its best passage and what the dense list
    said of its translation group (the chatbot's confidence reads those)."""

    article: ArticleRef
    passage_id: int | None
    fused_score: float
    dense_similarity: float  # the group's best passage cosine, 0.0 when the dense list did not find it
    dense_top: list[float]  # the cosines of the group's passages among the dense candidates, best first (up to 5)
    keyword_rank: int | None  # the group's rank in the keyword list (1 is best), None when it did not find it


class Retrieval(BaseModel):
    words: list[str]
    items: list[Retrieved]
    query_vector: list[float] | None = None  # for ranking an article's own passages without embedding again


def search(
    session: Session,
    *,
    actor: Actor,
    q: str,
    locale: str | None = None,
    limit: int = 10,
    cross_locale: bool = False,
    mode: Mode = "hybrid",
) -> SearchResults:
    actor.require_scope(KB_READ)
    found = retrieve(
        session,
        q=q,
        locale=locale,
        visibilities=readable_visibilities(actor),
        limit=limit,
        cross_locale=cross_locale,
        mode=mode,
    )
    chunks = _chunk_texts(session, [item.passage_id for item in found.items if item.passage_id is not None])
    return SearchResults(
        items=[
            SearchHit(
                article_id=item.article.id,
                title=item.article.title,
                locale=item.article.locale,
                snippet=snippet(
                    chunks.get(item.passage_id, item.article.body_text)
                    if item.passage_id is not None
                    else item.article.body_text,
                    found.words,
                ),
                score=round(item.fused_score, 6),
                url=item.article.url,
                kind=item.article.kind,
            )
            for item in found.items
        ]
    )


def _chunk_texts(session: Session, chunk_ids: Sequence[int]) -> dict[int, str]:
    if not chunk_ids:
        return {}
    rows = session.exec(select(KbChunk.id, KbChunk.text).where(col(KbChunk.id).in_(chunk_ids))).all()
    return {stored_id(chunk_id): chunk_text for chunk_id, chunk_text in rows}


def retrieve(
    session: Session,
    *,
    q: str,
    locale: str | None,
    visibilities: Sequence[str],
    limit: int = 10,
    cross_locale: bool = False,
    mode: Mode = "hybrid",
) -> Retrieval:
    """The best `limit` translation groups for the query, fused, each answered by one article (no role check:
    callers decide the visibilities)."""
    query = q.strip()
    words = stopwords.content_words(fulltext.terms(query))
    if not words:
        return Retrieval(words=[], items=[])
    reader_locale = locale or DEFAULT_LOCALE
    locales = None if cross_locale else sorted({reader_locale, DEFAULT_LOCALE})
    ranked: list[tuple[float, list[int]]] = []
    keyword_found: list[int] = []
    dense_found: list[tuple[int, float]] = []
    query_vector = None
    if mode in ("hybrid", "keyword"):
        keyword_found = keyword_chunks(session, words, locales=locales, visibilities=visibilities, limit=CANDIDATES)
        ranked.append((KEYWORD_WEIGHT, keyword_found))
    if mode in ("hybrid", "dense"):
        query_vector, dense_found = index.nearest_scored(
            session, query, locales=locales, visibilities=visibilities, limit=CANDIDATES
        )
        ranked.append((DENSE_WEIGHT, [chunk_id for chunk_id, _similarity in dense_found]))
    chunk_ids = list(dict.fromkeys(i for _weight, lst in ranked for i in lst))
    vector = query_vector.tolist() if query_vector is not None else None
    if not chunk_ids:
        return Retrieval(words=words, items=[], query_vector=vector)
    chunks = {stored_id(c.id): c for c in session.exec(select(KbChunk).where(col(KbChunk.id).in_(chunk_ids))).all()}
    scores: dict[int, float] = {}
    best_chunk: dict[int, tuple[float, int]] = {}  # article id -> (its passage's best fused score, chunk id)
    chunk_scores: dict[int, float] = {}
    for weight, lst in ranked:
        group_rank: dict[int, int] = {}
        for position, chunk_id in enumerate(c for c in lst if c in chunks):
            chunk_scores[chunk_id] = chunk_scores.get(chunk_id, 0.0) + weight / (RRF_K + position + 1)
            group = chunks[chunk_id].group_id
            group_rank.setdefault(group, len(group_rank) + 1)
        for group, rank in group_rank.items():
            scores[group] = scores.get(group, 0.0) + weight / (RRF_K + rank)
    for chunk_id, score in chunk_scores.items():
        article_id = chunks[chunk_id].article_id
        if article_id not in best_chunk or score > best_chunk[article_id][0]:
            best_chunk[article_id] = (score, chunk_id)
    dense_top: dict[int, list[float]] = {}
    for chunk_id, similarity in dense_found:
        if chunk_id in chunks:
            found_of_group = dense_top.setdefault(chunks[chunk_id].group_id, [])
            if len(found_of_group) < DENSE_TOP:
                found_of_group.append(similarity)
    keyword_rank: dict[int, int] = {}
    for chunk_id in keyword_found:
        if chunk_id in chunks:
            keyword_rank.setdefault(chunks[chunk_id].group_id, len(keyword_rank) + 1)
    top_groups = sorted(scores, key=lambda g: (-scores[g], g))[: max(limit, 1) * 2]
    answers = _answers(session, top_groups, best_chunk, reader_locale=reader_locale, visibilities=visibilities)
    items = []
    for group in top_groups:
        article = answers.get(group)
        if article is None:
            continue
        best = best_chunk.get(stored_id(article.id))
        passage_id = best[1] if best is not None else _first_chunk_id(session, stored_id(article.id))
        items.append(
            Retrieved(
                article=ArticleRef(
                    id=stored_id(article.id),
                    group_id=group,
                    title=article.title,
                    locale=article.locale,
                    url=article_url(article),
                    body_text=article.body_text,
                    kind=article.kind,
                ),
                passage_id=passage_id,
                fused_score=scores[group],
                dense_similarity=dense_top[group][0] if group in dense_top else 0.0,
                dense_top=dense_top.get(group, []),
                keyword_rank=keyword_rank.get(group),
            )
        )
        if len(items) == limit:
            break
    return Retrieval(words=words, items=items, query_vector=vector)


def _answers(
    session: Session,
    groups: Sequence[int],
    best_chunk: dict[int, tuple[float, int]],
    *,
    reader_locale: str,
    visibilities: Sequence[str],
) -> dict[int, KbArticle]:
    """Per group, the article to answer with: the reader's locale when published and visible, else the one
    whose passage ranked best."""
    if not groups:
        return {}
    articles = session.exec(
        select(KbArticle).where(
            col(KbArticle.group_id).in_(groups),
            KbArticle.status == ArticleStatus.published,
            col(KbArticle.visibility).in_(visibilities),
        )
    ).all()
    chosen: dict[int, KbArticle] = {}
    for article in articles:
        group = stored_id(article.group_id)
        current = chosen.get(group)
        if current is None or _preference(article, best_chunk, reader_locale) > _preference(
            current, best_chunk, reader_locale
        ):
            chosen[group] = article
    return chosen


def _preference(article: KbArticle, best_chunk: dict[int, tuple[float, int]], reader_locale: str) -> tuple[int, float]:
    return (1 if article.locale == reader_locale else 0, best_chunk.get(stored_id(article.id), (0.0, 0))[0])


def _first_chunk_id(session: Session, article_id: int) -> int | None:
    return session.exec(
        select(KbChunk.id).where(KbChunk.article_id == article_id).order_by(col(KbChunk.position)).limit(1)
    ).first()


def keyword_chunks(
    session: Session, words: list[str], *, locales: Sequence[str] | None, visibilities: Sequence[str], limit: int
) -> list[int]:
    """Chunk ids matching any of the words, best first."""
    dialect = session.get_bind().dialect.name
    params: dict[str, object] = {"visibilities": list(visibilities), "limit": limit}
    locale_filter = ""
    if locales is not None:
        locale_filter = "AND c.locale IN :locales"
        params["locales"] = list(locales)
    if dialect == "sqlite":
        params["heading_weight"] = HEADING_WEIGHT
        params["match"] = " OR ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in words)
        statement = text(
            f"""SELECT c.id FROM {kb_fulltext.FTS_TABLE} f JOIN kb_chunk c ON c.id = f.rowid
                WHERE {kb_fulltext.FTS_TABLE} MATCH :match AND c.visibility IN :visibilities {locale_filter}
                ORDER BY bm25({kb_fulltext.FTS_TABLE}, :heading_weight, 1.0), c.id LIMIT :limit"""  # noqa: S608 (names are constants)
        )
    else:
        configs = sorted({kb_fulltext.ts_config(loc) for loc in (locales or LOCALES)} | {"simple"})
        # Weights of D, C, B (text) and A (heading), each at most 1.
        params["rank_weights"] = [0.1, 0.2, 1.0 / max(HEADING_WEIGHT, 1.0), 1.0]
        params["tsquery"] = " | ".join(f"{w}:*" if len(w) >= 3 else w for w in words)
        combined = " || ".join(f"to_tsquery('{config}', :tsquery)" for config in configs)
        statement = text(
            f"""SELECT c.id FROM kb_chunk c, (SELECT {combined} AS q) AS query
                WHERE c.{kb_fulltext.SEARCH_COLUMN} @@ query.q AND c.visibility IN :visibilities {locale_filter}
                ORDER BY ts_rank_cd(CAST(:rank_weights AS float4[]), c.{kb_fulltext.SEARCH_COLUMN}, query.q) DESC, c.id
                LIMIT :limit"""  # noqa: S608
        )
    statement = statement.bindparams(bindparam("visibilities", expanding=True))
    if locales is not None:
        statement = statement.bindparams(bindparam("locales", expanding=True))
    return [row[0] for row in session.execute(statement, params).all()]


def snippet(passage: str, words: list[str]) -> str:
    """About SNIPPET_CHARS of the passage around its first matching word, escaped, the words in <mark>."""
    # A word marks its longer forms from three letters on, as the keyword search matches prefixes; a shorter
    # one (the "t" of "can't") only itself, or it would mark every word that starts with it.
    alternatives = [re.escape(w) + (r"\w*" if len(w) >= 3 else r"\b") for w in words if w]
    pattern = re.compile(r"\b(?:" + "|".join(alternatives) + ")" if alternatives else r"(?!)", re.IGNORECASE)
    first = pattern.search(passage)
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    if start:
        space = passage.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    piece = passage[start : start + SNIPPET_CHARS]
    cut = len(passage) > start + SNIPPET_CHARS
    escaped = html.escape(piece)
    marked = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    return ("… " if start else "") + marked + (" …" if cut else "")
