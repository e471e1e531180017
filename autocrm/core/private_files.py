"""The data dir holds the database, attachments, outbox mails with live reset links and the secret key:
only the user the app runs as may read it. Folders are 0700 and files 0600, whatever the umask says.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_GROUP_AND_OTHERS = stat.S_IRWXG | stat.S_IRWXO
# The entries of the data dir that hold data; anything else in it (a build folder a test put there) is left alone.
_DATA_FILES = ("autocrm.db", "autocrm.db-wal", "autocrm.db-shm", "autocrm.db-journal", "autocrm.db-writer.lock")
_DATA_FOLDERS = ("attachments", "outbox")
_SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


def _strip_group_and_others(path: Path) -> None:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return  # chmod would follow the link to whatever it points at
    if mode & _GROUP_AND_OTHERS:
        path.chmod(stat.S_IMODE(mode) & ~_GROUP_AND_OTHERS)


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter (created if missing, tightened if it exists)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _strip_group_and_others(path)
    return path


def ensure_private_file(path: Path) -> Path:
    """Create `path` empty as 0600 if it is missing, else take group and others off it.

    SQLite creates a missing database file with 0644 (less the umask) and gives its -wal and -shm
    files the database file's mode, so a database file made here keeps all three private.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    os.close(fd)
    _strip_group_and_others(path)
    return path


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to a new or truncated file that only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    _strip_group_and_others(path)  # the file may have existed with a wider mode


def tighten_data_dir(data_dir: Path) -> None:
    """Make a data dir written by an older version (or under a loose umask) private: the folder, the database
    files, the secret key, and every folder and file under attachments/ and outbox/.

    An entry the app may not chmod (another user's) is logged, not fatal: the app can still run, and the
    warning says what to fix."""
    entries = [data_dir, *(data_dir / name for name in (*_DATA_FILES, _SECRET_KEY_FILE))]
    for name in _DATA_FOLDERS:
        folder = data_dir / name
        if folder.is_dir() and not folder.is_symlink():
            entries.append(folder)
            for root, dirs, files in os.walk(folder):
                entries.extend(Path(root) / entry_name for entry_name in (*dirs, *files))
    for entry in entries:
        try:
            _strip_group_and_others(entry)
        except FileNotFoundError:
            continue
        except PermissionError:
            log.warning("Could not make %s private (chmod go-rwx): other local users may read it", entry)
