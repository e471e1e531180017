"""Where attachment bytes live: a small interface, and a folder in the data dir behind it."""

from __future__ import annotations

import hashlib
import logging
import secrets
from pathlib import Path
from typing import Protocol

from sqlalchemy import event as sa_event
from sqlmodel import Session

from autocrm.core.private_files import private_dir, write_private_file
from autocrm.core.settings import get_settings

log = logging.getLogger(__name__)


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def size(self, key: str) -> int: ...
    def read_range(self, key: str, start: int, length: int) -> bytes: ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        # Keys are "ab/<hex>": anything else could walk out of the store.
        head, _, tail = key.partition("/")
        if len(head) != 2 or not tail.isalnum():
            raise KeyError(key)
        return self.root / key

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:18]}{secrets.token_hex(8)}"
        path = self.root / key
        private_dir(path.parent)
        tmp = path.with_suffix(".part")
        write_private_file(tmp, data)
        tmp.replace(path)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Part of a file (a video seeked to): `length` bytes from `start`, fewer at its end."""
        with self._path(key).open("rb") as file:
            file.seek(start)
            return file.read(length)


def get_file_store() -> FileStore:
    return LocalFileStore(get_settings().attachments_dir)


# Files whose rows a transaction deleted: removed from the store once it commits, never before (a rollback
# keeps the rows, which must still find their files), and forgotten on a rollback.
_FILES_TO_DELETE = "autocrm_files_to_delete"


def delete_after_commit(session: Session, keys: list[str]) -> None:
    session.info.setdefault(_FILES_TO_DELETE, []).extend(keys)


@sa_event.listens_for(Session, "after_commit")
def _delete_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released savepoint: wait for the outermost commit
    keys = session.info.pop(_FILES_TO_DELETE, [])
    if not keys:
        return
    store = get_file_store()
    for key in keys:
        try:
            store.delete(key)
        except (KeyError, OSError):  # gone already, or a key the store does not take: nothing left to free
            log.warning("A deleted attachment's file could not be removed from the store")


@sa_event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_FILES_TO_DELETE, None)
