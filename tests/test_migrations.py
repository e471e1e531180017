"""Alembic from an empty database, on SQLite and PostgreSQL, ends where the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from autocrm.core import fulltext
from autocrm.core.db import get_engine, write_session
from autocrm.core.migrations import alembic_config, upgrade_database
from autocrm.services import desk

# The full-text search objects (FTS5 virtual table and shadow tables, tsvector table, triggers) are made
# by autocrm.core.fulltext, not declared in the models: leave them out of the comparison, and nothing else.
COMPARE_OPTS = {"compare_type": True, "include_object": fulltext.include_object}


def _differences(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTS), SQLModel.metadata)


def _table_names(engine):
    return [name for name in inspect(engine).get_table_names() if not fulltext.is_fts_name(name)]


def test_upgrade_from_empty_matches_models(db_url):
    engine = get_engine()
    SQLModel.metadata.drop_all(engine)  # the fixture built tables from the models: start from nothing
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    assert inspect(engine).get_table_names() == []  # drop_all removed the search objects too

    upgrade_database()
    with write_session() as session:
        desk.ensure_defaults(session)
        assert [s.key for s in desk.statuses(session)] == ["new", "open", "pending", "on_hold", "solved", "closed"]

    assert _differences(engine) == []
    assert set(inspect(engine).get_table_names()) & fulltext.FTS_TABLES  # migrated databases can search

    upgrade_database()  # a second run is a no-op, not an error


def test_comparison_still_catches_real_drift(db_url):
    engine = get_engine()
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_ticket_updated")
        conn.exec_driver_sql("CREATE INDEX ix_stray ON ticket (subject)")
    kinds = sorted((diff[0], diff[1].name) for diff in _differences(engine))
    assert kinds == [("add_index", "ix_ticket_updated"), ("remove_index", "ix_stray")]


def test_downgrade_to_initial_and_back(db_url):
    from alembic import command

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade_database()
    command.downgrade(alembic_config(), "0001")
    assert not set(inspect(engine).get_table_names()) & fulltext.FTS_TABLES
    upgrade_database()
    assert _differences(engine) == []
    assert "ticket" in _table_names(engine)
