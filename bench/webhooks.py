"""Webhook delivery lag: from a write's commit to its signed POST arriving at a receiver, at a steady event rate.

    .venv/bin/python bench/webhooks.py                       # SQLite (1 worker) and PostgreSQL + Redis (2 workers)
    .venv/bin/python bench/webhooks.py --rate 100 --seconds 10 --db sqlite

The bench makes a fresh desk, one subscription to `message.internal_created` pointing at an HTTP receiver on
loopback in this process (`AUTOCRM_WEBHOOK_ALLOW_PRIVATE=1`), and starts real `autocrm worker` processes
against it. It then adds internal notes (real `tickets.add_message` writes, spread over 200 tickets) at
`--rate` per second for `--seconds`, and waits for every delivery. Lag is the receiver's arrival time minus
the event's timestamp in the body (the write's own clock), so it covers the wake-up, the fan-out job, the
delivery claim, signing and the POST. Each body's signature is checked with `standardwebhooks`. Target:
p95 < 1 s at 100 events/s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("AUTOCRM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TICKETS = 200  # ~5 notes each over a 10 s run: conversations of a usual length


def _desk(env: dict[str, str]) -> None:
    from sqlmodel import SQLModel

    import autocrm.models  # noqa: F401 (registers the tables)
    from autocrm.core.db import dispose_engines, get_engine, write_session
    from autocrm.core.settings import reset_settings
    from autocrm.services import desk

    os.environ.update(env)
    reset_settings()
    dispose_engines()
    SQLModel.metadata.create_all(get_engine())
    with write_session() as s:
        desk.ensure_defaults(s)


def _settle(timeout: float = 180.0) -> None:
    from autocrm.events import runner, webhook_delivery

    deadline = time.monotonic() + timeout
    time.sleep(1.0)
    while (runner.any_due() or webhook_delivery.any_due()) and time.monotonic() < deadline:
        time.sleep(0.2)


def _run(label: str, env: dict[str, str], workers: int, rate: float, seconds: float) -> None:
    from argon2 import PasswordHasher
    from standardwebhooks import Webhook

    from autocrm.core.db import dispose_engines, write_session
    from autocrm.models import Role
    from autocrm.services import auth, tickets, webhooks
    from autocrm.services.actor import Actor
    from tests.factories import make_ticket, make_user
    from tests.webhook_receiver import receiver

    # The set-up makes 400 people: cheap password hashing keeps it short (sign-in is not what is measured).
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # noqa: SLF001
    _desk(env)
    with receiver() as hook:
        with write_session() as s:
            sub = webhooks.create_webhook(
                s,
                actor=Actor.system("bench"),
                data=webhooks.WebhookCreate(url=hook.url, events=["message.internal_created"]),
            )
        agent = make_user(Role.agent)
        ticket_ids = [make_ticket(by=agent, requester=make_user(Role.customer)).id for _ in range(TICKETS)]
        actor = Actor.for_user(agent)
        processes = [
            subprocess.Popen(  # noqa: S603 (the project's own command)
                [str(ROOT / ".venv" / "bin" / "autocrm"), "worker"],
                cwd=ROOT,
                env=os.environ | env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            _settle()  # the workers start and work off the set-up's own jobs (its mails) first
            already = len(hook.requests)
            total = int(rate * seconds)
            started = time.perf_counter()
            for n in range(total):
                wait = started + n / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                with write_session() as s:
                    tickets.add_message(
                        s,
                        actor=actor,
                        ticket_id=ticket_ids[n % TICKETS],
                        data=tickets.MessageCreate(body=f"Bench note {n}", internal=True),
                    )
            sent_for = time.perf_counter() - started
            received = hook.wait_for(already + total, timeout=120)[already:]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
    verifier = Webhook(sub.secret)
    lags = sorted(
        r.at - datetime.fromisoformat(verifier.verify(r.body, r.headers)["timestamp"]).timestamp() for r in received
    )
    ids = {r.headers["webhook-id"] for r in received}
    print(
        f"{label:<34} {total} events in {sent_for:.1f} s ({total / sent_for:.0f}/s)  lag {_spread(lags)}  "
        f"distinct webhook-ids {len(ids)}"
    )
    for stage, seconds in _stages().items():
        print(f"{'':<36}{stage:<34} {_spread(seconds)}")
    dispose_engines()


def _spread(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
    return f"p50 {p50 * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms  max {ordered[-1] * 1000:.0f} ms"


def _stages() -> dict[str, list[float]]:
    """Where the lag goes, from the rows' own stamps: the event's commit to its fan-out job done (the job's
    wait and run), and the delivery row's creation to its (first) attempt done (the sender's wait and POST)."""
    from sqlmodel import col, select

    from autocrm.core.db import read_session
    from autocrm.models import EventRecord, Job, WebhookDelivery

    with read_session() as session:
        fan_outs = session.exec(
            select(EventRecord.created_at, Job.finished_at)
            .join(Job, col(Job.event_id) == col(EventRecord.id))
            .where(col(Job.name) == "webhooks.fan_out", col(EventRecord.type) == "message.created")
        ).all()
        sends = session.exec(select(WebhookDelivery.created_at, WebhookDelivery.last_attempt_at)).all()
    return {
        "event to fan-out done": [(done - at).total_seconds() for at, done in fan_outs if done is not None],
        "delivery row to attempt done": [(done - at).total_seconds() for at, done in sends if done is not None],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    common = {"AUTOCRM_WEBHOOK_ALLOW_PRIVATE": "1", "AUTOCRM_SECRET_KEY": "bench-secret-key"}
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="autocrm-bench-webhooks-") as folder:
            env = common | {
                "AUTOCRM_DATA_DIR": folder,
                "AUTOCRM_DATABASE_URL": f"sqlite:///{folder}/autocrm.db",
            }
            _run("SQLite, 1 worker, no Redis", env, 1, args.rate, args.seconds)
    if args.db in ("postgresql", "both"):
        from sqlalchemy import create_engine, text

        name = f"autocrm_bench_webhooks_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            with tempfile.TemporaryDirectory(prefix="autocrm-bench-webhooks-") as folder:
                env = common | {
                    "AUTOCRM_DATA_DIR": folder,
                    "AUTOCRM_DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + "/" + name,
                    "AUTOCRM_REDIS_URL": REDIS,
                }
                _run("PostgreSQL + Redis, 2 workers", env, 2, args.rate, args.seconds)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
