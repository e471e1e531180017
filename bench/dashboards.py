"""The team and desk dashboards at scale: the metrics service's grouped queries over a year of a busy desk.

    .venv/bin/python bench/dashboards.py --db sqlite --tickets 100000
    .venv/bin/python bench/dashboards.py --db postgresql --tickets 100000

Seeds (or reuses) the bench desk of `bench/run.py` and prints p50/p95 server time (in-process service calls,
one at a time, as an admin) of `metrics.team_metrics` for the presets the dashboard offers (7 days by day,
30 days by day, 12 weeks by week, 12 months by month), for the whole desk and for one team. It prints the
timings; it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/ holds a `queue.py` that would hide the standard library's: take bench/ off the path, load run.py by name.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
_spec = importlib.util.spec_from_file_location("bench_run", _HERE / "run.py")
assert _spec is not None and _spec.loader is not None
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)

PRESETS = {"7 days": (7, "day"), "30 days": (30, "day"), "12 weeks": (84, "week"), "12 months": (365, "month")}


def timed(name: str, call: Callable[[], object], counter: object, requests: int, seconds: float) -> str:
    call()  # warm caches, plans and the pool
    latencies: list[float] = []
    statements = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while len(latencies) < requests and time.perf_counter() < deadline:
        before = counter.count  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
        statements += counter.count - before  # type: ignore[attr-defined]
    return bench_run.row(name, latencies, time.perf_counter() - started, statements / len(latencies))


def scenarios(args: argparse.Namespace) -> None:
    from sqlalchemy import event, func
    from sqlmodel import col, select

    from autocrm.core.db import get_engine, read_session
    from autocrm.models import Role, Ticket, User
    from autocrm.services import metrics
    from autocrm.services.actor import Actor

    with read_session() as s:
        admin = s.exec(select(User).where(User.role == Role.admin).order_by(col(User.id))).first()
        assert admin is not None, "the bench desk has no admin"
        busiest = s.exec(
            select(Ticket.team_id, func.count())
            .where(col(Ticket.team_id).is_not(None))
            .group_by(col(Ticket.team_id))
            .order_by(func.count().desc())
        ).first()
        newest = s.exec(select(func.max(Ticket.created_at))).one()
    actor = Actor.for_user(admin)
    end = (newest or datetime.now(UTC)) + timedelta(minutes=1)
    counter = bench_run.StatementCounter()
    event.listen(get_engine(), "before_cursor_execute", counter)

    def call(team_id: int | None, days: int, interval: metrics.Interval) -> Callable[[], object]:
        def run() -> object:
            with read_session() as s:
                return metrics.team_metrics(
                    s, actor=actor, team_id=team_id, start=end - timedelta(days=days), end=end, interval=interval
                )

        return run

    print(f"\n### Dashboards (service calls, one at a time), {args.db}, {args.tickets:,} tickets\n")
    print(bench_run.HEADER)
    for who, team_id in (("desk", None), (f"team {busiest[0] if busiest else '-'}", busiest[0] if busiest else None)):
        for preset, (days, interval) in PRESETS.items():
            print(timed(f"{who}, {preset}", call(team_id, days, interval), counter, args.requests, args.seconds))
    with read_session() as s:
        year = metrics.team_metrics(s, actor=actor, team_id=None, start=end - timedelta(days=365), end=end)
    print(
        f"\nthe desk's year: {year.current.created:,} created, {year.current.solved:,} solved, backlog {year.backlog:,}"
    )
    event.remove(get_engine(), "before_cursor_execute", counter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="Per scenario, at most (default 30).")
    parser.add_argument("--seconds", type=float, default=5.0, help="Per scenario, at most (default 5).")
    args = parser.parse_args()
    bench_run.configure(args.db, args.tickets)
    existing = bench_run.ticket_count()
    if existing < args.tickets:
        print(f"seeding a bench desk of {args.tickets:,} tickets on {args.db} (found {max(existing, 0):,})", flush=True)
        bench_run.recreate(args.db, args.tickets)
        bench_run.configure(args.db, args.tickets)
        bench_run.seed(args.db, args.tickets)
    else:
        print(f"reusing the bench desk on {args.db}: {existing:,} tickets")
        bench_run.upgrade()
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    scenarios(args)


if __name__ == "__main__":
    main()
