"""The audit log at scale: a page of `audit_log.list_entries` with each filter, at the top and deep in the trail.

    .venv/bin/python bench/audit_log.py --rows 1000000
    .venv/bin/python bench/audit_log.py --rows 1000000 --database-url postgresql+psycopg://localhost/bench_audit

Fills a fresh database (a temporary SQLite file unless a URL is given; its tables are dropped and made again)
with `--rows` audit entries spread over a year, 50 people, 40 actions and 200,000 objects, then prints the p50
and p95 of one page (50 entries) as an admin for: no filter, a person, an action, an object type, one object,
a week, and each of those again from a cursor near the oldest entry. It prints the timings; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/ holds a `queue.py` that would hide the standard library's (psycopg imports it): take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-audit-")
    os.environ["AUTOCRM_DATA_DIR"] = folder
    os.environ["AUTOCRM_DATABASE_URL"] = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.setdefault("AUTOCRM_SECRET_KEY", "bench-secret-key")

    from sqlalchemy import insert
    from sqlmodel import SQLModel

    from autocrm.core.db import get_engine, read_session, table_of, write_session
    from autocrm.models import AuditEntry, Role, User
    from autocrm.services import audit_log, desk
    from autocrm.services.actor import Actor
    from autocrm.services.audit_log import AuditQuery

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with write_session() as session:
        desk.ensure_defaults(session)
        people = [User(email=f"p{n}@bench.example", name=f"Person {n}", role=Role.agent) for n in range(50)]
        session.add_all(people)
        session.flush()
        person_ids = [p.id for p in people]
    rng = random.Random(7)
    actions = [f"thing{n}.{verb}" for n in range(10) for verb in ("create", "update", "delete", "move")]
    types = ["ticket", "user", "team", "macro", "webhook"]
    start = datetime.now(UTC) - timedelta(days=365)
    table = table_of(AuditEntry)
    t0 = time.perf_counter()
    batch = 20_000
    for first in range(0, args.rows, batch):
        rows = []
        for n in range(first, min(first + batch, args.rows)):
            actor = rng.choice(person_ids) if rng.random() < 0.8 else None
            rows.append(
                {
                    "created_at": start + timedelta(seconds=n * 365 * 86400 / args.rows),
                    "actor_user_id": actor,
                    "actor_label": f"user:{actor}" if actor else "system",
                    "action": rng.choice(actions),
                    "object_type": rng.choice(types),
                    "object_id": rng.randint(1, 200_000),
                    "changes": {"status": ["open", "solved"]},
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
    print(f"{args.rows:,} entries written in {time.perf_counter() - t0:.1f} s ({engine.dialect.name})")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE audit_entry")
        else:
            connection.exec_driver_sql("ANALYZE")

    admin = Actor.system("bench")
    with read_session() as session:
        oldest = audit_log.list_entries(session, actor=admin, query=AuditQuery(limit=1)).items[0].id
    deep = str(max(2, args.rows // 50))  # a cursor 98% of the way down
    week = (start + timedelta(days=200), start + timedelta(days=207))
    cases: dict[str, dict] = {
        "newest, no filter": {},
        "a person": {"actor_id": person_ids[3]},
        "an action": {"action": actions[5]},
        "an object type": {"object_type": "webhook"},
        "one object": {"object_type": "ticket", "object_id": 4242},
        "a week": {"start": week[0], "end": week[1]},
        "a person in a week": {"actor_id": person_ids[3], "start": week[0], "end": week[1]},
    }
    print(f"{'page of 50':<34} {'p50 ms':>8} {'p95 ms':>8}  (newest id {oldest})")
    for name, query in cases.items():
        for label, cursor in ((name, None), (f"{name}, deep", deep)):
            if cursor and "object_id" in query:
                continue
            print(
                f"{label:<34} "
                + timed(lambda q=query, c=cursor: _page(audit_log, admin, AuditQuery, q, c), args.repeat)
            )


def _page(audit_log, admin, query_cls, query: dict, cursor: str | None) -> None:
    from autocrm.core.db import read_session

    with read_session() as session:
        audit_log.list_entries(session, actor=admin, query=query_cls(**query, cursor=cursor))


def timed(call: Callable[[], None], repeat: int) -> str:
    call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return f"{statistics.median(times):>8.1f} {times[int(len(times) * 0.95) - 1]:>8.1f}"


if __name__ == "__main__":
    main()
