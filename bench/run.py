"""AutoCRM at scale: seed (or reuse) a bench desk, then time the agent queue, the ticket page and the API.

    .venv/bin/python bench/run.py --db sqlite --tickets 15000
    .venv/bin/python bench/run.py --db postgresql --tickets 15000
    .venv/bin/python bench/run.py --db postgresql --tickets 1000000 --skip-http   # long: see README

Prints one table per group of scenarios: requests/s, p50/p95/p99 latency (ms) and SQL statements per
request (counted with SQLAlchemy's before_cursor_execute; SQLite's BEGIN counts as one). Everything
talks to 127.0.0.1 only. Every loop is bounded by a request count and a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SEARCH_TERMS = [
    "card",
    "refund",
    "transfer",
    "exchange rate",
    "top up",
    "pin",
    "apple pay",
    "cash withdrawal",
    "identity",
    "declined",
    "pending payment",
    "statement",
    "fee",
    "blocked",
    "verify",
]


# ---- database ------------------------------------------------------------------------------------------


def configure(db: str, tickets: int) -> str:
    """Points AutoCRM's settings at the bench database for this size; returns its URL."""
    data_dir = DATA / f"{db}-{tickets}"
    data_dir.mkdir(parents=True, exist_ok=True)
    url = (
        f"sqlite:///{data_dir / 'autocrm.db'}"
        if db == "sqlite"
        else PG_ADMIN.rsplit("/", 1)[0] + f"/autocrm_bench_{tickets}"
    )
    os.environ.update(AUTOCRM_DATABASE_URL=url, AUTOCRM_DATA_DIR=str(data_dir), AUTOCRM_SECRET_KEY="bench-secret-key")  # noqa: S106 (a throwaway bench desk)
    from autocrm.core.db import dispose_engines
    from autocrm.core.settings import reset_settings

    reset_settings()
    dispose_engines()
    return url


def ticket_count() -> int:
    from sqlalchemy import text

    from autocrm.core.db import get_engine

    try:
        with get_engine().connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
    except Exception:  # noqa: BLE001  (no database or no tables yet)
        return -1


def recreate(db: str, tickets: int) -> None:
    from sqlalchemy import create_engine, text

    from autocrm.core.db import dispose_engines

    dispose_engines()
    if db == "sqlite":
        shutil.rmtree(DATA / f"sqlite-{tickets}", ignore_errors=True)
        (DATA / f"sqlite-{tickets}").mkdir(parents=True)
    else:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "autocrm_bench_{tickets}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "autocrm_bench_{tickets}"'))
        admin.dispose()


def upgrade() -> None:
    """What `autocrm serve` does to a database on start: migrations, then the desk's defaults and counters."""
    from autocrm.core.db import write_session
    from autocrm.core.migrations import upgrade_database
    from autocrm.services import desk

    upgrade_database()
    with write_session() as session:
        desk.ensure_defaults(session)


def seed(db: str, tickets: int) -> None:
    from autocrm.core.db import get_engine
    from autocrm.services import bench_seed

    upgrade()

    def progress(done: int, wanted: int, seconds: float) -> None:
        if done % 50_000 == 0 or done == wanted:
            print(f"  seeded {done:>9,} / {wanted:,} tickets: {done / seconds:,.0f} tickets/s", flush=True)

    result = bench_seed.seed_bench(tickets=tickets, workers=2 if db == "postgresql" else 1, progress=progress)
    print(
        f"seed: {result.tickets:,} tickets, {result.messages:,} messages, {result.users:,} users in {result.seconds:,.1f} s "
        f"= {result.tickets_per_second:,.0f} tickets/s ({result.tickets / result.import_seconds:,.0f}/s inside imports.import_tickets)"
    )
    engine = get_engine()
    started = time.perf_counter()
    if db == "postgresql":  # fresh statistics and visibility map (index-only scans), as autovacuum would
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"analyze: {time.perf_counter() - started:.1f} s")


