"""Where the request suggestions' relevance floor (`services/ai/suggestions.MIN_RELEVANCE`) should sit.

    .venv/bin/python bench/suggest_floor.py                  # SQLite, every StackFAQ query, 400 XQuAD questions
    .venv/bin/python bench/suggest_floor.py --xquad-questions 100

The StackFAQ desk of `bench/kb_eval.py` (125 web-app FAQ threads as articles) is searched as the portal's
new-request form searches it (`suggestions._relevant` without its floor: `kb.search` as a visitor, then each hit's
best-passage cosine), and for each floor it prints:

- **answer shown**: of the 1,249 rephrased StackFAQ questions, how many get their own thread among the (at most
  3) suggestions left above the floor;
- **silent, unrelated**: of the English XQuAD questions (Wikipedia trivia, nothing this FAQ holds), how many
  get no suggestion at all;
- **silent, answer missing**: the StackFAQ questions again with their own thread left out, as if the desk had
  no article for them: how many get no suggestion (what is left is a neighbouring thread; some of those still
  help, so this is the harshest reading of noise).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]  # bench/queue.py is not the stdlib's
sys.path.insert(0, str(BENCH.parent))
from bench.kb_desk import desk, embed, write_articles  # noqa: E402
from bench.kb_eval import stackfaq, xquad  # noqa: E402

FLOORS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55)
SHOWN = 3


def scored(queries: list[str], timings: list[float]) -> list[list[tuple[int, float]]]:
    """Per query, the candidates in search order with their relevance; each query's milliseconds go to
    `timings` (the search and the relevance together: what a pause in typing costs the server)."""
    from autocrm.core.db import read_session
    from autocrm.services.ai import suggestions
    from autocrm.services.kb import search

    found: list[list[tuple[int, float]]] = []
    for query in queries:
        started = time.perf_counter()
        with read_session() as s:
            hits = search(s, actor=suggestions.VISITOR, q=query, locale="en", limit=suggestions.CANDIDATES).items
            scores = suggestions.relevance(s, query, [h.article_id for h in hits])
        timings.append((time.perf_counter() - started) * 1000)
        found.append([(h.article_id, scores[h.article_id]) for h in hits])
    return found


def shown(candidates: list[tuple[int, float]], floor: float, *, leave_out: int | None = None) -> list[int]:
    return [a for a, score in candidates if score >= floor and a != leave_out][:SHOWN]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--xquad-questions", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    articles, queries = stackfaq()
    _paragraphs, by_language = xquad(("en",), args.xquad_questions, args.seed)
    unrelated = [q for q, _gold in by_language["en"]]
    random.Random(args.seed).shuffle(unrelated)
    with desk("sqlite"):
        ids = write_articles(articles)
        embed()
        timings: list[float] = []
        faq = scored([q for q, _gold in queries], timings)
        trivia = scored(unrelated, timings)
    gold = [ids[g] for _q, g in queries]
    print(f"StackFAQ: {len(ids)} articles, {len(queries)} questions; XQuAD en: {len(unrelated)} unrelated questions")
    print(f"{'floor':>6} {'answer shown':>13} {'silent, unrelated':>18} {'silent, answer missing':>23}")
    for floor in FLOORS:
        answered = sum(1 for cands, g in zip(faq, gold, strict=True) if g in shown(cands, floor)) / len(faq)
        silent = sum(1 for cands in trivia if not shown(cands, floor)) / max(len(trivia), 1)
        missing = sum(1 for cands, g in zip(faq, gold, strict=True) if not shown(cands, floor, leave_out=g)) / len(faq)
        print(f"{floor:>6.2f} {answered:>13.3f} {silent:>18.3f} {missing:>23.3f}")
    cuts = statistics.quantiles(timings, n=20)
    print(f"search + relevance per query: median {statistics.median(timings):.1f} ms, p95 {cuts[18]:.1f} ms")


if __name__ == "__main__":
    main()
