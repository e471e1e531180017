"""The SQLite writer turn: write sessions take an exclusive flock beside the database and let it go."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from autocrm.core.db import read_session, stored_id, write_session


def _lock_is_free(lock_file: Path) -> bool:
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.fixture
def sqlite_file(tmp_path, monkeypatch) -> Path:
    from autocrm.core.db import dispose_engines
    from autocrm.core.settings import reset_settings

    database = tmp_path / "autocrm.db"
    monkeypatch.setenv("AUTOCRM_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    dispose_engines()
    with write_session() as session:
        session.exec(text("CREATE TABLE IF NOT EXISTS numbers (n INTEGER)"))
    yield database
    dispose_engines()
    reset_settings()


def test_a_write_session_holds_the_writer_turn_from_its_first_statement_to_its_end(sqlite_file: Path) -> None:
    lock_file = Path(f"{sqlite_file}-writer.lock")
    with write_session() as session:
        assert _lock_is_free(lock_file), "nothing is taken before the first statement"
        session.exec(text("INSERT INTO numbers VALUES (1)"))
        assert not _lock_is_free(lock_file)
    assert _lock_is_free(lock_file)

    with pytest.raises(RuntimeError), write_session() as session:
        session.exec(text("INSERT INTO numbers VALUES (2)"))
        raise RuntimeError("the work failed")
    assert _lock_is_free(lock_file), "a rolled-back session lets the turn go too"
    with read_session() as session:
        assert session.exec(text("SELECT n FROM numbers")).scalars().all() == [1]
        assert _lock_is_free(lock_file), "reads never take it"


def _write_after_signal(database: str, started: multiprocessing.Event) -> None:
    os.environ["AUTOCRM_DATABASE_URL"] = f"sqlite:///{database}"
    from autocrm.core.db import dispose_engines

    dispose_engines()
    started.set()
    with write_session() as session:
        session.exec(text("INSERT INTO numbers VALUES (20)"))


def test_a_writer_in_another_process_waits_for_the_turn_then_goes_at_once(sqlite_file: Path) -> None:
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    with write_session() as session:
        session.exec(text("INSERT INTO numbers VALUES (10)"))
        other = context.Process(target=_write_after_signal, args=(str(sqlite_file), started))
        other.start()
        assert started.wait(30)
        time.sleep(0.5)  # the other process is now waiting for the turn
        assert other.is_alive()
    other.join(30)
    assert other.exitcode == 0
    with read_session() as session:
        assert session.exec(text("SELECT n FROM numbers ORDER BY n")).scalars().all() == [10, 20]


def test_postgresql_read_sessions_are_read_only_and_keep_prepared_statements(db_url, people):
    """psycopg forgets a connection's prepared statements on ROLLBACK; read sessions end with COMMIT, so the
    queue's statement is prepared once and then runs on a cached generic plan instead of being planned anew."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: prepared statements and read-only transactions")
    from sqlalchemy.exc import DBAPIError

    from autocrm.models import Role
    from autocrm.services import tickets
    from autocrm.services.actor import Actor
    from autocrm.services.tickets import TicketFilter

    agent = people.make(Role.agent)
    with pytest.raises(DBAPIError, match="read-only transaction"), read_session() as session:
        session.exec(text("CREATE TABLE never_made (n integer)"))

    for _ in range(30):  # psycopg prepares a statement on its 5th execution; PostgreSQL then plans it once
        with read_session() as session:
            tickets.list_tickets(
                session, actor=Actor.for_user(agent), filters=TicketFilter(status=["open"], assignee_id=agent.id)
            )
    with read_session() as session:
        plans = session.exec(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT ticket.id%'"
            )
        ).all()
    assert plans and plans[0].generic_plans >= 5 and plans[0].custom_plans == 0, plans


def test_stored_id_is_the_id_of_a_written_row_and_refuses_an_unwritten_one() -> None:
    assert stored_id(42) == 42
    with pytest.raises(RuntimeError, match="flush"):
        stored_id(None)
