"""Alembic from an empty database, on SQLite and PostgreSQL, ends where the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from autocrm.core.db import get_engine, write_session
from autocrm.core.migrations import upgrade_database
from autocrm.services import desk


def test_upgrade_from_empty_matches_models(db_url):
    engine = get_engine()
    SQLModel.metadata.drop_all(engine)  # the fixture built tables from the models: start from nothing
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    assert inspect(engine).get_table_names() == []

    upgrade_database()
    with write_session() as session:
        desk.ensure_defaults(session)
        assert [s.key for s in desk.statuses(session)] == ["new", "open", "pending", "on_hold", "solved", "closed"]

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert differences == []

    upgrade_database()  # a second run is a no-op, not an error