# ---- measuring -----------------------------------------------------------------------------------------


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.captured: list[tuple[str, object]] = []
        self.capture = False

    def __call__(self, _conn, _cursor, statement, parameters, *_args) -> None:  # noqa: ANN001
        self.count += 1
        if self.capture:
            self.captured.append((statement, parameters))


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def row(name: str, latencies: list[float], seconds: float, statements: float | str, errors: int = 0) -> str:
    values = sorted(latencies)
    rate = len(values) / seconds if seconds else 0
    errors_text = f" ({errors} errors)" if errors else ""
    stmts = f"{statements:.1f}" if isinstance(statements, float) else statements
    return (
        f"| {name:<34} | {len(values):>6} | {rate:>8.0f} | {percentile(values, 50) * 1000:>7.1f} | "
        f"{percentile(values, 95) * 1000:>7.1f} | {percentile(values, 99) * 1000:>7.1f} | {stmts:>5} |{errors_text}"
    )


HEADER = (
    "| scenario                           | reqs   |  req/s   | p50 ms  | p95 ms  | p99 ms  | SQL/r |\n"
    "|------------------------------------|--------|----------|---------|---------|---------|-------|"
)


def run_service(
    name: str, call: Callable[[], object], counter: StatementCounter, max_requests: int, max_seconds: float
) -> str:
    for _ in range(5):  # warm caches and the connection pool
        call()
    latencies: list[float] = []
    statements = 0
    deadline = time.perf_counter() + max_seconds
    started = time.perf_counter()
    while len(latencies) < max_requests and time.perf_counter() < deadline:
        before = counter.count
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
        statements += counter.count - before
    return row(name, latencies, time.perf_counter() - started, statements / len(latencies))


def service_scenarios(args: argparse.Namespace) -> None:
    from sqlalchemy import event
    from sqlmodel import func, select

    from autocrm.core.db import get_engine, read_session
    from autocrm.models import Role, Ticket, User
    from autocrm.services import tickets
    from autocrm.services.actor import Actor
    from autocrm.services.tickets import TicketFilter

    rng = random.Random(42)
    engine = get_engine()
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    with read_session() as s:
        agents = list(s.exec(select(User).where(User.role == Role.agent).order_by(User.id)))
        low, high = s.exec(select(func.min(Ticket.id), func.max(Ticket.id))).one()
    actor = Actor.for_user(agents[0])
    agent_ids = [a.id for a in agents]

    def queue(make: Callable[[], TicketFilter]) -> Callable[[], object]:
        def call() -> object:
            with read_session() as s:
                return tickets.list_tickets(s, actor=actor, filters=make())

        return call

    def ticket_page() -> object:
        ticket_id = rng.randint(low, high)
        with read_session() as s:
            return tickets.get_ticket(s, actor=actor, ticket_id=ticket_id), tickets.list_messages(
                s, actor=actor, ticket_id=ticket_id
            )

    scenarios = {
        "queue: first page": queue(lambda: TicketFilter()),
        "queue: unsolved (status category)": queue(
            lambda: TicketFilter(status_category=["new", "open", "pending", "on_hold"])
        ),
        "queue: status + assignee": queue(
            lambda: TicketFilter(status=["open", "pending"], assignee_id=rng.choice(agent_ids))
        ),
        "queue: sorted by updated (asc)": queue(lambda: TicketFilter(sort="updated_at")),
        "queue: 50 pages deep": queue(lambda: TicketFilter(page=50)),
        "queue: search q=": queue(lambda: TicketFilter(q=rng.choice(SEARCH_TERMS))),
        "ticket page: get + messages": ticket_page,
    }
    print(f"\n### Service calls (in-process, one at a time), {args.db}, {args.tickets:,} tickets\n")
    print(HEADER)
    for name, call in scenarios.items():
        print(run_service(name, call, counter, args.requests, args.seconds), flush=True)
    event.remove(engine, "before_cursor_execute", counter)


