"""How well triage suggests a new ticket's category from the desk's resolved tickets: BANKING77.

    .venv/bin/python bench/ai_eval_triage.py                  # SQLite, every test row
    .venv/bin/python bench/ai_eval_triage.py --db postgresql
    .venv/bin/python bench/ai_eval_triage.py --limit 500      # the first 500 test rows (quicker)

BANKING77 (PolyAI, CC BY 4.0, `bench/ai_data/banking77/SOURCES.md`): 10,003 customer messages of an online bank,
each labelled with one of 77 intents. The train rows become solved tickets on a fresh desk (subject and first
message: the text; the custom field `category`: its intent), imported through `services/imports.py` and
given their vectors by `triage.index_all` (what `autocrm ai reindex` runs); each of the 3,080 test rows is then
a new ticket triaged through `triage.triage` as an agent, embedding included, so the latency is what the
endpoint pays. Printed: accuracy and macro-F1 of the suggested category, for the neighbours alone and for the
blend with the classifier trained on the history, p50/p95 triage latency, and what the first triage after the
import cost (reading the history and fitting the classifier).

The train rows' vectors are cached in `bench/ai_data/.cache/` (gitignored), so a rerun skips embedding them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
# Not bench/ itself on the path: bench/queue.py would stand in for the standard library's queue (Chroma needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))
from bench.kb_desk import desk  # noqa: E402 (after the path it lives on)

DATA = BENCH / "ai_data" / "banking77"
CACHE = BENCH / "ai_data" / ".cache"
IMPORT_BATCH = 2_000


def load(part: str) -> list[tuple[str, str]]:
    """(text, intent) rows of `train` or `test`."""
    with (DATA / f"{part}.csv").open(encoding="utf-8", newline="") as f:
        return [(row["text"].strip(), row["category"]) for row in csv.DictReader(f)]


def subject_of(text: str) -> str:
    return " ".join(text.split())[:250]


class CachedEmbedder:
    """The real embedder behind a disk cache keyed by the model and the text."""

    def __init__(self) -> None:
        import numpy as np

        from autocrm.core.embedding import MODEL_ID

        self._np = np
        self._path = CACHE / f"banking77-{MODEL_ID}.npz"
        self._known: dict[str, Any] = {}
        if self._path.exists():
            with np.load(self._path) as stored:
                self._known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        self.added = 0

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def __call__(self, texts: list[str]) -> Any:
        from autocrm.core.embedding import embedder

        missing = [text for text in texts if self.key(text) not in self._known]
        if missing:
            for text, vector in zip(missing, embedder().embed(missing), strict=True):
                self._known[self.key(text)] = vector
            self.added += len(missing)
        return self._np.vstack([self._known[self.key(text)] for text in texts])

    def save(self) -> None:
        if not self.added:
            return
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = list(self._known)
        self._np.savez(self._path, keys=self._np.array(keys), vectors=self._np.vstack([self._known[k] for k in keys]))


def fill_history(train: list[tuple[str, str]]) -> tuple[Any, float, float]:
    """The train rows as solved tickets with their intent as `category`; (the agent, import s, vectors s)."""
    from autocrm.core.db import write_session
    from autocrm.models import CustomFieldType, Role
    from autocrm.services import desk as desk_service
    from autocrm.services import imports, users
    from autocrm.services.actor import Actor
    from autocrm.services.ai import triage

    admin = Actor.system("bench:triage")
    with write_session() as s:
        desk_service.create_custom_field(
            s, actor=admin, key="category", label="Category", field_type=CustomFieldType.text
        )
        customer = users.create_user(
            s, actor=admin, email="customer@bench.example", name="Bench Customer", role=Role.customer
        )
        agent = users.create_user(s, actor=admin, email="agent@bench.example", name="Bench Agent", role=Role.agent)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        {
            "subject": subject_of(text),
            "status": "solved",
            "requester_id": customer.id,
            "custom_fields": {"category": intent},
            "created_at": at,
            "messages": [{"author_id": customer.id, "body": text, "created_at": at}],
        }
        for text, intent in train
    ]
    started = time.perf_counter()
    for start in range(0, len(records), IMPORT_BATCH):
        with write_session() as s:
            imports.import_tickets(s, actor=admin, records=records[start : start + IMPORT_BATCH])
    imported = time.perf_counter() - started
    cached = CachedEmbedder()
    started = time.perf_counter()
    triage.index_all(embed=cached)
    cached.save()
    return agent, imported, time.perf_counter() - started


def macro_f1(pairs: list[tuple[str, str | None]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for gold, got in pairs if gold == label and got == label)
        fp = sum(1 for gold, got in pairs if gold != label and got == label)
        fn = sum(1 for gold, got in pairs if gold == label and got != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return sum(scores) / len(scores)


def evaluate(agent: Any, test: list[tuple[str, str]], *, classifier_weight: float) -> dict[str, float]:
    from autocrm.core.db import read_session
    from autocrm.services.actor import Actor
    from autocrm.services.ai import triage

    actor = Actor.for_user(agent)
    saved, triage.CLASSIFIER_WEIGHT = triage.CLASSIFIER_WEIGHT, classifier_weight
    pairs: list[tuple[str, str | None]] = []
    latencies: list[float] = []
    try:
        with read_session() as s:
            for text, intent in test:
                started = time.perf_counter()
                result = triage.triage(s, actor=actor, data=triage.TriageRequest(subject=subject_of(text), body=text))
                latencies.append((time.perf_counter() - started) * 1000)
                pairs.append((intent, result.category))
    finally:
        triage.CLASSIFIER_WEIGHT = saved
    latencies.sort()
    return {
        "accuracy": sum(1 for gold, got in pairs if gold == got) / len(pairs),
        "macro_f1": macro_f1(pairs),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
    }


def run(*, db: str = "sqlite", limit: int | None = None) -> list[dict[str, Any]]:
    """One row per method: {"benchmark", "method", "tickets", "accuracy", "macro_f1", "p50_ms", "p95_ms",
    "history", "first_triage_s"} (the lead's `bench/ai_eval.py` prints them with the other AI figures)."""
    train, test = load("train"), load("test")
    test = test[:limit] if limit else test
    rows: list[dict[str, Any]] = []
    with desk(db):
        from autocrm.core.db import read_session
        from autocrm.services.ai import triage

        triage.forget()
        agent, imported, indexed = fill_history(train)
        print(f"history: {len(train)} solved tickets imported in {imported:.1f} s, vectors in {indexed:.1f} s")
        started = time.perf_counter()
        with read_session() as s:
            triage.history(s, wait_for_fit=True)
        first = time.perf_counter() - started
        print(f"history read and classifier fit (a fresh process fits in a thread; this waits for it): {first:.1f} s")
        for method, weight in (("neighbours", 0.0), ("neighbours + classifier", triage.CLASSIFIER_WEIGHT)):
            figures = evaluate(agent, test, classifier_weight=weight)
            rows.append(
                {
                    "benchmark": "triage BANKING77",
                    "method": method,
                    "tickets": len(test),
                    "history": len(train),
                    "first_triage_s": round(first, 1),
                    **{
                        key: round(value, 4 if key in ("accuracy", "macro_f1") else 1) for key, value in figures.items()
                    },
                }
            )
        triage.forget()
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| benchmark | method | test tickets | accuracy | macro-F1 | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['benchmark']} | {r['method']} | {r['tickets']} | {r['accuracy']:.4f} | {r['macro_f1']:.4f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--limit", type=int, default=None, help="Triage only the first N test rows.")
    args = parser.parse_args(argv)
    print_table(run(db=args.db, limit=args.limit))


if __name__ == "__main__":
    main()
