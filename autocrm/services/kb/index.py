"""The dense half of knowledge-base search: passage vectors, made after the write and kept in Chroma.

The database is the record: each chunk's vector is stored on its row by the `kb.index` after-commit job
(`embed_pending`), never inside the article's transaction, so a failing model never fails a save and a job run
twice only finds nothing left to do. Every run bumps the desk's index generation; a process's Chroma
collection (`core/vectors.py`) is caught up from the rows whenever the generation moved (`sync`): chunks it
lacks are added with their stored vectors and chunks gone from the database are removed. Chunk ids are never
reused for another text, so comparing ids is enough.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np
from sqlmodel import Session, col, select

from autocrm.core import vectors
from autocrm.core.db import stored_id
from autocrm.core.embedding import embedder
from autocrm.models import KbChunk, KbIndexState
from autocrm.services.events import Event

LISTENER = "kb.index"
EMBED_BATCH = 256
SYNC_BATCH = 1000
_ID_PREFIX = "c"
# Nearest neighbours always exist; below this cosine a passage is about something else (MiniLM puts unrelated
# sentences at 0.0-0.2). 0.15 rather than 0.25: a question in Spanish or German and its English answer score
# 0.15-0.3 (bench/kb_eval.py: XQuAD dense MRR 0.32 at 0.25, 0.42 at 0.15; StackFAQ unchanged), and the
# fusion weighs keyword matches low enough that weak dense neighbours do not bury them.
MIN_SIMILARITY = 0.15
UNFILTERED_FACTOR = 4


def ensure_state(session: Session) -> KbIndexState:
    state = session.get(KbIndexState, 1)
    if state is None:
        state = KbIndexState(id=1, index_key=secrets.token_hex(8), generation=0)
        session.add(state)
        session.flush()
    return state


def embed_pending(session: Session, event: Event | None = None) -> int:  # noqa: ARG001 (a listener's signature)
    """Stores a vector on every chunk that has none yet, then moves the generation on; the number embedded."""
    done = 0
    while made := embed_batch(session):
        done += made
    advance(session)
    return done


def embed_batch(session: Session, limit: int = EMBED_BATCH) -> int:
    """Stores a vector on up to `limit` chunks that have none; how many it embedded."""
    batch = session.exec(
        select(KbChunk).where(col(KbChunk.embedding).is_(None)).order_by(col(KbChunk.id)).limit(limit)
    ).all()
    if not batch:
        return 0
    vectors_ = embedder().embed([_passage_text(chunk) for chunk in batch])
    for chunk, vector in zip(batch, vectors_, strict=True):
        chunk.embedding = vector.tobytes()
        session.add(chunk)
    session.flush()
    return len(batch)


def advance(session: Session) -> None:
    """Moves the generation on, so every process's collection catches up with the stored vectors."""
    state = ensure_state(session)
    state.generation += 1
    session.add(state)
    session.flush()
    index = vectors.index_for(state.index_key)
    if index.shared:
        # On a server every process reads the same collection: catch it up once here rather than at the next
        # search of every app process.
        sync(session)


def _passage_text(chunk: KbChunk) -> str:
    return f"{chunk.heading}\n{chunk.text}" if chunk.text else chunk.heading


def sync(session: Session) -> vectors.VectorIndex | None:
    """This process's collection, caught up with the stored vectors; None before anything was indexed."""
    state = session.get(KbIndexState, 1)
    if state is None:
        return None
    index = vectors.index_for(state.index_key)
    generation = state.generation
    if index.synced_generation == generation:
        return index
    with index.lock:
        if index.synced_generation >= generation:
            return index
        stored = {stored_id(i) for i in session.exec(select(KbChunk.id).where(col(KbChunk.embedding).is_not(None)))}
        held = {int(i[len(_ID_PREFIX) :]) for i in index.collection.get(include=[])["ids"]}
        gone = sorted(held - stored)
        for start in range(0, len(gone), SYNC_BATCH):
            index.collection.delete(ids=[f"{_ID_PREFIX}{i}" for i in gone[start : start + SYNC_BATCH]])
        new = sorted(stored - held)
        for start in range(0, len(new), SYNC_BATCH):
            _add(session, index, new[start : start + SYNC_BATCH])
        index.synced_generation = generation
    return index


def _add(session: Session, index: vectors.VectorIndex, chunk_ids: Sequence[int]) -> None:
    rows = [
        row
        for row in session.exec(select(KbChunk).where(col(KbChunk.id).in_(chunk_ids))).all()
        if row.embedding is not None
    ]
    if not rows:
        return
    index.collection.upsert(
        ids=[f"{_ID_PREFIX}{row.id}" for row in rows],
        embeddings=np.vstack([np.frombuffer(row.embedding or b"", dtype=np.float32) for row in rows]),
        metadatas=[
            {"article_id": row.article_id, "group_id": row.group_id, "locale": row.locale, "visibility": row.visibility}
            for row in rows
        ],
    )


