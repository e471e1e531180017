"""The data dir (database, attachments, outbox mails with live reset links, secret key) is its owner's alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from autocrm.core.db import make_engine
from autocrm.core.settings import Settings, get_settings, reset_settings
from autocrm.services.mail import OutboundMail, get_mailer
from autocrm.services.storage import get_file_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask, under which files are made world-readable unless the app says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def data_dir(tmp_path, monkeypatch, loose_umask) -> Iterator[Path]:
    path = tmp_path / "data"
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(path))
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    reset_settings()
    yield path
    reset_settings()


def test_a_new_data_dir_and_its_folders_are_private(data_dir):
    settings = get_settings()
    assert mode(settings.resolved_data_dir) == 0o700
    assert mode(settings.attachments_dir) == 0o700
    assert mode(settings.outbox_dir) == 0o700
    _ = settings.resolved_secret_key
    assert mode(data_dir / "secret_key") == 0o600


def test_the_sqlite_database_and_its_wal_files_are_private(data_dir):
    engine = make_engine(get_settings().resolved_database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            files = sorted(p.name for p in data_dir.glob("autocrm.db*"))
            assert {"autocrm.db", "autocrm.db-wal", "autocrm.db-shm"} <= set(files)
            assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        engine.dispose()


def test_attachments_and_outbox_mails_are_written_private(data_dir):
    key = get_file_store().put(b"\x89PNG not really")
    stored = get_settings().attachments_dir / key
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700
    get_mailer().send(OutboundMail(to="jane@example.com", subject="Reset", text="http://x/reset-password?token=t"))
    (mail,) = get_settings().outbox_dir.glob("*.eml")
    assert mode(mail) == 0o600


def test_a_data_dir_left_readable_is_tightened_at_start_up(tmp_path, loose_umask):
    data_dir = tmp_path / "old"
    (data_dir / "attachments" / "ab").mkdir(parents=True)
    (data_dir / "outbox").mkdir()
    (data_dir / "web").mkdir()
    readable = [
        data_dir / "autocrm.db",
        data_dir / "autocrm.db-wal",
        data_dir / "secret_key",
        data_dir / "attachments" / "ab" / "cdef0123",
        data_dir / "outbox" / "reset.eml",
    ]
    for path in readable:
        path.write_bytes(b"data")
        path.chmod(0o644)
    tool = data_dir / "web" / "run-me"
    tool.write_bytes(b"#!/bin/sh\n")
    tool.chmod(0o755)
    for folder in (data_dir, data_dir / "attachments", data_dir / "attachments" / "ab", data_dir / "outbox"):
        folder.chmod(0o755)

    assert Settings(data_dir=data_dir, _env_file=None).resolved_data_dir == data_dir

    assert mode(data_dir) == 0o700
    assert {path.name: mode(path) for path in readable} == {path.name: 0o600 for path in readable}
    assert mode(data_dir / "attachments") == mode(data_dir / "attachments" / "ab") == 0o700
    assert mode(data_dir / "outbox") == 0o700
    assert mode(tool) == 0o755, "only the app's own data is touched"
