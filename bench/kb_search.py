"""Knowledge-base indexing throughput and search latency at 10,000 articles, on SQLite and PostgreSQL.

    .venv/bin/python bench/kb_search.py                       # both databases, 10,000 articles, 300 queries
    .venv/bin/python bench/kb_search.py --db sqlite --articles 2000

- **Articles**: made from the BANKING77 customer queries the bench desk uses (`autocrm/seed_data/banking77`,
  CC BY 4.0): each is titled by one query and answers with five others of the same intent and a section, so
  most articles are two passages (the benches' help centre is as long as a real one, its texts as short).
- **Indexing**: the articles are published through `kb.create_article` in transactions of 200 (passages and
  keyword index written with them), then every passage is embedded as the `kb.index` job does: articles/s
  for the writes, passages/s for the embeddings.
- **Search**: `kb.search` as a customer, limit 10, with held-out BANKING77 queries (the `test` rows are not
  in the seed data, so the queries are the train rows not used as titles), keyword, dense and hybrid:
  p50 and p95 in ms, each in its own read transaction, the query's embedding included.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from html import escape
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# Not bench/ itself on the path: bench/queue.py would stand in for the standard library's queue (Chroma needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))
from bench.kb_desk import desk, embed, write_articles  # noqa: E402 (after the path it lives on)

BANKING77 = BENCH.parent / "autocrm" / "seed_data" / "banking77" / "train.csv"
MODES = ("keyword", "dense", "hybrid")


def material(articles: int, queries: int, seed: int) -> tuple[list[dict[str, str]], list[str]]:
    rows = list(csv.DictReader(BANKING77.open(encoding="utf-8")))
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_intent[row["category"]].append(row["text"].strip())
    rng = random.Random(seed)
    texts = [row["text"].strip() for row in rows]
    rng.shuffle(texts)
    held_out = texts[:queries]
    titles = [text for text in texts[queries:] if len(text) <= 180]  # room for a " (2)" on the second round
    intent_of = {row["text"].strip(): row["category"] for row in rows}
    made = []
    for number in range(articles):
        title = titles[number % len(titles)]
        intent = intent_of[title]
        answer = rng.sample(by_intent[intent], 5)
        topic = intent.replace("_", " ")
        made.append(
            {
                "title": title if number < len(titles) else f"{title} ({number // len(titles) + 1})",
                "body": "<p>"
                + escape(" ".join(answer[:3]))
                + f"</p><h2>More about {escape(topic)}</h2><p>"
                + escape(" ".join(answer[3:]))
                + "</p>",
            }
        )
    return made, held_out


def run(db: str, articles: list[dict[str, str]], queries: list[str]) -> None:
    from sqlmodel import func, select

    from autocrm.core.db import read_session
    from autocrm.models import KbChunk, Role
    from autocrm.services import kb
    from autocrm.services.actor import Actor

    with desk(db):
        started = time.perf_counter()
        write_articles(articles)
        wrote = time.perf_counter() - started
        with read_session() as s:
            passages = s.exec(select(func.count()).select_from(KbChunk)).one()
        started = time.perf_counter()
        embedded = embed()
        embedding = time.perf_counter() - started
        print(
            f"\n{db}: {len(articles):,} articles, {passages:,} passages\n"
            f"  writing (passages + keyword index)  {wrote:7.1f} s  {len(articles) / wrote:8,.0f} articles/s"
            f"  {passages / wrote:8,.0f} passages/s\n"
            f"  embedding (dense index)             {embedding:7.1f} s  {len(articles) / embedding:8,.0f} articles/s"
            f"  {embedded / embedding:8,.0f} passages/s"
        )
        customer = Actor(role=Role.customer, label="bench")
        with read_session() as s:  # the first search loads the model and fills the process's collection
            kb.search(s, actor=customer, q="warm up", limit=10)
        print(f"  {'search':<10} {'p50 ms':>8} {'p95 ms':>8}  ({len(queries)} queries, limit 10)")
        for mode in MODES:
            times = []
            for query in queries:
                started = time.perf_counter()
                with read_session() as s:
                    kb.search(s, actor=customer, q=query, limit=10, mode=mode)  # type: ignore[arg-type]
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            print(f"  {mode:<10} {statistics.median(times):>8.1f} {times[int(len(times) * 0.95)]:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    articles, queries = material(args.articles, args.queries, args.seed)
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, articles, queries)


if __name__ == "__main__":
    main()
