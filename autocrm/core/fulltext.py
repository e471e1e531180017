"""Full-text search over tickets: SQLite FTS5 or a PostgreSQL tsvector column with a GIN index.

One search document per ticket, kept by database triggers in the same transaction as the write
that changes it (ticket insert, subject change, message insert/update/delete), so the services,
the bulk import and any future writer can never leave it stale:

- SQLite: the FTS5 table `ticket_fts(subject, body, notes)` whose rowid is the ticket id;
  `body` holds the public messages, `notes` the internal notes (customers never search those).
- PostgreSQL: the column `ticket.search_doc` (tsvector, GIN-indexed): subject and public messages
  with weight A, internal notes with weight B; customers' queries ask for weight A only. The
  document sits on the row that holds the sort keys, so for a common word the planner walks the
  queue's `(updated_at, id)` index and filters, and for a rare one it reads the GIN index and sorts
  the few matches. Message inserts are handled by a statement-level trigger with a transition table
  (a COPY of 1,000 messages is one UPDATE of their tickets); a writer that puts complete documents
  in its ticket INSERT (the bulk import) says so with the transaction-local setting
  `autocrm.search_prebuilt`, and its messages are not applied a second time.

The models do not declare these objects: `SQLModel.metadata.create_all/drop_all` create and drop
them through metadata events (see `autocrm/models/tickets.py`), migrations 0002 and 0003 call
`install` (0003 replaces 0002's first PostgreSQL design, a per-part `ticket_search` table), and
`include_object` keeps Alembic's autogenerate/compare from reporting them as drift.

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

# Weights inside the one document per ticket: customers' queries ask for weight A only, so the words of
# internal notes (B) can never match for them, even where a note and a public reply share a word.
PUBLIC_WEIGHT, NOTES_WEIGHT = "A", "B"
SEARCH_COLUMN = "search_doc"
SEARCH_INDEX = "ix_ticket_search_doc"
# Set (transaction-local) by a writer that puts complete documents in its ticket INSERT itself (the bulk
# import): its messages then need no second write of the same ticket rows. Any other writer leaves it off.
PREBUILT_SETTING = "autocrm.search_prebuilt"

# Names come from this module's constants, never from input (hence the S608 waivers).
_PG_INSTALL = f"""
ALTER TABLE ticket ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} tsvector;

