"""A throwaway knowledge base for the KB benches: a fresh SQLite file or PostgreSQL database, articles written
through the real services, passages embedded by the real model."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "kb_data"
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def desk(db: str) -> Iterator[str]:
    """An empty desk on `db` ("sqlite" or "postgresql") with its own data folder; yields the database URL."""
    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory() as folder:
        os.environ["AUTOCRM_DATA_DIR"] = folder
        os.environ.setdefault("AUTOCRM_SECRET_KEY", "bench-kb")
        name = ""
        if db == "sqlite":
            url = f"sqlite:///{folder}/bench.db"
        else:
            name = f"autocrm_bench_kb_{uuid.uuid4().hex[:6]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        try:
            _open(url)
            yield url
        finally:
            from autocrm.core import vectors
            from autocrm.core.db import dispose_engines

            dispose_engines()
            vectors.forget()
            if name:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


def _open(url: str) -> None:
    from sqlmodel import SQLModel

    import autocrm.models  # noqa: F401 (registers the tables)
    from autocrm.core.db import dispose_engines, get_engine, write_session
    from autocrm.core.settings import reset_settings
    from autocrm.services import desk as desk_defaults

    os.environ["AUTOCRM_DATABASE_URL"] = url
    reset_settings()
    dispose_engines()
    SQLModel.metadata.create_all(get_engine())
    with write_session() as s:
        desk_defaults.ensure_defaults(s)


def write_articles(articles: list[dict[str, str]], *, batch: int = 200) -> list[int]:
    """Publishes each {title, body (HTML), locale} as an article; their ids, in order."""
    from autocrm.core.db import write_session
    from autocrm.services import kb
    from autocrm.services.actor import Actor

    actor = Actor.system("bench")
    ids: list[int] = []
    for start in range(0, len(articles), batch):
        with write_session() as s:
            for article in articles[start : start + batch]:
                ids.append(
                    kb.create_article(
                        s,
                        actor=actor,
                        data=kb.ArticleCreate(
                            title=article["title"],
                            body=article["body"],
                            locale=article.get("locale", "en"),
                            status="published",
                        ),
                    ).id
                )
    return ids


def embed() -> int:
    """Embeds every passage (what the `kb.index` job does after the writes), in batches; how many."""
    from autocrm.services.kb import reindex

    return reindex.embed_all()
