"""Keyword search over knowledge-base chunks: SQLite FTS5 or a PostgreSQL tsvector column with a GIN index.

Kept by database triggers in the transaction that writes the chunks (chunks are only ever inserted and deleted,
never edited), like the tickets' index in `fulltext.py`:

- SQLite: the FTS5 table `kb_chunk_fts(heading, text)` over the chunk rows (external content, rowid = chunk id), tokenized by unicode61 with
  diacritics folded (FTS5 has no stemmer for Spanish, German or French; prefix queries stand in for one).
- PostgreSQL: the column `kb_chunk.search_doc` (tsvector, GIN-indexed), the heading with weight A and the text
  with weight B, stemmed with the chunk's own configuration (`ts_config`: english, spanish, german, french or
  simple), so each locale gets its own stemming and stop words.

This module is `core`: plain SQL only.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

FTS_TABLE = "kb_chunk_fts"
SEARCH_COLUMN = "search_doc"
SEARCH_INDEX = "ix_kb_chunk_search_doc"
# Names come from this module's constants, never from input (hence the S608 waivers).
# PostgreSQL text-search configurations per locale (the rest use "simple": no stemming, no stop words).
TS_CONFIGS = {"en": "english", "es": "spanish", "de": "german", "fr": "french"}

_SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        heading, text, content='kb_chunk', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS kb_chunk_fts_ai AFTER INSERT ON kb_chunk BEGIN
        INSERT INTO {FTS_TABLE}(rowid, heading, text) VALUES (new.id, new.heading, new.text);
    END""",  # noqa: S608
    f"""CREATE TRIGGER IF NOT EXISTS kb_chunk_fts_ad AFTER DELETE ON kb_chunk BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
    END""",  # noqa: S608
]

_PG_INSTALL = [
    f"ALTER TABLE kb_chunk ADD COLUMN IF NOT EXISTS {SEARCH_COLUMN} tsvector",
    f"""CREATE OR REPLACE FUNCTION autocrm_kb_chunk_doc() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.{SEARCH_COLUMN} := setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.heading, '')), 'A')
            || setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.text, '')), 'B');
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS kb_chunk_doc ON kb_chunk",
    "CREATE TRIGGER kb_chunk_doc BEFORE INSERT ON kb_chunk FOR EACH ROW EXECUTE FUNCTION autocrm_kb_chunk_doc()",
    f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON kb_chunk USING gin ({SEARCH_COLUMN})",
]


def install(connection: Connection) -> None:
    statements = {"sqlite": _SQLITE_INSTALL, "postgresql": _PG_INSTALL}.get(connection.dialect.name, [])
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS kb_chunk_fts_ai")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS kb_chunk_fts_ad")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS kb_chunk_doc ON kb_chunk")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS autocrm_kb_chunk_doc()")


def ts_config(locale: str) -> str:
    return TS_CONFIGS.get(locale.split("-")[0].lower(), "simple")


def is_kb_search_name(name: str | None) -> bool:
    return name is not None and (name in (FTS_TABLE, SEARCH_INDEX) or name.startswith(FTS_TABLE + "_"))
