"""Full-text search over tickets: SQLite FTS5 or a PostgreSQL tsvector table with a GIN index.

One search document per ticket, kept by database triggers in the same transaction as the write
that changes it (ticket insert, subject change, message insert/update/delete), so the services,
the bulk import and any future writer can never leave it stale:

- SQLite: the FTS5 table `ticket_fts(subject, body, notes)` whose rowid is the ticket id;
  `body` holds the public messages, `notes` the internal notes (customers never search those).
- PostgreSQL: the table `ticket_search(ticket_id, part, doc tsvector)`, GIN-indexed: one row for
  the subject (part 0), one for the public messages (1), one for internal notes (2).
  Inserts are maintained by statement-level triggers with transition tables, so a multi-row
  INSERT or a COPY of 1,000 messages costs one `INSERT ... ON CONFLICT` into the search table.

The models do not declare these objects: `SQLModel.metadata.create_all/drop_all` create and drop
them through metadata events (see `autocrm/models/tickets.py`), migration 0002 calls `install`,
and `include_object` keeps Alembic's autogenerate/compare from reporting them as drift.

This module is `core`: plain SQL only, no imports of models or services.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Connection

# Every table the FTS layer owns (FTS5 also creates shadow tables named ticket_fts_*).
FTS_TABLES = frozenset({"ticket_fts", "ticket_search"})
TS_CONFIG = "simple"  # no stemming, no stop words: the same matching as SQLite's unicode61 tokenizer
MAX_TERMS = 8

_SQLITE_TRIGGERS = {
    "ticket_fts_ticket_ai": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_ai AFTER INSERT ON ticket BEGIN
            INSERT INTO ticket_fts(rowid, subject, body, notes) VALUES (new.id, new.subject, '', '');
        END""",
    "ticket_fts_ticket_au": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_au AFTER UPDATE OF subject ON ticket
        WHEN new.subject IS NOT old.subject BEGIN
            UPDATE ticket_fts SET subject = new.subject WHERE rowid = new.id;
        END""",
    "ticket_fts_ticket_ad": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_ad AFTER DELETE ON ticket BEGIN
            DELETE FROM ticket_fts WHERE rowid = old.id;
        END""",
    "ticket_fts_message_ai": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ai AFTER INSERT ON message BEGIN
            UPDATE ticket_fts SET
                body = CASE WHEN new.internal THEN body ELSE body || ' ' || new.body_text END,
                notes = CASE WHEN new.internal THEN notes || ' ' || new.body_text ELSE notes END
            WHERE rowid = new.ticket_id;
        END""",
    "ticket_fts_message_au": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_message_au AFTER UPDATE OF body_text, internal, ticket_id ON message BEGIN
            UPDATE ticket_fts SET
                body = coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = ticket_fts.rowid AND NOT internal), ''),
                notes = coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = ticket_fts.rowid AND internal), '')
            WHERE rowid IN (old.ticket_id, new.ticket_id);
        END""",
    "ticket_fts_message_ad": """
        CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ad AFTER DELETE ON message BEGIN
            UPDATE ticket_fts SET
                body = coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = ticket_fts.rowid AND NOT internal), ''),
                notes = coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = ticket_fts.rowid AND internal), '')
            WHERE rowid = old.ticket_id;
        END""",
}

# Parts of a ticket's document, one row each: new tickets and imports only ever INSERT (an UPDATE
# would write a second row version and re-index it in the GIN index); later replies append to theirs.
PART_SUBJECT, PART_PUBLIC, PART_NOTES = 0, 1, 2

_PG_INSTALL = f"""
CREATE TABLE IF NOT EXISTS ticket_search (
    ticket_id integer NOT NULL REFERENCES ticket(id) ON DELETE CASCADE,
    part smallint NOT NULL,
    doc tsvector NOT NULL,
    PRIMARY KEY (ticket_id, part)
);
CREATE INDEX IF NOT EXISTS ix_ticket_search_doc ON ticket_search USING gin (doc);

-- The messages part of one ticket's document, from the rows as they are now.
CREATE OR REPLACE FUNCTION autocrm_search_messages(tid integer, notes boolean) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT to_tsvector('{TS_CONFIG}', coalesce((SELECT string_agg(body_text, ' ' ORDER BY created_at, id) FROM message
                                              WHERE ticket_id = tid AND internal = notes), ''))
$$;

CREATE OR REPLACE FUNCTION autocrm_search_ticket_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_search (ticket_id, part, doc)
    SELECT id, {PART_SUBJECT}, to_tsvector('{TS_CONFIG}', subject) FROM new_rows;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION autocrm_search_ticket_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket_search SET doc = to_tsvector('{TS_CONFIG}', NEW.subject) WHERE ticket_id = NEW.id AND part = {PART_SUBJECT};
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION autocrm_search_message_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_search AS s (ticket_id, part, doc)
    SELECT ticket_id, CASE WHEN internal THEN {PART_NOTES} ELSE {PART_PUBLIC} END,
           to_tsvector('{TS_CONFIG}', string_agg(body_text, ' ' ORDER BY created_at, id))
    FROM new_rows GROUP BY ticket_id, internal
    ON CONFLICT (ticket_id, part) DO UPDATE SET doc = s.doc || EXCLUDED.doc;
    RETURN NULL;
END $$;

-- Rare (no service edits or deletes messages today): rebuild the affected parts. UPDATE only, so a
-- cascade from a deleted ticket never re-creates the row it is removing.
CREATE OR REPLACE FUNCTION autocrm_search_message_chg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ticket_search SET doc = autocrm_search_messages(OLD.ticket_id, OLD.internal)
        WHERE ticket_id = OLD.ticket_id AND part = CASE WHEN OLD.internal THEN {PART_NOTES} ELSE {PART_PUBLIC} END;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO ticket_search AS s (ticket_id, part, doc)
        VALUES (NEW.ticket_id, CASE WHEN NEW.internal THEN {PART_NOTES} ELSE {PART_PUBLIC} END,
                autocrm_search_messages(NEW.ticket_id, NEW.internal))
        ON CONFLICT (ticket_id, part) DO UPDATE SET doc = EXCLUDED.doc;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ticket_search_ticket_ins ON ticket;
CREATE TRIGGER ticket_search_ticket_ins AFTER INSERT ON ticket
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION autocrm_search_ticket_ins();
DROP TRIGGER IF EXISTS ticket_search_ticket_upd ON ticket;
CREATE TRIGGER ticket_search_ticket_upd AFTER UPDATE OF subject ON ticket
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION autocrm_search_ticket_upd();
DROP TRIGGER IF EXISTS ticket_search_message_ins ON message;
CREATE TRIGGER ticket_search_message_ins AFTER INSERT ON message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION autocrm_search_message_ins();
DROP TRIGGER IF EXISTS ticket_search_message_chg ON message;
CREATE TRIGGER ticket_search_message_chg AFTER UPDATE OF body_text, internal, ticket_id OR DELETE ON message
    FOR EACH ROW EXECUTE FUNCTION autocrm_search_message_chg();
"""