def explain(args: argparse.Namespace) -> None:
    """The plans behind the queue's statements, as the database runs them."""
    from sqlalchemy import event
    from sqlmodel import select

    from autocrm.core.db import get_engine, read_session
    from autocrm.models import Role, User
    from autocrm.services import tickets
    from autocrm.services.actor import Actor
    from autocrm.services.tickets import TicketFilter

    engine = get_engine()
    with read_session() as s:
        agent = s.exec(select(User).where(User.role == Role.agent).order_by(User.id)).first()
    actor = Actor.for_user(agent)
    cases = {
        "first page": TicketFilter(),
        "status + assignee": TicketFilter(status=["open", "pending"], assignee_id=agent.id),
        "50 pages deep": TicketFilter(page=50),
        "search 'refund'": TicketFilter(q="refund"),
    }
    for name, filters in cases.items():
        counter = StatementCounter()
        counter.capture = True
        event.listen(engine, "before_cursor_execute", counter)
        with read_session() as s:
            tickets.list_tickets(s, actor=actor, filters=filters)
        event.remove(engine, "before_cursor_execute", counter)
        statement, parameters = next(
            (st, p) for st, p in counter.captured if st.lstrip().upper().startswith(("SELECT", "WITH"))
        )
        prefix = "EXPLAIN QUERY PLAN " if args.db == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        with engine.connect() as conn:
            plan = conn.exec_driver_sql(prefix + statement, parameters).fetchall()
        print(f"\n#### EXPLAIN {name} ({args.db})\n```")
        for line in plan:
            print(line[-1] if args.db == "sqlite" else line[0])
        print("```")


