"""The portal home's "Articles for you" (`services/ai/suggestions.for_customer`): its cost, and how often what it
says is true.

    .venv/bin/python bench/suggest_for_customer.py                 # SQLite, 40 customers of 20 requests each
    .venv/bin/python bench/suggest_for_customer.py --db postgresql --customers 20

The StackFAQ desk of `bench/kb_eval.py` (125 web-app FAQ threads as articles). Each customer files 20 requests
through the ticket service, each a rephrased StackFAQ question about a different thread, the newest changed today
and each next one three days before; as many customers file 20 XQuAD questions (Wikipedia trivia, nothing this
FAQ holds). Printed:

- **time**: `for_customer` for a customer with 20 requests, p50 / p95 in ms, and its SQL statements: cold (the
  process's copies emptied before each call: the requests' batch embedding, the vector query and the article
  reads), with the requests' vectors kept (what a change to one of the requests costs: everything but the
  model), and with the picks kept (a home opened again: the requests' and the articles' checks only);
- per relevance floor: of the articles shown "because of your request #N", the share whose thread is request
  #N's own (**right request**), the share of customers' four newest requests that got their own thread
  (**newest answered**), and the share of trivia customers shown nothing "because of" a request (**silent,
  unrelated**).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]  # bench/queue.py is not the stdlib's
sys.path.insert(0, str(BENCH.parent))
from bench.kb_desk import desk, embed, write_articles  # noqa: E402
from bench.kb_eval import stackfaq, xquad  # noqa: E402

REQUESTS = 20
FLOORS = (0.35, 0.40, 0.45, 0.50, 0.55, 0.60)
NEWEST = 4


def file_requests(questions: list[str]) -> tuple[object, list[int]]:
    """A new customer with one request per question (the first the newest); the customer and the ticket ids."""
    from sqlalchemy import update

    from autocrm.core.db import write_session
    from autocrm.models import Role, Ticket
    from autocrm.models.base import utcnow
    from autocrm.services import tickets, users
    from autocrm.services.actor import Actor

    with write_session() as s:
        customer = users.create_user(
            s,
            actor=Actor.system("bench"),
            email=f"c{random.getrandbits(40)}@bench.example",
            name="Bench Customer",
            role=Role.customer,
        )
    actor = Actor.for_user(customer)
    ids = []
    now = utcnow()
    with write_session() as s:
        for age, question in enumerate(questions):
            ticket = tickets.create_ticket(
                s,
                actor=actor,
                data=tickets.TicketCreate(
                    subject=question[:250], body=f"Hi,\n\n{question}\n\nThanks", body_format="text"
                ),
            )
            at = now - timedelta(days=3 * age)
            s.exec(update(Ticket).where(Ticket.id == ticket.id).values(customer_updated_at=at))  # type: ignore[call-overload]
            ids.append(ticket.id)
    return actor, ids


def suggest(actor: object, timings: list[float], statements: list[int], *, forget: str = "") -> list:
    """`for_customer` once; `forget`: "" keeps the process's copies, "picks" forgets what was picked (as after a
    change to one of the requests), "all" the requests' vectors too."""
    from sqlalchemy import event

    from autocrm.core.db import get_engine, read_session
    from autocrm.services.ai import suggestions

    if forget:
        suggestions.PICKS.clear()
    if forget == "all":
        suggestions.REQUEST_VECTORS.clear()
    counted = [0]

    def count(*_args: object) -> None:
        counted[0] += 1

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        with read_session() as s:
            found = suggestions.for_customer(s, actor=actor, limit=suggestions.HOME_SUGGESTIONS)  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    statements.append(counted[0])
    return found


def percentiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=20)
    return f"p50 {statistics.median(values):6.1f} ms, p95 {cuts[18]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    articles, queries = stackfaq()
    by_thread: dict[int, list[str]] = {}
    for question, thread in queries:
        by_thread.setdefault(thread, []).append(question)
    _paragraphs, trivia_by_language = xquad(("en",), REQUESTS * args.customers, args.seed)
    trivia = [q for q, _gold in trivia_by_language["en"]]
    rng.shuffle(trivia)
    with desk(args.db):
        from autocrm.services.ai import suggestions

        ids = write_articles(articles)
        embed()
        faq_customers = []
        for _ in range(args.customers):
            threads = rng.sample(sorted(by_thread), REQUESTS)
            actor, ticket_ids = file_requests([rng.choice(by_thread[t]) for t in threads])
            faq_customers.append((actor, dict(zip(ticket_ids, [ids[t] for t in threads], strict=True)), ticket_ids))
        trivia_customers = [
            file_requests(trivia[n * REQUESTS : (n + 1) * REQUESTS])[0]
            for n in range(min(args.customers, len(trivia) // REQUESTS))
        ]
        print(
            f"StackFAQ: {len(ids)} articles; {len(faq_customers)} customers with {REQUESTS} FAQ requests each, "
            f"{len(trivia_customers)} with {REQUESTS} trivia questions; {args.db}"
        )
        suggest(faq_customers[0][0], [], [], forget="all")  # the model loaded, the index caught up
        runs: dict[str, tuple[list[float], list[int]]] = {"all": ([], []), "picks": ([], []), "": ([], [])}
        for actor, _gold, _ids in faq_customers:
            for forget, (timings, statements) in runs.items():
                suggest(actor, timings, statements, forget=forget)
        for forget, label in (("all", "cold"), ("picks", "vectors kept"), ("", "picks kept")):
            timings, statements = runs[forget]
            print(
                f"for_customer, {REQUESTS} requests, {label + ':':14} {percentiles(timings)}, "
                f"{statistics.median(statements):.0f} statements"
            )
        print(f"{'floor':>6} {'right request':>14} {'newest answered':>16} {'silent, unrelated':>18}")
        default_floor = suggestions.HOME_MIN_RELEVANCE
        try:
            for floor in FLOORS:
                suggestions.HOME_MIN_RELEVANCE = floor
                right = shown = newest = 0
                for actor, gold, ticket_ids in faq_customers:
                    found = suggest(actor, [], [], forget="picks")
                    because = [f for f in found if f.reason == "request" and f.request is not None]
                    shown += len(because)
                    right += sum(1 for f in because if gold[f.request.id] == f.article_id)
                    picked = {f.article_id for f in found}
                    newest += sum(1 for tid in ticket_ids[:NEWEST] if gold[tid] in picked)
                silent = sum(
                    1
                    for actor in trivia_customers
                    if not any(f.reason == "request" for f in suggest(actor, [], [], forget="picks"))
                )
                print(
                    f"{floor:>6.2f} {right / max(shown, 1):>14.3f} {newest / (NEWEST * len(faq_customers)):>16.3f} "
                    f"{silent / max(len(trivia_customers), 1):>18.3f}"
                )
        finally:
            suggestions.HOME_MIN_RELEVANCE = default_floor


if __name__ == "__main__":
    main()
