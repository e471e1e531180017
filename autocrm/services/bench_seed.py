"""A desk the size of a real one, for benchmarks: `autocrm seed --bench --tickets N`.

100 agents in 80 teams, 4,000 customers in 400 organizations, three custom fields, and N tickets spread
over two years with 2-6 messages each (public replies and internal notes), tags, priorities and a
status mix where old tickets are settled and recent ones are still being worked. Ticket texts are real
customer queries from BANKING77 (seed_data/banking77, CC BY 4.0, see SOURCE.md).

People and teams are written directly (4,100 rows in a few statements); every ticket goes through the
batched import service, `autocrm.services.imports`, with its full validation, one transaction and one
audit entry per batch. Deterministic for a given seed.
"""

from __future__ import annotations

import gc
import random
import re
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from autocrm.core.db import stored_id, table_of, write_session
from autocrm.models import CustomFieldType, Organization, Role, Team, TeamMembership, User
from autocrm.models.base import utcnow
from autocrm.services import audit, desk, imports, setup
from autocrm.services.actor import Actor
from autocrm.services.auth import hash_password
from autocrm.services.seed import (
    AGENT_REPLIES,
    CUSTOMER_FOLLOW_UPS,
    FIRST_NAMES,
    LAST_NAMES,
    NOTES,
    fix_for,
    load_queries,
    subject_from,
)

BENCH_PASSWORD = "autocrm-bench"  # noqa: S105 (bench desks only, on this machine)
BENCH_ADMIN_EMAIL = "admin@bench.autocrm.dev"
AGENTS, CUSTOMERS, ORGANIZATIONS, TEAMS = 100, 4_000, 400, 80
BATCH = 1_000
DAYS = 730
TEAM_AREAS = [
    "Cards",
    "Payments",
    "Transfers",
    "Top-ups",
    "Exchange",
    "Accounts",
    "Verification",
    "Security",
    "Disputes",
    "Business",
    "Lending",
    "Savings",
    "Crypto",
    "Onboarding",
    "Retention",
    "VIP",
]
REGIONS = ["EMEA", "Americas", "APAC", "Nordics", "DACH"]
PLANS = ["standard", "plus", "premium", "metal", "business"]
ACTOR = Actor.system("seed:bench")


