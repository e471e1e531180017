"""The agent's queue at scale: saved views with their counts, quick filters, search and bulk changes.

    .venv/bin/python bench/queue.py --db sqlite --tickets 100000
    .venv/bin/python bench/queue.py --db postgresql --tickets 100000

Seeds (or reuses) the bench desk of `bench/run.py` (the same generator and databases), gives one agent six
saved views of their own beside the four built-in ones, and prints p50/p95 server time (in-process service
calls, one at a time, as that agent) for: opening a view with the counts of all ten (what the queue screen
does: the list of views, the page, the counts), each quick filter on "Unsolved", a keyword search, a
customer-name search, an e-mail search and a #number, and bulk changes of 100 tickets (in the request) and of
1,000 (a background job run to the end in-process by the job runner). Targets (issue 16): views, filters and
search p95 <= 50 ms at 100,000 tickets; 100 tickets changed in <= 2 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

# This file is named like the standard library's `queue` (which psycopg imports): take bench/ off the path
# and load bench/run.py (the desk, its database and the table format) by its file name instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
_spec = importlib.util.spec_from_file_location("bench_run", _HERE / "run.py")
assert _spec is not None and _spec.loader is not None
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)
HEADER, SEARCH_TERMS, StatementCounter = bench_run.HEADER, bench_run.SEARCH_TERMS, bench_run.StatementCounter
configure, recreate, row, seed = bench_run.configure, bench_run.recreate, bench_run.row, bench_run.seed
ticket_count, upgrade = bench_run.ticket_count, bench_run.upgrade

PERSONAL_VIEWS = [
    ("Urgent and high", {"priority": ["urgent", "high"], "status_category": ["new", "open"]}),
    ("My team's open work", {"status_category": ["open", "pending"]}),  # team_id filled in below
    ("Waiting on customers", {"status_category": ["pending"]}),
    ("Tagged refund", {"tags_any": ["refund"], "status_category": ["new", "open", "pending", "on_hold"]}),
    ("Email, this month", {"channel": ["email"]}),
    ("Premium plan", {"custom_fields": {"plan": "premium"}}),
]


def timed(name: str, call: Callable[[], object], counter: StatementCounter, requests: int, seconds: float) -> str:
    for _ in range(3):  # warm caches, plans and the connection pool
        call()
    latencies: list[float] = []
    statements = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while len(latencies) < requests and time.perf_counter() < deadline:
        before = counter.count
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
        statements += counter.count - before
    return row(name, latencies, time.perf_counter() - started, statements / len(latencies))


def scenarios(args: argparse.Namespace) -> None:
    from sqlalchemy import event
    from sqlmodel import col, select

    from autocrm.core.db import get_engine, read_session, write_session
    from autocrm.events import runner
    from autocrm.models import Role, SavedView, TeamMembership, Ticket, User
    from autocrm.services import bulk, views
    from autocrm.services.actor import Actor
    from autocrm.services.bulk import BulkChanges, BulkJobPublic, BulkRequest
    from autocrm.services.views import ViewCreate

    rng = random.Random(16)
    engine = get_engine()
    with read_session() as s:
        agent = s.exec(select(User).where(User.role == Role.agent).order_by(col(User.id))).first()
        assert agent is not None, "the bench desk has no agents"
        team_id = s.exec(select(TeamMembership.team_id).where(TeamMembership.user_id == agent.id)).first()
        customers = list(s.exec(select(User.name, User.email).where(User.role == Role.customer).limit(2000)))
        numbers = list(s.exec(select(Ticket.number).order_by(col(Ticket.id).desc()).limit(5000)))
        # Not closed, so every bulk change below can apply (a closed ticket would be listed as failed).
        open_ids = list(s.exec(select(Ticket.id).where(col(Ticket.status) != "closed").limit(4000)))
    actor = Actor.for_user(agent)
    with write_session() as s:
        views.ensure_builtin_views(s)
        have = set(s.exec(select(SavedView.name).where(SavedView.owner_id == agent.id)))
        for name, filters in PERSONAL_VIEWS:
            if name not in have:
                wanted = {**filters, "team_id": team_id} if name == "My team's open work" and team_id else filters
                views.create_view(s, actor=actor, data=ViewCreate(name=name, filters=wanted))
    with read_session() as s:
        listed = views.list_views(s, actor=actor)
    unsolved = next(v for v in listed if v.builtin_key == "unsolved")
    everything = next(v for v in listed if v.builtin_key == "all")
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)

    def open_view(view_id: int, **narrow: object) -> Callable[[], object]:
        def call() -> object:
            with read_session() as s:
                shown = views.list_views(s, actor=actor)
                page = views.view_tickets(s, actor=actor, view_id=view_id, **narrow)  # type: ignore[arg-type]
                # The sidebar's counts are the views' own: a quick filter narrows the page, not the sidebar.
                counts = views.view_counts(s, actor=actor, views=shown)
            return page, counts

        return call

    def page_only(view_id: int, make: Callable[[], dict[str, object]]) -> Callable[[], object]:
        def call() -> object:
            with read_session() as s:
                return views.view_tickets(s, actor=actor, view_id=view_id, **make())  # type: ignore[arg-type]

        return call

    def surname() -> str:
        return rng.choice(customers)[0].split()[-1]

    reads = {
        "open view with 10 counts": open_view(unsolved.id),
        "open a personal view + counts": open_view(listed[-1].id),
        **{
            f"quick {quick} + counts": open_view(unsolved.id, quick=[quick])
            for quick in ("high_priority", "unassigned", "overdue", "mine", "updated_last_hour")
        },
        "search: keyword": page_only(everything.id, lambda: {"q": rng.choice(SEARCH_TERMS)}),
        "search: customer name": page_only(everything.id, lambda: {"q": surname()}),
        "search: customer e-mail": page_only(everything.id, lambda: {"q": rng.choice(customers)[1].split("@")[0]}),
        "search: #number": page_only(everything.id, lambda: {"q": f"#{rng.choice(numbers)}"}),
    }
    print(f"\n### The queue (service calls, one at a time), {args.db}, {args.tickets:,} tickets\n")
    print(HEADER)
    for name, call in reads.items():
        print(timed(name, call, counter, args.requests, args.seconds), flush=True)

    priorities = ["low", "normal", "high", "urgent"]
    runner.run_pending_jobs(limit=100_000)  # what setting up left, so the jobs timed below are the bulk's own

    def bulk_now(size: int) -> float:
        ids = rng.sample(open_ids, size)
        t0 = time.perf_counter()
        with write_session() as s:
            result = bulk.bulk_update(
                s, actor=actor, request=BulkRequest(ids=ids, changes=BulkChanges(priority=rng.choice(priorities)))
            )
        if isinstance(result, BulkJobPublic):
            runner.run_pending_jobs(limit=100_000)  # the chunks, and the mails and webhooks they emitted
        return time.perf_counter() - t0

    print()
    for size, repeat in ((100, args.bulk_repeats), (1000, max(1, args.bulk_repeats // 3))):
        took = sorted(bulk_now(size) for _ in range(repeat))
        print(
            f"bulk {size:>5,} tickets: {repeat} runs, p50 {took[len(took) // 2]:.2f} s, max {took[-1]:.2f} s "
            f"({size / took[len(took) // 2]:,.0f} tickets/s)",
            flush=True,
        )
    event.remove(engine, "before_cursor_execute", counter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--requests", type=int, default=300, help="Per read scenario, at most (default 300).")
    parser.add_argument("--seconds", type=float, default=6.0, help="Per read scenario, at most (default 6).")
    parser.add_argument("--seed-only", action="store_true", help="Seed (or reuse) the desk and stop.")
    parser.add_argument("--bulk-repeats", type=int, default=5, help="Bulk changes of 100 (a third as many of 1,000).")
    args = parser.parse_args()
    configure(args.db, args.tickets)
    existing = ticket_count()
    if args.reseed or existing < args.tickets:
        print(f"seeding a bench desk of {args.tickets:,} tickets on {args.db} (found {max(existing, 0):,})", flush=True)
        recreate(args.db, args.tickets)
        configure(args.db, args.tickets)
        seed(args.db, args.tickets)
    else:
        print(f"reusing the bench desk on {args.db}: {existing:,} tickets")
        upgrade()
    if args.seed_only:
        return
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    scenarios(args)


if __name__ == "__main__":
    main()
