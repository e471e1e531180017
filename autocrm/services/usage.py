"""What is noted about the use of an API key or a browser session: when it was last used (to the minute)
and which browser a session belongs to.

Keys and sessions are checked on every request, mostly in read sessions (READ ONLY on PostgreSQL), and a
write per request would put every API call and every click in the writers' queue. So a use is written only
when the stored time is older than `USE_NOTED_EVERY`, by one conditional UPDATE that also stays a no-op when
another worker noted the same minute first. It is bookkeeping, not a change anyone made: no audit entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col

from autocrm.core.db import write_session
from autocrm.models import ApiKey, LoginSession

USE_NOTED_EVERY = timedelta(seconds=60)
USER_AGENT_MAX = 512


def use_is_due(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= USE_NOTED_EVERY


def note_key_use(session: Session, *, key_id: int, now: datetime) -> None:
    _stamp(session, ApiKey, key_id, col(ApiKey.last_used_at), "last_used_at", now)


def note_session_seen(session: Session, *, login_session_id: int, now: datetime) -> None:
    _stamp(session, LoginSession, login_session_id, col(LoginSession.last_seen_at), "last_seen_at", now)


def clean_user_agent(user_agent: str | None) -> str:
    """A browser's User-Agent header as it is kept: printable, at most USER_AGENT_MAX characters."""
    text = "".join(ch for ch in (user_agent or "") if ch.isprintable())
    return text.strip()[:USER_AGENT_MAX]


def _stamp(session: Session, model: Any, row_id: int, column: Any, name: str, now: datetime) -> None:
    statement = (
        update(model)
        .where(model.id == row_id, or_(column.is_(None), column < now - USE_NOTED_EVERY))
        .values({name: now})
    )
    if _writes(session):
        session.connection().execute(statement)
        return
    # A read session cannot write (and on SQLite it never commits): the stamp commits on its own. It must
    # not wait for the caller's transaction, which holds no lock a reader could hold against it.
    with write_session() as own:
        own.connection().execute(statement)


def _writes(session: Session) -> bool:
    """Whether `session` is a write session (`core.db.write_session`), whose transaction the stamp can join.
    Joining matters: a second writer opened beside a SQLite write session (or beside a PostgreSQL one that
    locked the same row) would wait for it forever."""
    bind = session.get_bind()
    options = bind.get_execution_options()
    if bind.dialect.name == "sqlite":
        return bool(options.get("sqlite_begin") == "IMMEDIATE")
    return not options.get("postgresql_readonly", False)
