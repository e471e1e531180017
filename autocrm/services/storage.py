"""Where attachment bytes live: a small interface, and a folder in the data dir behind it."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Protocol

from autocrm.core.private_files import private_dir, write_private_file
from autocrm.core.settings import get_settings


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