@dataclass
class BenchSummary:
    users: int
    tickets: int
    messages: int
    seconds: float
    import_seconds: float  # inside imports.import_tickets (validation + writes), without generating the records

    @property
    def tickets_per_second(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0


@dataclass
class _People:
    agents: list[int]
    customers: list[tuple[int, int | None, str]]  # id, organization id, first name
    team_members: dict[int, list[int]]
    team_ids: list[int]


def bench_already_seeded(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(User)).one() > 0


def _people(session: Session, rng: random.Random) -> _People:
    """Organizations, teams, agents (with memberships), customers and the custom fields, in bulk."""
    desk.ensure_defaults(session)
    now = utcnow()
    password_hash = hash_password(BENCH_PASSWORD)  # one hash for every bench account keeps seeding fast
    # Published in the README: a server off loopback retires it (`seed.retire_published_passwords`).
    setup.set_value(session, setup.DEMO_PASSWORDS, password_hash)
    session.execute(
        insert(table_of(Organization)),
        [
            {"name": f"{rng.choice(LAST_NAMES)} {kind} {i:03d}", "domain": f"org{i:03d}.example", "created_at": now}
            for i, kind in enumerate(
                rng.choice(["Traders", "Labs", "Logistics", "Studio", "Foods", "Health"]) for _ in range(ORGANIZATIONS)
            )
        ],
    )
    org_ids = list(session.exec(select(Organization.id).order_by(col(Organization.id))))
    session.execute(
        insert(table_of(Team)),
        [
            {
                "name": f"{TEAM_AREAS[i % len(TEAM_AREAS)]} {REGIONS[i // len(TEAM_AREAS)]}",
                "description": "",
                "holidays": [],  # a Core insert skips the model's default
                "created_at": now,
            }
            for i in range(TEAMS)
        ],
    )
    team_ids = [stored_id(tid) for tid in session.exec(select(Team.id).order_by(col(Team.id)))]

    def user(email: str, name: str, role: Role, org: int | None = None) -> dict[str, Any]:
        return {
            "email": email,
            "name": name,
            "role": role,
            "password_hash": password_hash,
            "organization_id": org,
            "is_active": True,
            "created_at": now,
            "updated_at": now,
            "last_login_at": None,
        }

    rows = [user(BENCH_ADMIN_EMAIL, "Bench Admin", Role.admin)]
    rows += [
        user(f"agent{i:03d}@bench.autocrm.dev", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", Role.agent)
        for i in range(AGENTS)
    ]
    customer_names = []
    for i in range(CUSTOMERS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        org = org_ids[i % ORGANIZATIONS]
        customer_names.append(first)
        rows.append(
            user(
                f"{first}.{last}.{i:04d}@org{(i % ORGANIZATIONS):03d}.example".lower(),
                f"{first} {last}",
                Role.customer,
                org,
            )
        )
    session.execute(insert(table_of(User)), rows)
    users = list(session.exec(select(User.id, User.role, User.organization_id).order_by(col(User.id))))
    agents = [stored_id(uid) for uid, role, _org in users if role == Role.agent]
    customers = [
        (stored_id(uid), org, customer_names[n])
        for n, (uid, _role, org) in enumerate(u for u in users if u[1] == Role.customer)
    ]

    members: dict[int, list[int]] = {tid: [] for tid in team_ids}
    memberships = []
    for n, agent in enumerate(agents):
        for team in {team_ids[n % TEAMS], team_ids[(n * 7 + 3) % TEAMS]}:
            members[team].append(agent)
            memberships.append({"team_id": team, "user_id": agent})
    session.execute(insert(table_of(TeamMembership)), memberships)

    desk.create_custom_field(
        session, actor=ACTOR, key="plan", label="Plan", field_type=CustomFieldType.select, options=PLANS
    )
    desk.create_custom_field(
        session, actor=ACTOR, key="amount", label="Amount (EUR)", field_type=CustomFieldType.number
    )
    desk.create_custom_field(
        session, actor=ACTOR, key="kyc_verified", label="KYC verified", field_type=CustomFieldType.checkbox
    )
    audit.record(
        session,
        actor=ACTOR,
        action="seed.users",
        object_type="desk",
        object_id=None,
        changes={"users": (0, len(rows)), "teams": (0, TEAMS), "organizations": (0, ORGANIZATIONS)},
    )
    return _People(agents=agents, customers=customers, team_members=members, team_ids=team_ids)


def _status_for(age_days: float, rng: random.Random) -> str:
    """Settled history under a live queue: old tickets are closed or solved, the last weeks are open."""
    if age_days > 21:
        return rng.choices(["closed", "solved", "on_hold", "pending"], weights=[86, 12, 1, 1])[0]
    if age_days > 3:
        return rng.choices(["closed", "solved", "open", "pending", "on_hold"], weights=[25, 35, 20, 15, 5])[0]
    return rng.choices(["new", "open", "pending", "on_hold", "solved"], weights=[30, 35, 20, 5, 10])[0]


def ticket_records(
    total: int, people: _People, *, seed: int = 7, days: int = DAYS, now: datetime | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Batches of import records, oldest first, created over the `days` days before `now`."""
    now = now or utcnow()
    for index in range(-(-total // BATCH)):
        yield ticket_batch(index, total, people, seed=seed, days=days, now=now)


def ticket_batch(
    index: int, total: int, people: _People, *, seed: int, days: int, now: datetime
) -> list[dict[str, Any]]:
    """Batch `index` of `ticket_records`. Each batch has its own random stream, so any process can make
    any batch (the importing processes make their own instead of unpickling them from the parent)."""
    rng = random.Random(seed * 1_000_003 + index + 1)
    queries = load_queries()
    start = now - timedelta(days=days)
    span = (now - start).total_seconds() - 3600
    batch: list[dict[str, Any]] = []
    for number in range(index * BATCH, min(total, (index + 1) * BATCH)):
        text, category = queries[rng.randrange(len(queries))]
        customer_id, org_id, first = people.customers[rng.randrange(len(people.customers))]
        created = start + timedelta(seconds=span * (number + rng.random()) / total)
        age_days = (now - created).total_seconds() / 86400
        status = _status_for(age_days, rng)
        team = (
            people.team_ids[zlib.crc32(category.encode()) % len(people.team_ids)]
            if rng.random() < 0.9
            else rng.choice(people.team_ids)
        )
        assignee = None if status == "new" else rng.choice(people.team_members[team] or people.agents)
        messages: list[dict[str, Any]] = [
            {"author_id": customer_id, "body": f"Hi,\n\n{text}\n\nThanks,\n{first}", "created_at": created}
        ]
        at = created
        budget = min(timedelta(days=6), (now - created) * 0.9)
        wanted = rng.choices([2, 3, 4, 5, 6], weights=[30, 30, 20, 12, 8])[0]
        while len(messages) < wanted:
            at = at + budget / (wanted + 1) * rng.uniform(0.3, 1.0)
            staff_turn = len(messages) % 2 == 1
            if staff_turn and assignee is not None:
                if rng.random() < 0.2:
                    messages.append(
                        {"author_id": assignee, "internal": True, "body": rng.choice(NOTES), "created_at": at}
                    )
                    continue
                body = rng.choice(AGENT_REPLIES).format(first=first, fix=fix_for(category))
                messages.append({"author_id": assignee, "body": body, "created_at": at})
            elif staff_turn:  # nobody assigned yet: the customer adds detail
                messages.append(
                    {"author_id": customer_id, "body": queries[rng.randrange(len(queries))][0], "created_at": at}
                )
            else:
                messages.append({"author_id": customer_id, "body": rng.choice(CUSTOMER_FOLLOW_UPS), "created_at": at})
        tags = [re.sub(r"[^a-z0-9_\-:.]", "", category.replace("_", "-"))[:50]]
        priority = rng.choices(["low", "normal", "high", "urgent"], weights=[20, 55, 18, 7])[0]
        if priority in ("high", "urgent") and rng.random() < 0.5:
            tags.append("escalated")
        if org_id and rng.random() < 0.3:
            tags.append("business")
        custom: dict[str, Any] = {"plan": PLANS[customer_id % len(PLANS)], "kyc_verified": customer_id % 7 != 0}
        if rng.random() < 0.4:
            custom["amount"] = round(rng.uniform(5, 5000), 2)
        batch.append(
            {
                "subject": subject_from(text),
                "status": status,
                "priority": priority,
                "channel": rng.choices(["web", "email", "chat", "phone", "api"], weights=[40, 35, 15, 5, 5])[0],
                "requester_id": customer_id,
                "assignee_id": assignee,
                "team_id": team,
                "tags": tags,
                "custom_fields": custom,
                "created_at": created,
                "updated_at": max(m["created_at"] for m in messages),
                "messages": messages,
            }
        )
    return batch


def _import_batch(batch: list[dict[str, Any]]) -> tuple[int, int, float]:
    started = time.perf_counter()
    with write_session() as session:
        result = imports.import_tickets(session, actor=ACTOR, records=batch)
    return result.tickets, result.messages, time.perf_counter() - started


_worker_job: dict[str, Any] = {}


def _start_worker(people: _People, total: int, seed: int, now: datetime) -> None:
    _worker_job.update(people=people, total=total, seed=seed, now=now)
    # A batch allocates ~100,000 objects, and the cyclic collector's full passes would walk every object of
    # the loaded modules each time: move those out of its reach (this process only imports).
    gc.freeze()
    gc.set_threshold(100_000, 50, 50)


def _make_and_import_batch(index: int) -> tuple[int, int, float]:
    job = _worker_job
    return _import_batch(ticket_batch(index, job["total"], job["people"], seed=job["seed"], days=DAYS, now=job["now"]))


def seed_bench(
    *, tickets: int = 15_000, seed: int = 7, workers: int = 1, progress: Callable[[int, int, float], None] | None = None
) -> BenchSummary:
    """Fills an empty desk; each batch of BATCH tickets is its own transaction. Returns the import rate.

    `workers` > 1 (PostgreSQL) makes and imports batches in that many processes: validation overlaps, and
    only the short write phase queues on the ticket-number counter row. The records are the same for any
    number of workers (each batch has its own random stream).
    On SQLite keep 1: a write transaction holds the database's single write lock from its first statement."""
    rng = random.Random(seed)
    with write_session() as session:
        people = _people(session, rng)
        user_count = session.exec(select(func.count()).select_from(User)).one()
    started = time.perf_counter()
    done = messages = 0
    import_seconds = 0.0

    def account(result: tuple[int, int, float]) -> None:
        nonlocal done, messages, import_seconds
        done += result[0]
        messages += result[1]
        import_seconds += result[2]
        if progress is not None:
            progress(done, tickets, time.perf_counter() - started)

    if workers <= 1:
        for batch in ticket_records(tickets, people, seed=seed):
            account(_import_batch(batch))
    else:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        # Each process makes the batches it imports: sending them would cost more CPU (pickling ~1,000
        # records with their messages, both ways) than making them.
        now = utcnow()
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(people, tickets, seed, now),
        ) as pool:
            pending: set[Any] = set()
            for index in range(-(-tickets // BATCH)):
                pending.add(pool.submit(_make_and_import_batch, index))
                if len(pending) >= 2 * workers:  # bounded: at most two batches queued per worker
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        account(future.result())
            for future in wait(pending).done:
                account(future.result())
        import_seconds /= workers  # wall time of the import phase, not the sum over processes
    return BenchSummary(
        users=user_count,
        tickets=done,
        messages=messages,
        seconds=time.perf_counter() - started,
        import_seconds=import_seconds,
    )
