"""AI outputs kept by their inputs (`ai_cache`): the same inputs answer from here, changed ones make a new entry.

The key is a digest of everything the output was made from (feature, prompt version, model, the inputs'
ids and versions, the reader's language), so a new message or an edited prompt is a miss without anyone
having to invalidate anything; `put` drops the subject's older entries of the feature as it adds the new one.
Entries are written in a transaction of their own: callers read (and ask the LLM) outside any write.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from autocrm.core.db import write_session
from autocrm.models import AiCacheEntry


def key_for(feature: str, *parts: Any) -> str:
    payload = json.dumps([feature, *parts], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def get(session: Session, key: str) -> dict[str, Any] | None:
    entry = session.get(AiCacheEntry, key)
    return dict(entry.value) if entry is not None else None


def put(key: str, *, feature: str, subject_id: int | None, value: dict[str, Any]) -> None:
    try:
        with write_session() as session:
            if subject_id is not None:
                session.exec(
                    delete(AiCacheEntry).where(
                        col(AiCacheEntry.feature) == feature,
                        col(AiCacheEntry.subject_id) == subject_id,
                        col(AiCacheEntry.key) != key,
                    )
                )
            if session.get(AiCacheEntry, key) is None:
                session.add(AiCacheEntry(key=key, feature=feature, subject_id=subject_id, value=value))
    except IntegrityError:
        pass  # another process kept the same output first
