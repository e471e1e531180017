"""Alembic from an empty database, on SQLite and PostgreSQL, ends where the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

from autocrm.core import fulltext
from autocrm.core.db import get_engine, read_session, write_session
from autocrm.core.migrations import alembic_config, upgrade_database
from autocrm.models import User
from autocrm.services import desk
from autocrm.services.actor import Actor
from tests.factories import listed_for

# The full-text search objects (FTS5 virtual table and shadow tables, the tsvector column, triggers) are made
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
    with engine.connect() as conn:
        assert fulltext.installed(conn)  # migrated databases can search
        if conn.dialect.name == "postgresql":  # and find requesters by part of a name from an index
            indexes = {
                row[0]
                for row in conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'user_account'")
            }
            assert set(fulltext.PEOPLE_INDEXES) <= indexes

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
    with engine.connect() as conn:
        assert not fulltext.installed(conn)
    upgrade_database()
    assert _differences(engine) == []
    assert "ticket" in _table_names(engine)


def test_upgrade_from_0002_moves_existing_tickets_into_the_new_search(db_url):
    """A database at 0002 (PostgreSQL: the per-part ticket_search table) keeps finding its tickets after 0003."""
    from alembic import command

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    command.upgrade(alembic_config(), "0002")
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgresql:  # as 0002 first shipped: one row per ticket part, no document column
            fulltext.uninstall(conn)
            conn.exec_driver_sql(
                "CREATE TABLE ticket_search (ticket_id integer NOT NULL REFERENCES ticket(id) ON DELETE CASCADE, "
                "part smallint NOT NULL, doc tsvector NOT NULL, PRIMARY KEY (ticket_id, part))"
            )
    with write_session() as session:  # not the built-in views: their table came in 0024
        desk.ensure_vocabulary(session)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO user_account (email, name, role, password_hash, is_active, created_at, updated_at) "
            "VALUES ('ann@example.com', 'Ann', 'customer', 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
            "('bob@example.com', 'Bob', 'agent', 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        conn.exec_driver_sql(
            "INSERT INTO ticket (number, subject, status, priority, channel, requester_id, custom_fields, created_at, updated_at) "
            "SELECT 1, 'Lost card', 'open', 'normal', 'web', id, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
            "FROM user_account WHERE email = 'ann@example.com'"
        )
        conn.exec_driver_sql(
            "INSERT INTO message (ticket_id, author_id, internal, channel, body_html, body_text, created_at) "
            "SELECT t.id, u.id, u.role = 'agent', 'web', '', CASE WHEN u.role = 'agent' THEN 'fraud suspected' "
            "ELSE 'stolen wallet' END, CURRENT_TIMESTAMP FROM ticket t, user_account u"
        )
    upgrade_database()
    assert _differences(engine) == []
    with engine.connect() as conn:
        assert fulltext.installed(conn)
    assert "ticket_search" not in inspect(engine).get_table_names()
    with read_session() as s:
        ann, bob = (s.exec(select(User).where(User.email == e)).one() for e in ("ann@example.com", "bob@example.com"))

        def found(user, q):
            return [t.subject for t in listed_for(Actor.for_user(user), s, q=q)]

        assert found(bob, "lost wallet") == found(bob, "fraud") == ["Lost card"]
        assert found(ann, "stolen") == ["Lost card"]
        assert found(ann, "fraud") == []  # notes stay staff-only in the rebuilt documents
