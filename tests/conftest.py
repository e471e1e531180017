"""Shared fixtures. The data layer runs against SQLite and PostgreSQL through one parametrized fixture."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import autocrm.models  # noqa: F401
from autocrm.core.db import dispose_engines, get_engine, write_session
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


@pytest.fixture(params=["sqlite", "postgresql"])
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
    engine = get_engine()
    if request.param == "postgresql":
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
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