def nearest(
    session: Session, query: str, *, locales: Sequence[str] | None, visibilities: Sequence[str], limit: int
) -> list[int]:
    """Chunk ids nearest to the query, best first."""
    return [
        chunk_id
        for chunk_id, _similarity in nearest_scored(
            session, query, locales=locales, visibilities=visibilities, limit=limit
        )[1]
    ]


def nearest_scored(
    session: Session, query: str, *, locales: Sequence[str] | None, visibilities: Sequence[str], limit: int
) -> tuple[np.ndarray | None, list[tuple[int, float]]]:
    """The query's vector (None when nothing is indexed) and the nearest chunks as (id, cosine), best first: the
    chatbot's confidence is the cosine itself, not only the rank."""
    index = sync(session)
    total = index.collection.count() if index is not None else 0
    if index is None or total == 0:
        return None, []
    embedded = embedder().embed([query])
    return embedded[0], _nearest(index, total, embedded, locales=locales, visibilities=visibilities, limit=limit)[0]


def nearest_to_vectors(
    session: Session, vectors_: np.ndarray, *, locales: Sequence[str] | None, visibilities: Sequence[str], limit: int
) -> list[list[tuple[int, float]]]:
    """For each row of `vectors_` (unit length, already embedded), the nearest chunks as (id, cosine), best
    first. One Chroma query for all rows: several texts embedded in one batch are searched in one call."""
    if len(vectors_) == 0:
        return []
    index = sync(session)
    total = index.collection.count() if index is not None else 0
    if index is None or total == 0:
        return [[] for _ in range(len(vectors_))]
    return _nearest(index, total, vectors_, locales=locales, visibilities=visibilities, limit=limit)


def _nearest(
    index: vectors.VectorIndex,
    total: int,
    vectors_: np.ndarray,
    *,
    locales: Sequence[str] | None,
    visibilities: Sequence[str],
    limit: int,
) -> list[list[tuple[int, float]]]:
    # Chroma's metadata filter costs about 140 ms at 20,000 passages against 2-3 ms without one (bench/README.md),
    # so the nearest UNFILTERED_FACTOR x limit are fetched and filtered here. Only when that leaves fewer than
    # `limit` passages while the last one fetched is still similar enough (so closer-to-the-edge ones may
    # follow) does the filtered query run.
    fetch = min(total, limit * UNFILTERED_FACTOR)
    found = index.collection.query(query_embeddings=vectors_, n_results=fetch, include=["distances", "metadatas"])
    allowed_visibility, allowed_locales = set(visibilities), set(locales) if locales is not None else None
    results: list[list[tuple[int, float]]] = []
    short: list[int] = []  # the rows whose filtered list may lack passages past the ones fetched
    distances_by_row = found["distances"] or [[] for _ in found["ids"]]
    metadatas_by_row = found["metadatas"] or [[] for _ in found["ids"]]
    for row, (ids, distances, metadatas) in enumerate(
        zip(found["ids"], distances_by_row, metadatas_by_row, strict=True)
    ):
        kept: list[tuple[int, float]] = []
        complete = False
        for chunk_id, distance, meta in zip(ids, distances, metadatas, strict=True):
            if 1.0 - distance < MIN_SIMILARITY:
                complete = True
                break
            if meta.get("visibility") in allowed_visibility and (
                allowed_locales is None or meta.get("locale") in allowed_locales
            ):
                kept.append((int(chunk_id[len(_ID_PREFIX) :]), 1.0 - distance))
                if len(kept) == limit:
                    complete = True
                    break
        results.append(kept)
        if not complete and fetch < total:
            short.append(row)
    if not short:
        return results
    conditions: list[dict[str, object]] = [{"visibility": {"$in": list(visibilities)}}]
    if locales is not None:
        conditions.append({"locale": {"$in": list(locales)}})
    where = conditions[0] if len(conditions) == 1 else {"$and": conditions}
    filtered = index.collection.query(
        query_embeddings=vectors_[short],
        n_results=min(limit, total),
        where=where,  # type: ignore[arg-type]
        include=["distances"],
    )
    filtered_distances = filtered["distances"] or [[] for _ in short]
    for row, ids, distances in zip(short, filtered["ids"], filtered_distances, strict=True):
        results[row] = [
            (int(i[len(_ID_PREFIX) :]), 1.0 - distance)
            for i, distance in zip(ids, distances, strict=True)
            if 1.0 - distance >= MIN_SIMILARITY
        ]
    return results
