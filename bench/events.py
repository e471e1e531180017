"""The extra time a write spends on its events: the outbox row, its job rows and the in-transaction listeners.

    .venv/bin/python bench/events.py                  # SQLite and PostgreSQL, 500 writes each
    .venv/bin/python bench/events.py --writes 2000 --db postgresql

Each write is a real `tickets.add_message` (reply) in its own write transaction, so its `message.created`
event is flushed on the same connection as the write. The time inside `events.emit` is summed per write
(a write may emit more than one event) and printed as p50/p95/mean in milliseconds, with no after-commit
listener and with two (two job rows per event). The target is < 1 ms per write.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _measure(writes: int, listeners: int) -> list[float]:
    from autocrm.core.db import write_session
    from autocrm.events import listeners as registry
    from autocrm.events.listeners import Listener
    from autocrm.models import Role
    from autocrm.services import events, tickets
    from autocrm.services.actor import Actor
    from tests.factories import make_ticket, make_user

    registry.AFTER_COMMIT["message.created"] = [
        Listener(f"bench.noop{i}", lambda _s, _e: None) for i in range(listeners)
    ]
    agent = make_user(Role.agent)
    ticket = make_ticket(by=agent, requester=make_user(Role.customer))
    actor = Actor.for_user(agent)
    real_emit = events.emit
    spent: list[float] = []

    def timed_emit(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        real_emit(*args, **kwargs)
        spent[-1] += time.perf_counter() - started

    events.emit = timed_emit  # a bench's stopwatch around the real function
    try:
        for _ in range(writes):
            spent.append(0.0)
            with write_session() as s:
                tickets.add_message(s, actor=actor, ticket_id=ticket.id, data=tickets.MessageCreate(body="Bench reply"))
    finally:
        events.emit = real_emit
        registry.AFTER_COMMIT.pop("message.created", None)
    return [seconds * 1000 for seconds in spent]


def _run(label: str, url: str, writes: int) -> None:
    from sqlmodel import SQLModel

    import autocrm.models  # noqa: F401 (registers the tables)
    from autocrm.core.db import dispose_engines, get_engine, write_session
    from autocrm.core.settings import reset_settings
    from autocrm.services import desk

    os.environ["AUTOCRM_DATABASE_URL"] = url
    reset_settings()
    dispose_engines()
    SQLModel.metadata.create_all(get_engine())
    with write_session() as s:
        desk.ensure_defaults(s)
    for listeners in (0, 2):
        costs = _measure(writes, listeners)
        costs.sort()
        p50, p95 = costs[len(costs) // 2], costs[int(len(costs) * 0.95)]
        print(
            f"{label:<11} {listeners} after-commit listeners  {writes} writes  events per write: "
            f"p50 {p50:.3f} ms  p95 {p95:.3f} ms  mean {statistics.fmean(costs):.3f} ms"
        )
    dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["AUTOCRM_DATA_DIR"] = folder
        os.environ.setdefault("AUTOCRM_SECRET_KEY", "bench-events")
        if args.db in ("sqlite", "both"):
            _run("SQLite", f"sqlite:///{folder}/bench.db", args.writes)
        if args.db in ("postgresql", "both"):
            from sqlalchemy import create_engine, text

            name = f"autocrm_bench_events_{uuid.uuid4().hex[:6]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                _run("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/" + name, args.writes)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