-- A ticket's whole document from its parts: IMMUTABLE and plain SQL, so it inlines into the statements
-- that use it (the bulk import builds its tickets' documents with it in the INSERT).
CREATE OR REPLACE FUNCTION autocrm_search_doc(subject text, public_text text, notes_text text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('{TS_CONFIG}'::regconfig, coalesce(subject, '') || ' ' || coalesce(public_text, '')), '{PUBLIC_WEIGHT}')
        || setweight(to_tsvector('{TS_CONFIG}'::regconfig, coalesce(notes_text, '')), '{NOTES_WEIGHT}')
$$;

-- The same, from the rows as they are now (subject changes, edited or deleted messages: rare).
CREATE OR REPLACE FUNCTION autocrm_search_doc_of(tid integer, subject text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT autocrm_search_doc(subject,
        (SELECT string_agg(body_text, ' ' ORDER BY created_at, id) FROM message WHERE ticket_id = tid AND NOT internal),
        (SELECT string_agg(body_text, ' ' ORDER BY created_at, id) FROM message WHERE ticket_id = tid AND internal))
$$;

CREATE OR REPLACE FUNCTION autocrm_search_ticket_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{SEARCH_COLUMN} := autocrm_search_doc(NEW.subject, NULL, NULL);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION autocrm_search_ticket_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.{SEARCH_COLUMN} := autocrm_search_doc_of(NEW.id, NEW.subject);
    RETURN NEW;
END $$;

-- New messages are appended to their ticket's document: one UPDATE per statement, whatever its size.
CREATE OR REPLACE FUNCTION autocrm_search_message_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('{PREBUILT_SETTING}', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE ticket t SET {SEARCH_COLUMN} = coalesce(t.{SEARCH_COLUMN}, ''::tsvector) || d.doc
    FROM (SELECT ticket_id, autocrm_search_doc(NULL,
                     string_agg(body_text, ' ' ORDER BY created_at, id) FILTER (WHERE NOT internal),
                     string_agg(body_text, ' ' ORDER BY created_at, id) FILTER (WHERE internal)) AS doc
          FROM new_rows GROUP BY ticket_id) d
    WHERE t.id = d.ticket_id;
    RETURN NULL;
END $$;

-- Rare (no service edits or deletes messages today): rebuild the affected documents. A cascade from a
-- deleted ticket finds no row left to update.
CREATE OR REPLACE FUNCTION autocrm_search_message_chg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket SET {SEARCH_COLUMN} = autocrm_search_doc_of(id, subject)
    WHERE id = OLD.ticket_id OR (TG_OP = 'UPDATE' AND id = NEW.ticket_id);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ticket_search_ticket_ins ON ticket;
CREATE TRIGGER ticket_search_ticket_ins BEFORE INSERT ON ticket
    FOR EACH ROW WHEN (NEW.{SEARCH_COLUMN} IS NULL) EXECUTE FUNCTION autocrm_search_ticket_ins();
DROP TRIGGER IF EXISTS ticket_search_ticket_upd ON ticket;
CREATE TRIGGER ticket_search_ticket_upd BEFORE UPDATE OF subject ON ticket
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject) EXECUTE FUNCTION autocrm_search_ticket_upd();
DROP TRIGGER IF EXISTS ticket_search_message_ins ON message;
CREATE TRIGGER ticket_search_message_ins AFTER INSERT ON message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION autocrm_search_message_ins();
DROP TRIGGER IF EXISTS ticket_search_message_chg ON message;
CREATE TRIGGER ticket_search_message_chg AFTER UPDATE OF body_text, internal, ticket_id OR DELETE ON message
    FOR EACH ROW EXECUTE FUNCTION autocrm_search_message_chg();
"""  # noqa: S608

_PG_BACKFILL = f"""
UPDATE ticket SET {SEARCH_COLUMN} = autocrm_search_doc_of(id, subject) WHERE {SEARCH_COLUMN} IS NULL;
"""  # noqa: S608

# Built after the backfill: one bulk build instead of a million single insertions.
_PG_INDEX = f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON ticket USING gin ({SEARCH_COLUMN});"

# Migration 0002's first design (one row per ticket part in a separate table): replaced by the column.
_PG_DROP_PARTS = """
DROP TABLE IF EXISTS ticket_search;
DROP FUNCTION IF EXISTS autocrm_search_messages(integer, boolean);
"""

_PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS ticket_search_ticket_ins ON ticket;
DROP TRIGGER IF EXISTS ticket_search_ticket_upd ON ticket;
DROP TRIGGER IF EXISTS ticket_search_message_ins ON message;
DROP TRIGGER IF EXISTS ticket_search_message_chg ON message;
DROP INDEX IF EXISTS {SEARCH_INDEX};
ALTER TABLE ticket DROP COLUMN IF EXISTS {SEARCH_COLUMN};
DROP FUNCTION IF EXISTS autocrm_search_ticket_ins();
DROP FUNCTION IF EXISTS autocrm_search_ticket_upd();
DROP FUNCTION IF EXISTS autocrm_search_message_ins();
DROP FUNCTION IF EXISTS autocrm_search_message_chg();
DROP FUNCTION IF EXISTS autocrm_search_doc_of(integer, text);
DROP FUNCTION IF EXISTS autocrm_search_doc(text, text, text);
"""


def _has_table(connection: Connection, name: str) -> bool:
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).first() is not None
    return bool(connection.exec_driver_sql("SELECT to_regclass(%(n)s) IS NOT NULL", {"n": name}).scalar())


def _has_search_column(connection: Connection) -> bool:
    return (
        connection.exec_driver_sql(
            "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('ticket') AND attname = %(c)s AND NOT attisdropped",
            {"c": SEARCH_COLUMN},
        ).first()
        is not None
    )


def installed(connection: Connection) -> bool:
    """Whether this database can search (the FTS5 table, or the document column)."""
    if connection.dialect.name == "sqlite":
        return _has_table(connection, "ticket_fts")
    return _has_table(connection, "ticket") and _has_search_column(connection)


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
        fresh = not _has_search_column(connection)
        _run_script(connection, _PG_DROP_PARTS)
        _run_script(connection, _PG_INSTALL)
        if fresh:
            _run_script(connection, _PG_BACKFILL)
        connection.exec_driver_sql(_PG_INDEX.rstrip(";"))
        _install_people_search(connection)


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql("DROP TABLE IF EXISTS ticket_fts")
    elif connection.dialect.name == "postgresql":
        if _has_table(connection, "ticket"):
            _run_script(connection, _PG_UNINSTALL)
        _run_script(connection, _PG_DROP_PARTS)
        for name in PEOPLE_INDEXES:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


# Staff searches also match part of a requester's name or e-mail (`%text%`). Without an index that reads every
# person on each search (1.6-2.8 ms at 4,000 people, and it grows with the customer base); trigram GIN indexes
# answer it from the index. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension; where it is
# missing the search still works, reading the people table instead.
PEOPLE_INDEXES = {
    "ix_user_account_name_trgm": "lower(name)",
    "ix_user_account_email_trgm": "lower(email)",
}


def _install_people_search(connection: Connection) -> None:
    available = connection.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    if available is None:
        return
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in PEOPLE_INDEXES.items():
        connection.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {name} ON user_account USING gin ({expression} gin_trgm_ops)"
        )


def is_fts_name(name: str | None) -> bool:
    return name is not None and (
        name in FTS_TABLES or name.startswith("ticket_fts_") or name == SEARCH_INDEX or name in PEOPLE_INDEXES
    )


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:  # noqa: ARG001 (Alembic's hook signature)
    """Alembic filter: the search objects are not in the models, and are not drift."""
    from autocrm.core import kb_fulltext

    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return not (name == SEARCH_COLUMN and table in ("ticket", "kb_chunk"))
    return not (type_ in ("table", "index") and (is_fts_name(name) or kb_fulltext.is_kb_search_name(name)))


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


def pg_tsquery(words: list[str], *, include_notes: bool) -> str:
    """A to_tsquery() text: every word, as a prefix from 3 letters on; customers' words in public text only."""
    weight = "" if include_notes else PUBLIC_WEIGHT
    return " & ".join(f"{w}:*{weight}" if len(w) >= 3 else (f"{w}:{weight}" if weight else w) for w in words)
