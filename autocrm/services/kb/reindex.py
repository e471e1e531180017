"""Rebuilding the knowledge base's search index from the articles: after a change to how articles are cut into
passages or embedded, or when an index was lost.

Each article's passages are written again (keyword index by the triggers, as on a save), then every passage is
embedded anew, in batches that each commit on their own, so a desk keeps working (and searching what is
already done) meanwhile, and an interrupted rebuild is finished by running it again or by the `kb.index` job.
Finally the index generation moves on, so every process's vector collection catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

from sqlmodel import col, func, select

from autocrm.core.db import read_session, stored_id, write_session
from autocrm.models import KbArticle, KbChunk
from autocrm.services import audit
from autocrm.services.actor import Actor
from autocrm.services.kb import index
from autocrm.services.kb.articles import _require_editor, replace_passages

ARTICLE_BATCH = 200

# (phase, done, total): phase is "passages" (articles done) or "vectors" (passages embedded).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReindexSummary:
    articles: int
    passages: int
    embedded: int
    seconds: float


def reindex(*, actor: Actor, progress: Progress | None = None, embed: bool = True) -> ReindexSummary:
    """Every article's passages written again and (with `embed`) embedded; each batch its own transaction."""
    started = perf_counter()
    with read_session() as session:
        _require_editor(session, actor)
        article_ids = [stored_id(i) for i in session.exec(select(KbArticle.id).order_by(col(KbArticle.id)))]
    report = progress or (lambda _phase, _done, _total: None)
    report("passages", 0, len(article_ids))
    for start in range(0, len(article_ids), ARTICLE_BATCH):
        batch = article_ids[start : start + ARTICLE_BATCH]
        with write_session() as session:
            for article in session.exec(select(KbArticle).where(col(KbArticle.id).in_(batch))).all():
                replace_passages(session, article)
        report("passages", start + len(batch), len(article_ids))
    embedded = embed_all(progress=report) if embed else 0
    with write_session() as session:
        passages = session.exec(select(func.count()).select_from(KbChunk)).one()
        audit.record(
            session,
            actor=actor,
            action="kb.reindexed",
            object_type="kb_index",
            object_id=1,
            changes={"articles": (None, len(article_ids)), "passages": (None, passages)},
        )
    return ReindexSummary(
        articles=len(article_ids), passages=passages, embedded=embedded, seconds=perf_counter() - started
    )


def embed_all(*, progress: Progress | None = None) -> int:
    """Embeds every passage that has no vector yet, a batch per transaction; then moves the index on."""
    with read_session() as session:
        total = session.exec(select(func.count()).select_from(KbChunk).where(col(KbChunk.embedding).is_(None))).one()
    done = 0
    if progress is not None:
        progress("vectors", 0, total)
    while True:
        with write_session() as session:
            made = index.embed_batch(session)
        if not made:
            break
        done += made
        if progress is not None:
            progress("vectors", min(done, total), max(total, done))
    with write_session() as session:
        index.advance(session)
    with read_session() as session:
        index.sync(session)
    return done