_PG_BACKFILL = f"""
INSERT INTO ticket_search (ticket_id, part, doc)
SELECT id, {PART_SUBJECT}, to_tsvector('{TS_CONFIG}', subject) FROM ticket
ON CONFLICT DO NOTHING;
INSERT INTO ticket_search (ticket_id, part, doc)
SELECT ticket_id, CASE WHEN internal THEN {PART_NOTES} ELSE {PART_PUBLIC} END,
       to_tsvector('{TS_CONFIG}', string_agg(body_text, ' ' ORDER BY created_at, id))
FROM message GROUP BY ticket_id, internal
ON CONFLICT DO NOTHING;
"""

_PG_UNINSTALL = """
DROP TRIGGER IF EXISTS ticket_search_ticket_ins ON ticket;
DROP TRIGGER IF EXISTS ticket_search_ticket_upd ON ticket;
DROP TRIGGER IF EXISTS ticket_search_message_ins ON message;
DROP TRIGGER IF EXISTS ticket_search_message_chg ON message;
DROP TABLE IF EXISTS ticket_search;
DROP FUNCTION IF EXISTS autocrm_search_ticket_ins();
DROP FUNCTION IF EXISTS autocrm_search_ticket_upd();
DROP FUNCTION IF EXISTS autocrm_search_message_ins();
DROP FUNCTION IF EXISTS autocrm_search_message_chg();
DROP FUNCTION IF EXISTS autocrm_search_messages(integer, boolean);
"""


def _has_table(connection: Connection, name: str) -> bool:
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).first() is not None
    return connection.exec_driver_sql("SELECT to_regclass(%(n)s) IS NOT NULL", {"n": name}).scalar()


def _run_script(connection: Connection, script: str) -> None:
    # One statement at a time: $$-quoted bodies contain ';' only inside the function bodies,
    # so split on the blank-line-free statement ends we control.
    for statement in _split(script):
        connection.exec_driver_sql(statement)


def _split(script: str) -> list[str]:
    statements, current, in_body = [], [], False
    for line in script.strip().splitlines():
        if line.strip().startswith("--") and not in_body:
            continue
        current.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if "".join(current).strip():
        statements.append("\n".join(current))
    return statements


def install(connection: Connection) -> None:
    """Creates the search objects if missing (idempotent) and indexes the tickets already there."""
    if connection.dialect.name == "sqlite":
        fresh = not _has_table(connection, "ticket_fts")
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5(subject, body, notes, tokenize = 'unicode61 remove_diacritics 2')"
        )
        for ddl in _SQLITE_TRIGGERS.values():
            connection.exec_driver_sql(ddl)
        if fresh:
            connection.exec_driver_sql(
                """INSERT INTO ticket_fts(rowid, subject, body, notes)
                   SELECT t.id, t.subject,
                          coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = t.id AND NOT internal), ''),
                          coalesce((SELECT group_concat(body_text, ' ') FROM message WHERE ticket_id = t.id AND internal), '')
                   FROM ticket t"""
            )
    elif connection.dialect.name == "postgresql":
        fresh = not _has_table(connection, "ticket_search")
        _run_script(connection, _PG_INSTALL)
        if fresh:
            _run_script(connection, _PG_BACKFILL)


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql("DROP TABLE IF EXISTS ticket_fts")
    elif connection.dialect.name == "postgresql":
        if _has_table(connection, "ticket"):
            _run_script(connection, _PG_UNINSTALL)
        else:
            connection.exec_driver_sql("DROP TABLE IF EXISTS ticket_search")


def is_fts_name(name: str | None) -> bool:
    return bool(name) and (name in FTS_TABLES or name.startswith("ticket_fts_") or name == "ix_ticket_search_doc")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: the search objects are not in the models, and are not drift."""
    return not (type_ in ("table", "index") and is_fts_name(name))


# ---- query terms ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words of a search box entry, lower-cased, at most MAX_TERMS of them."""
    seen: list[str] = []
    for word in _WORD.findall(query.lower()):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def sqlite_match(words: list[str], *, include_notes: bool) -> str:
    """An FTS5 MATCH expression: every word, as a prefix from 3 letters on; customers skip notes."""
    expression = " AND ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in words)
    return expression if include_notes else "{subject body} : (" + expression + ")"


def pg_tsquery(words: list[str]) -> str:
    """A to_tsquery() text: every word, as a prefix from 3 letters on."""
    return " & ".join(f"{w}:*" if len(w) >= 3 else w for w in words)