# ---- HTTP ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def http_load(
    port: int,
    key: str,
    make: Callable[[], tuple[str, str, bytes | None]],
    clients: int,
    max_requests: int,
    max_seconds: float,
) -> tuple[list[float], float, int]:
    """`clients` keep-alive connections, each sending its next request when the last one answered."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + max_seconds

    async def client() -> None:
        nonlocal issued, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while issued < max_requests and time.perf_counter() < deadline:
                issued += 1
                method, path, body = make()
                head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
                if body is not None:
                    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                t0 = time.perf_counter()
                writer.write(head.encode() + b"\r\n" + (body or b""))
                await writer.drain()
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if status >= 400:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - started, errors


def process_tree_rss_mb(pid: int) -> dict[int, float]:
    """Resident memory of a process and its children (the server's workers), from /proc."""
    result: dict[int, float] = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            result[current] = (
                int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return result


def process_tree_cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process and its children (the server's workers), from /proc."""
    total = 0.0
    for current in process_tree_rss_mb(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return total


def postgres_backends_cpu_seconds(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving `database` (this machine's server), from /proc:
    on a shared 2-core box the database's own work is part of every request's cost."""
    result: dict[int, float] = {}
    marker = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (
                not (entry / "cmdline").read_bytes().startswith(b"postgres: ")
                or marker not in (entry / "cmdline").read_bytes()
            ):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            result[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return result


def http_scenarios(args: argparse.Namespace) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import event
    from sqlmodel import col, select

    from autocrm.core.db import get_engine, read_session, write_session
    from autocrm.models import Role, StatusCategory, Ticket, TicketStatus, User
    from autocrm.services import api_keys
    from autocrm.services.actor import TICKETS_READ, TICKETS_WRITE, Actor

    api_init = ROOT / "autocrm" / "api" / "__init__.py"
    if not api_init.exists() or "def create_app" not in api_init.read_text():
        print("\n(HTTP scenarios skipped: autocrm/api has no create_app yet)")
        return
    from autocrm.api import create_app

    with write_session() as s:
        _key, raw_key = api_keys.create_api_key(
            s,
            actor=Actor.system("bench"),
            name=f"bench {time.time():.0f}",
            scopes=[TICKETS_READ, TICKETS_WRITE],
            role=Role.agent,
        )
    with read_session() as s:
        agent_ids = list(s.exec(select(User.id).where(User.role == Role.agent)))
        customer_ids = list(s.exec(select(User.id).where(User.role == Role.customer).limit(500)))
        open_keys = list(s.exec(select(TicketStatus.key).where(col(TicketStatus.category) != StatusCategory.closed)))
        ticket_ids = list(s.exec(select(Ticket.id).order_by(col(Ticket.id).desc()).limit(20_000)))
        reply_ids = list(s.exec(select(Ticket.id).where(col(Ticket.status).in_(open_keys)).limit(5_000)))
    rng = random.Random(7)

    def create() -> tuple[str, str, bytes]:
        body = {
            "subject": "Card not arrived",
            "body": "<p>My card has still not arrived, can you check?</p>",
            "requester_id": rng.choice(customer_ids),
            "priority": "normal",
            "tags": ["bench"],
        }
        return "POST", "/api/v1/tickets", json.dumps(body).encode()

    scenarios: dict[str, Callable[[], tuple[str, str, bytes | None]]] = {
        "API list": lambda: ("GET", "/api/v1/tickets", None),
        "API filter status+assignee": lambda: (
            "GET",
            f"/api/v1/tickets?status=open,pending&assignee={rng.choice(agent_ids)}",
            None,
        ),
        "API search q=": lambda: ("GET", f"/api/v1/tickets?q={rng.choice(SEARCH_TERMS).replace(' ', '+')}", None),
        "API get ticket": lambda: ("GET", f"/api/v1/tickets/{rng.choice(ticket_ids)}", None),
        "API create ticket": create,
        "API reply": lambda: (
            "POST",
            f"/api/v1/tickets/{rng.choice(reply_ids)}/messages",
            json.dumps({"body": "Thanks, we are looking into it.", "body_format": "text"}).encode(),
        ),
    }

    # SQL statements per request, counted in-process through the same app (one request at a time).
    counter = StatementCounter()
    engine = get_engine()
    client = TestClient(create_app())
    statements: dict[str, int] = {}
    event.listen(engine, "before_cursor_execute", counter)
    for name, make in scenarios.items():
        worst = 0
        for _ in range(3):
            method, path, body = make()
            before = counter.count
            response = client.request(
                method,
                path,
                content=body,
                headers={
                    "Authorization": f"Bearer {raw_key}",
                    **({"Content-Type": "application/json"} if body else {}),
                },
            )
            assert response.status_code < 400, (path, response.status_code, response.text)
            worst = max(worst, counter.count - before)
        statements[name] = worst
    event.remove(engine, "before_cursor_execute", counter)
    client.close()

    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Granian, the server `autocrm serve` runs the app's backend (and so the API) on; GRANIAN_WORKERS there.
    server_cmd = [
        str(ROOT / ".venv" / "bin" / "granian"),
        "--interface",
        "asgi",
        "autocrm.api:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(server_cmd, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    if b" 200 " in sock.recv(200):
                        break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("granian did not start")
            time.sleep(0.3)
        time.sleep(1.0)  # let both workers finish importing
        print(
            f"\n### HTTP, granian {server_cmd[3]} --workers {args.workers}, {args.clients} concurrent clients, "
            f"{args.db}, {args.tickets:,} tickets\n"
        )
        database = get_engine().url.database if args.db == "postgresql" else None
        print(
            HEADER.replace("SQL/r |\n", "SQL/r | server CPU ms/r | PostgreSQL CPU ms/r |\n").replace(
                "|-------|", "|-------|------------------|---------------------|"
            )
        )
        for name, make in scenarios.items():
            asyncio.run(http_load(port, raw_key, make, args.clients, 50, 5))  # warm-up
            cpu_before = process_tree_cpu_seconds(server.pid)
            db_before = postgres_backends_cpu_seconds(database) if database else {}
            latencies, seconds, errors = asyncio.run(
                http_load(port, raw_key, make, args.clients, args.http_requests, args.seconds)
            )
            done = max(len(latencies), 1)
            cpu_ms = (process_tree_cpu_seconds(server.pid) - cpu_before) / done * 1000
            db_text = "-"
            if database:
                db_after = postgres_backends_cpu_seconds(database)
                db_text = f"{sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items()) / done * 1000:.1f}"
            print(
                row(name, latencies, seconds, str(statements[name]), errors) + f" {cpu_ms:16.1f} | {db_text:>19} |",
                flush=True,
            )
        rss = process_tree_rss_mb(server.pid)
        print("\nserver memory (RSS, MB): " + ", ".join(f"pid {pid}: {mb:.0f}" for pid, mb in sorted(rss.items())))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=15_000)
    parser.add_argument(
        "--reseed", action="store_true", help="Drop and seed again even if a bench desk of this size exists."
    )
    parser.add_argument("--requests", type=int, default=1_000, help="Per service scenario, at most (default 1000).")
    parser.add_argument("--http-requests", type=int, default=3_000, help="Per HTTP scenario, at most (default 3000).")
    parser.add_argument("--seconds", type=float, default=10.0, help="Per scenario, at most (default 10).")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument("--explain", action="store_true", help="Also print the query plans of the queue's statements.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

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
    print(
        f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} before the runs"
    )
    if not args.skip_service:
        service_scenarios(args)
    if args.explain:
        explain(args)
    if not args.skip_http:
        http_scenarios(args)


if __name__ == "__main__":
    main()
