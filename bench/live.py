"""Live updates: the delay from a write to the change arriving in N connected tabs.

    .venv/bin/python bench/live.py                      # embedded default: SQLite, one app process
    .venv/bin/python bench/live.py --mode scale-out     # PostgreSQL + Redis, 2 app workers and 2 job workers
    .venv/bin/python bench/live.py --tabs 50 200 --writes 20

It serves the demo desk with `autocrm serve` (as the README does) in a throw-away data folder, signs one agent in,
and connects N emulated tabs to the agent's queue over Reflex's own socket.io protocol (python-socketio's client:
the CONNECT packet carries the page's hydrate-and-load event, as the browser's does). Each write is a REST
`PATCH /api/v1/tickets/{id}` of a ticket's subject to a fresh marker; a tab has the update when a state delta
holding the marker reaches it. Printed: p50/p95/max of write-start to arrival over every (write, tab), the
slowest tab per write, and tabs that missed a write within 5 s. Target: p95 < 250 ms at 200 tabs.

The tabs run in this process on the same two cores as the server, so the figures include their own cost
(printed: the CPU time the tabs' client spent per write, all tabs together).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("AUTOCRM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
AGENT = "maya.agent@demo.autocrm.dev"
HYDRATE = "reflex___state____state.hydrate_and_load"
HTTP = httpx.Client(
    timeout=10, trust_env=False, follow_redirects=True
)  # one client: each new one loads the CA bundle again


def _env(mode: str, data_dir: Path, port: int) -> dict[str, str]:
    from tests.browser.conftest import _project_env

    env = _project_env() | {"AUTOCRM_DATA_DIR": str(data_dir), "AUTOCRM_BASE_URL": f"http://localhost:{port}"}
    env |= {k: v for k, v in os.environ.items() if k == "AUTOCRM_LIVE_POLL_SECONDS"}
    if mode == "scale-out":
        from sqlalchemy import create_engine, text

        database = f"autocrm_bench_live_{uuid.uuid4().hex[:8]}"
        with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        env |= {
            "AUTOCRM_DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + database,
            "AUTOCRM_REDIS_URL": REDIS,
            "GRANIAN_WORKERS": "2",
        }
    return env


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"autocrm serve exited:\n{log.read_text()[-3000:]}")
        try:
            if HTTP.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("autocrm serve did not answer in 10 minutes")


def _credentials(env: dict[str, str]) -> tuple[str, str, int]:
    """(the agent's session cookie, an agent API key, an unsolved ticket's id), made with the services against
    the served desk's own database."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("AUTOCRM_")})
    from sqlmodel import col, select

    from autocrm.core.db import write_session
    from autocrm.models import Role, Ticket, User
    from autocrm.services import api_keys, auth
    from autocrm.services.actor import Actor
    from autocrm.services.users import UserPublic

    with write_session() as session:
        agent = session.exec(select(User).where(User.email == AGENT)).one()
        cookie = auth.start_login_session(session, user=UserPublic.model_validate(agent))
        _key, secret = api_keys.create_api_key(
            session,
            actor=Actor.system("bench"),
            name="live bench",
            scopes=["tickets:read", "tickets:write"],
            role=Role.agent,
        )
        ticket_id = session.exec(select(Ticket.id).order_by(col(Ticket.updated_at).desc())).first()
    return cookie, secret, int(ticket_id or 0)


def _state_schema(env: dict[str, str]) -> str:
    web = Path(env.get("REFLEX_WEB_WORKDIR") or ROOT / ".web")
    found = re.search(r'stateSchema = "([0-9a-f]+)"', (web / "utils" / "context.jsx").read_text())
    if not found:
        raise SystemExit("no state schema in the frontend build")
    return found.group(1)


