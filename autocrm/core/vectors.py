"""The knowledge base's vector index: a Chroma collection, embedded on disk or on a Chroma server.

- Embedded default: `chromadb.PersistentClient` under `<data dir>/chroma`. Chroma's on-disk index serves one
  process only (a second process that opens it reads nothing its owner wrote), so the first process to take
  the folder's lock owns it, and any other process of the same data folder (a worker, a second app process)
  keeps an in-memory index of its own. Both are caught up from the database, which holds the vectors.
- Scale-out: `AUTOCRM_CHROMA_URL=http://host:8000` and every process shares that server's collection.

This module is `core`: it knows Chroma, not the models; `services/kb/index.py` keeps it in step.
"""

from __future__ import annotations

import fcntl
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
from chromadb.api.models.Collection import Collection

from autocrm.core.settings import get_settings

COLLECTION_PREFIX = "kb_chunks"


@dataclass
class VectorIndex:
    """A Chroma collection and what this process knows it holds."""

    collection: Collection
    shared: bool  # on a server: other processes keep it in step too
    synced_generation: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)


def _chroma_settings() -> Any:
    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)


@lru_cache(maxsize=8)
def _client(location: str) -> Any:
    if location.startswith(("http://", "https://")):
        parts = urlsplit(location)
        return chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=_chroma_settings(),
        )
    if location == ":memory:":
        return chromadb.EphemeralClient(settings=_chroma_settings())
    return chromadb.PersistentClient(path=location, settings=_chroma_settings())


_locks: dict[str, int] = {}


def _owns(folder: Path) -> bool:
    """Takes the folder's lock for this process's lifetime, if no other process holds it."""
    key = str(folder)
    if key in _locks:
        return True
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".owner.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _locks[key] = fd
    return True


_indexes: dict[tuple[str, str], VectorIndex] = {}
_indexes_lock = threading.Lock()


def index_for(key: str) -> VectorIndex:
    """The collection for the desk whose index key is `key` (a new database gets a new key, so a collection
    never mixes chunks of two databases whose ids collide)."""
    settings = get_settings()
    if settings.chroma_url:
        location, shared = settings.chroma_url, True
    else:
        folder = settings.resolved_data_dir / "chroma"
        location, shared = (str(folder), False) if _owns(folder) else (":memory:", False)
    with _indexes_lock:
        found = _indexes.get((location, key))
        if found is None:
            collection = _client(location).get_or_create_collection(
                f"{COLLECTION_PREFIX}_{key}", embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            found = _indexes[(location, key)] = VectorIndex(collection=collection, shared=shared)
        return found


def forget() -> None:
    """Drop what this process knows (tests point the settings at a new data folder between cases)."""
    with _indexes_lock:
        _indexes.clear()
