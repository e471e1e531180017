"""The database engine and sessions, shared by services, the API, the UI and the CLI.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys on every
connection; write sessions open with BEGIN IMMEDIATE so that two writers which both
read first queue up instead of failing with "database is locked".

SQLite's own wait for the write lock is a busy handler that sleeps and polls (1 ms, then 2, 5,
... up to 100 ms a turn): with writers in several processes (the server's workers) most of a
write's latency was that sleep, and the database sat idle while writers slept. So a write session
on a file database first takes an exclusive `flock` on a file beside it: the kernel wakes the next
writer the moment the last one lets go. SQLite's locking still decides what is safe; the flock
only decides who goes next, and a writer that does not take it (another program) is still correct.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

from autocrm.core.private_files import ensure_private_file
from autocrm.core.settings import get_settings


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            _writer_turn.acquire(engine.url.database)
        connection.exec_driver_sql(f"BEGIN {mode}")


class _WriterTurn:
    """The flock that orders SQLite writers across processes (see the module docstring).

    Taken just before BEGIN IMMEDIATE, so a service's work before its first statement (sanitizing,
    say) runs outside it; let go by `write_session` once the transaction has ended. Per thread and
    not re-entrant: a second write session opened inside a first one (there is none today) skips the
    turn and meets SQLite's busy handler, as before, instead of waiting on itself forever.
    """

    def __init__(self) -> None:
        self._held = threading.local()

    def acquire(self, database: str | None) -> None:
        if not database or database == ":memory:" or getattr(self._held, "fd", None) is not None:
            return
        fd = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._held.fd = fd

    def release(self) -> None:
        fd = getattr(self._held, "fd", None)
        if fd is not None:
            self._held.fd = None
            os.close(fd)  # closing the descriptor lets the lock go


_writer_turn = _WriterTurn()


def stored_id(row_id: int | None) -> int:
    """The id of a row that was read or flushed: SQLModel types every id as optional, for rows not yet written."""
    if row_id is None:
        raise RuntimeError("This row has no id: flush it before reading its id.")
    return row_id


def table_of(model: type[SQLModel]) -> Table:
    """The table behind a model, for the bulk paths that write with Core statements or COPY."""
    return model.__table__  # type: ignore[attr-defined]  # SQLModel's stubs omit a table's __table__


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:") and Path(database).parent.is_dir():
            ensure_private_file(Path(database))  # before SQLite makes it world-readable (and its -wal, -shm)
        # Room for every thread that may hold a connection at once (the API's workers, the UI's handlers):
        # overflow connections would close and reopen under load, re-running the PRAGMAs each time.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, pool_size=20, max_overflow=20
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_engines: dict[str, Engine] = {}


def get_engine() -> Engine:
    url = get_settings().resolved_database_url
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests switch databases between cases)."""
    _read_engines.clear()
    while _engines:
        _engines.popitem()[1].dispose()


_read_engines: dict[int, Engine] = {}


def _read_engine() -> Engine:
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        return engine
    read_only = _read_engines.get(id(engine))
    if read_only is None:
        read_only = _read_engines[id(engine)] = engine.execution_options(postgresql_readonly=True)
    return read_only


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reading. On PostgreSQL its transaction is READ ONLY (a write in it fails loudly) and
    ends with COMMIT: psycopg forgets every prepared statement of a connection on ROLLBACK, which closing
    a session sends, so with rollbacks no query was ever prepared and PostgreSQL planned each one anew
    (planning was three quarters of the database time behind a queue page)."""
    engine = _read_engine()
    with Session(engine, expire_on_commit=False) as session:
        yield session
        if engine.dialect.name == "postgresql" and session.in_transaction():
            session.commit()


@contextmanager
def write_session() -> Iterator[Session]:
    """A session whose work commits as one transaction, or not at all."""
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            _writer_turn.release()