class Tab:
    """One emulated browser tab on the agent's queue."""

    def __init__(self, base: str, cookie: str, schema: str) -> None:
        import socketio

        self.base, self.cookie, self.schema = base, cookie, schema
        self.client = socketio.AsyncClient(reconnection=False)
        self.loaded = asyncio.Event()
        self.waiting_for: str | None = None
        self.arrived: dict[str, float] = {}
        self.client.on("event", self._on_update, namespace="/_event")

    async def _on_update(self, update: dict[str, Any]) -> None:
        # Looks only at the queue's rows (no re-encoding): the tabs share the two cores with the server.
        for values in update.get("delta", {}).values():
            rows = values.get("rows_rx_state_")
            if rows is None:
                continue
            self.loaded.set()
            marker = self.waiting_for
            if marker and marker not in self.arrived and any(row.get("subject") == marker for row in rows):
                self.arrived[marker] = time.perf_counter()

    async def open(self) -> None:
        router = {"pathname": "/agent/", "asPath": "/agent/"}
        await self.client.connect(
            f"{self.base}?token={uuid.uuid4()}",
            headers={"Cookie": f"autocrm_session={self.cookie}", "Origin": self.base},
            auth={
                "event": {"name": HYDRATE, "payload": {"hashes": []}, "router_data": router},
                "state_schema": self.schema,
            },
            transports=["websocket"],
            namespaces=["/_event"],
            socketio_path="/_event",
            wait_timeout=30,
        )
        await asyncio.wait_for(self.loaded.wait(), timeout=60)

    async def close(self) -> None:
        await self.client.disconnect()


def _patch(base: str, key: str, ticket_id: int, subject: str) -> None:
    response = HTTP.patch(
        f"{base}/api/v1/tickets/{ticket_id}", json={"subject": subject}, headers={"Authorization": f"Bearer {key}"}
    )
    response.raise_for_status()


async def _measure(base: str, cookie: str, key: str, ticket_id: int, schema: str, tabs: int, writes: int) -> dict:
    opened: list[Tab] = []
    for start in range(0, tabs, 25):  # connect in waves, as tabs of a morning's sign-ins would
        wave = [Tab(base, cookie, schema) for _ in range(min(25, tabs - start))]
        await asyncio.gather(*(tab.open() for tab in wave))
        opened += wave
    await asyncio.sleep(1)
    delays: list[float] = []
    slowest: list[float] = []
    missed = 0
    cpu_started = time.process_time()
    try:
        for index in range(writes):
            marker = f"Live bench {index} {uuid.uuid4().hex[:8]}"
            for tab in opened:
                tab.waiting_for = marker
            started = time.perf_counter()
            await asyncio.to_thread(_patch, base, key, ticket_id, marker)
            deadline = started + 5
            while time.perf_counter() < deadline and not all(marker in tab.arrived for tab in opened):
                await asyncio.sleep(0.005)
            arrivals = [(tab.arrived[marker] - started) * 1000 for tab in opened if marker in tab.arrived]
            missed += tabs - len(arrivals)
            delays += arrivals
            if arrivals:
                slowest.append(max(arrivals))
            await asyncio.sleep(0.3)
    finally:
        cpu = time.process_time() - cpu_started
        await asyncio.gather(*(tab.close() for tab in opened), return_exceptions=True)
    return {"delays": delays, "slowest": slowest, "missed": missed, "tabs_cpu_ms": cpu * 1000 / max(writes, 1)}


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["embedded", "scale-out"], default="embedded")
    parser.add_argument("--tabs", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()

    from tests.browser.conftest import _free_port

    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="autocrm-bench-live-"))
    env = _env(args.mode, data_dir, port)
    base = f"http://localhost:{port}"
    log = data_dir / "server.log"
    processes = [
        subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "autocrm"), "serve", "--port", str(port), "--demo"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ]
    try:
        _wait_for(f"{base}/ping", processes[0], log)
        _wait_for(f"{base}/login", processes[0], log)
        if args.mode == "scale-out":  # a second job worker beside the one `serve` starts
            processes.append(
                subprocess.Popen(
                    [str(ROOT / ".venv" / "bin" / "autocrm"), "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        cookie, key, ticket_id = _credentials(env)
        schema = _state_schema(env)
        print(f"live updates, {args.mode}: write (REST PATCH) -> delta in every tab, {args.writes} writes")
        for tabs in args.tabs:
            result = asyncio.run(_measure(base, cookie, key, ticket_id, schema, tabs, args.writes))
            delays, slowest = result["delays"], result["slowest"]
            print(
                f"  {tabs:>4} tabs: p50 {_p(delays, 50):6.1f} ms  p95 {_p(delays, 95):6.1f} ms  "
                f"max {max(delays):6.1f} ms   slowest tab per write p50 {_p(slowest, 50):6.1f} ms "
                f"p95 {_p(slowest, 95):6.1f} ms   missed {result['missed']}   "
                f"the emulated tabs' own CPU {result['tabs_cpu_ms']:.0f} ms per write"
            )
    finally:
        import signal

        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if args.mode == "scale-out":
            import redis
            from sqlalchemy import create_engine, text

            redis.Redis.from_url(REDIS).flushdb()
            database = env["AUTOCRM_DATABASE_URL"].rsplit("/", 1)[1]
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
