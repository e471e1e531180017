"""How well knowledge-base search finds the right article: recall@1, recall@5 and MRR, keyword-only, dense-only
and hybrid.

    .venv/bin/python bench/kb_eval.py                       # SQLite, every StackFAQ query, 400 XQuAD questions
    .venv/bin/python bench/kb_eval.py --db postgresql       # PostgreSQL's stemmed keyword index instead
    .venv/bin/python bench/kb_eval.py --xquad-questions 0   # StackFAQ only

- **StackFAQ** (same language): 125 StackExchange threads become articles (the question is the title, each
  answer a paragraph); each of the 1,249 user rephrasings is a query whose answer is its thread.
- **XQuAD** (across languages): the 240 English paragraphs become articles titled by their Wikipedia article;
  the questions in Spanish and German (English for comparison) search with the asker's locale and
  `cross_locale=true`; the answer is the question's paragraph.

Articles are written through `kb.create_article` and embedded as the `kb.index` job does, and every query is a
real `kb.search` as a customer (limit 10), so the figures are what the portal's search box gives.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# Not bench/ itself on the path: bench/queue.py would stand in for the standard library's queue (Chroma needs it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))
from bench.kb_desk import DATA, desk, embed, write_articles  # noqa: E402 (after the path it lives on)

MODES = ("keyword", "dense", "hybrid")
LIMIT = 10


def stackfaq() -> tuple[list[dict[str, str]], list[tuple[str, int]]]:
    """(articles, [(query, index of its article)])."""
    pairs = json.loads((DATA / "stackfaq" / "stackExchange-FAQ.json").read_text(encoding="utf-8"))["root"]["qapair"]
    articles, queries = [], []
    for number, pair in enumerate(pairs):
        answers = pair["answer"] if isinstance(pair["answer"], list) else [pair["answer"]]
        articles.append({"title": pair["question"], "body": "".join(f"<p>{escape(str(a))}</p>" for a in answers if a)})
        rephrasings = pair["rephr"] if isinstance(pair["rephr"], list) else [pair["rephr"]]
        queries += [(r.strip(), number) for r in rephrasings if r and r.strip() not in ("", "*")]
    return articles, queries


def xquad(languages: tuple[str, ...], per_language: int, seed: int) -> tuple[list[dict[str, str]], dict[str, list]]:
    """(English paragraph articles, {language: [(question, index of its paragraph)]}), the same sampled
    questions in every language."""
    english = json.loads((DATA / "xquad" / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    articles: list[dict[str, str]] = []
    paragraph_of: dict[str, int] = {}
    for doc in english:
        title = doc["title"].replace("_", " ")
        for paragraph in doc["paragraphs"]:
            for qa in paragraph["qas"]:
                paragraph_of[qa["id"]] = len(articles)
            articles.append({"title": title, "body": f"<p>{escape(paragraph['context'])}</p>"})
    ids = sorted(paragraph_of)
    chosen = set(random.Random(seed).sample(ids, min(per_language, len(ids))))
    queries: dict[str, list[tuple[str, int]]] = {}
    for language in languages:
        data = json.loads((DATA / "xquad" / f"xquad.{language}.json").read_text(encoding="utf-8"))["data"]
        queries[language] = [
            (qa["question"], paragraph_of[qa["id"]])
            for doc in data
            for paragraph in doc["paragraphs"]
            for qa in paragraph["qas"]
            if qa["id"] in chosen
        ]
    return articles, queries


def evaluate(queries: list[tuple[str, int]], ids: list[int], *, locale: str, cross_locale: bool) -> dict[str, dict]:
    from autocrm.core.db import read_session
    from autocrm.models import Role
    from autocrm.services import kb
    from autocrm.services.actor import Actor

    customer = Actor(role=Role.customer, label="bench")
    results: dict[str, dict] = {}
    for mode in MODES:
        ranks: list[int | None] = []
        started = time.perf_counter()
        for query, gold in queries:
            with read_session() as s:
                hits = kb.search(
                    s, actor=customer, q=query, locale=locale, limit=LIMIT, cross_locale=cross_locale, mode=mode
                )  # type: ignore[arg-type]
            found = [h.article_id for h in hits.items]
            ranks.append(found.index(ids[gold]) + 1 if ids[gold] in found else None)
        seconds = time.perf_counter() - started
        results[mode] = {
            "r1": sum(1 for r in ranks if r == 1) / len(ranks),
            "r5": sum(1 for r in ranks if r is not None and r <= 5) / len(ranks),
            "mrr": sum(1 / r for r in ranks if r is not None) / len(ranks),
            "ms": seconds * 1000 / len(ranks),
        }
    return results


def report(name: str, queries: int, results: dict[str, dict]) -> None:
    print(f"\n{name} ({queries} queries)")
    print(f"  {'mode':<8} {'recall@1':>9} {'recall@5':>9} {'MRR':>7} {'ms/query':>9}")
    for mode, r in results.items():
        print(f"  {mode:<8} {r['r1']:>9.3f} {r['r5']:>9.3f} {r['mrr']:>7.3f} {r['ms']:>9.1f}")


def run_set(name: str, articles: list[dict[str, str]], runs: list[tuple[str, list, str, bool]], db: str) -> None:
    with desk(db):
        started = time.perf_counter()
        ids = write_articles(articles)
        passages = embed()
        print(f"\n{name}: {len(ids)} articles, {passages} passages indexed in {time.perf_counter() - started:.1f} s")
        for label, queries, locale, cross in runs:
            report(label, len(queries), evaluate(queries, ids, locale=locale, cross_locale=cross))


def main(argv: list[str] | None = None, *, tune: Callable[[], None] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--xquad-questions", type=int, default=400, help="Questions per language (0: skip XQuAD).")
    parser.add_argument("--skip-stackfaq", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if tune is not None:
        tune()
    from autocrm.services.kb import index

    search = importlib.import_module("autocrm.services.kb.search")  # the package's `search` is the function
    print(f"database {args.db}; RRF k={search.RRF_K}, MIN_SIMILARITY={index.MIN_SIMILARITY}")
    if not args.skip_stackfaq:
        articles, queries = stackfaq()
        run_set("StackFAQ", articles, [("StackFAQ, en -> en", queries, "en", False)], args.db)
    if args.xquad_questions:
        articles, by_language = xquad(("es", "de", "en"), args.xquad_questions, args.seed)
        runs = [(f"XQuAD, {lang} -> en, cross_locale", qs, lang, True) for lang, qs in by_language.items()]
        run_set("XQuAD", articles, runs, args.db)


if __name__ == "__main__":
    main()
