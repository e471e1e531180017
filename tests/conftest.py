"""Shared fixtures. The data layer runs against SQLite and PostgreSQL through one parametrized fixture (`db_url`)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import autocrm.models  # noqa: F401
from autocrm.core.db import dispose_engines, get_engine, make_engine, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import Role
from autocrm.services import desk
from autocrm.services.actor import Actor
from autocrm.services.auth import reset_rate_limits
from autocrm.services.users import UserPublic
from tests.factories import TEST_PASSWORD, make_user
from tests.llm_server import LLMServer, running_llm_server

PG_ADMIN_URL = os.environ.get("AUTOCRM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of this test run's own, so parallel runs never share tables."""
    name = f"autocrm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# The shape of the PostgreSQL schema as the models made it: relations (tables, indexes, sequences) and triggers.
# A test that changed it (the migration tests drop everything, another drops an index) changes this fingerprint.
_SCHEMA_FINGERPRINT = text(
    "SELECT (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class"
    "        WHERE relnamespace = 'public'::regnamespace)"
    " || '|' || (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
    "            WHERE c.relnamespace = 'public'::regnamespace)::text"
)
_models_schema: dict[str, str] = {}


def _empty_postgresql(engine: Any) -> None:
    """Every table empty and every id counting from 1 again, as in a new database. Deleting the rows of a test's
    few tables takes 10 ms where dropping and re-creating the tables took 0.6 s (and TRUNCATE of them all 0.3 s),
    which was once the most of a PostgreSQL test's time; the tables are re-created only when the schema is not
    the one the models made."""
    url = str(engine.url)
    with engine.begin() as conn:
        fingerprint = conn.execute(_SCHEMA_FINGERPRINT).scalar_one()
        if fingerprint is not None and _models_schema.get(url) == fingerprint:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no foreign-key order to keep
            for table in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars():
                conn.exec_driver_sql(f'DELETE FROM "{table}"')
            conn.exec_driver_sql(
                "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
            )
            return
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    SQLModel.metadata.create_all(engine)
    with engine.connect() as conn:
        _models_schema[url] = conn.execute(_SCHEMA_FINGERPRINT).scalar_one()


_sqlite_templates: list[Path] = []


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with the models' tables, made once per test process and copied for each test
    (a copy takes a millisecond, making the tables and search objects 60 ms)."""
    if not _sqlite_templates:
        path = tmp_path_factory.mktemp("sqlite-template") / "autocrm.db"
        engine = make_engine(f"sqlite:///{path}")
        SQLModel.metadata.create_all(engine)
        engine.dispose()  # the last connection's close checkpoints the write-ahead log into the file
        assert not path.with_name(path.name + "-wal").exists()
        _sqlite_templates.append(path)
    return _sqlite_templates[0]


DATABASES = ["sqlite", "postgresql"]
# The adapters' tests (HTTP routes, Reflex states) run on SQLite only: the rules and queries they reach are the
# services', whose tests run on both. A test or module of theirs that does reach something of the database's
# own (the API's PostgreSQL worker pool, say) asks for both with the `both_databases` mark.
ADAPTER_TESTS = ("tests/api/", "tests/state/")


def _parametrizes_db_url(metafunc: pytest.Metafunc) -> bool:
    """The test names its databases itself (`@pytest.mark.parametrize("db_url", [...], indirect=True)`)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "db_url" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" not in metafunc.fixturenames or _parametrizes_db_url(metafunc):
        return
    path = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    adapter = path.startswith(ADAPTER_TESTS) and not metafunc.definition.get_closest_marker("both_databases")
    metafunc.parametrize("db_url", DATABASES[:1] if adapter else DATABASES, indirect=True)


@pytest.fixture
def db_url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """Points the app's settings at a fresh, empty-but-initialised database of each kind."""
    url = (
        f"sqlite:///{tmp_path / 'autocrm.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    )
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUTOCRM_DATABASE_URL", url)
    monkeypatch.setenv("AUTOCRM_SECRET_KEY", "test-secret-key")
    reset_settings()
    dispose_engines()
    if request.param == "sqlite":
        shutil.copy(_sqlite_template(request.getfixturevalue("tmp_path_factory")), tmp_path / "autocrm.db")
    engine = get_engine()
    if request.param == "postgresql":
        _empty_postgresql(engine)
    with write_session() as session:
        desk.ensure_defaults(session)
    reset_rate_limits()
    yield url
    dispose_engines()
    reset_settings()


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


class People:
    """Makes users of each role (through `tests.factories.make_user`); `actor(user)` gives the Actor the services expect."""

    @staticmethod
    def make(
        role: Role = Role.customer, *, name: str | None = None, password: str = TEST_PASSWORD, **extra: Any
    ) -> Any:
        return make_user(role, name=name, password=password, **extra)

    @staticmethod
    def actor(user: UserPublic) -> Actor:
        return Actor.for_user(user)


@pytest.fixture
def people(db_url) -> People:
    return People()


@pytest.fixture(scope="session")
def llm_server_session() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


@pytest.fixture
def llm_server(llm_server_session: LLMServer, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    """The desk's LLM: the local OpenAI-compatible test server, reached through the real `openai` client. No
    retries unless a test asks (each costs the client's backoff)."""
    llm_server_session.reset()
    monkeypatch.setenv("AUTOCRM_LLM_BASE_URL", llm_server_session.url)
    monkeypatch.setenv("AUTOCRM_LLM_MODEL", "test-model")
    monkeypatch.setenv("AUTOCRM_LLM_MAX_RETRIES", "0")
    reset_settings()
    yield llm_server_session
    reset_settings()
