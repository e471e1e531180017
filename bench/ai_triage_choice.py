"""How triage's blend was chosen: the classifier's weight, the neighbours' k and their vote temperature, picked
on a dev split of BANKING77's train rows, never on its test rows.

    .venv/bin/python bench/ai_triage_choice.py

The train rows are split per intent (fixed seed): 80% are the history, 20% the dev questions. Every
combination of `WEIGHTS` x `KS` x `TEMPERATURES` is scored on dev with triage's own pieces
(`triage.neighbours`, `triage._train`, `triage._suggest`) over the real MiniLM vectors; the best dev accuracy
wins (ties: the simpler, i.e. the smaller weight, then k, then temperature). Only then is the chosen one
scored once on the 3,080 test rows with every train row as history, which is what `bench/ai_eval_triage.py`
measures end to end through the service. Vectors come from the same cache as that bench.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))
from bench.ai_eval_triage import CachedEmbedder, load, macro_f1, subject_of  # noqa: E402 (after the path)

SEED = 11
DEV_SHARE = 0.2
WEIGHTS = (0.0, 0.3, 0.5, 0.7, 0.85, 1.0)
KS = (5, 10, 20)
TEMPERATURES = (0.02, 0.05, 0.1)


def _vectors(embed: CachedEmbedder, rows: list[tuple[str, str]]) -> Any:
    from autocrm.services.ai import triage

    return embed([triage.ticket_text(subject_of(text), text) for text, _intent in rows])


def split(train: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    by_intent: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in train:
        by_intent[row[1]].append(row)
    rng = random.Random(SEED)
    history, dev = [], []
    for intent in sorted(by_intent):
        rows = by_intent[intent]
        rng.shuffle(rows)
        cut = int(len(rows) * DEV_SHARE)
        dev += rows[:cut]
        history += rows[cut:]
    return history, dev


def scores(history: list[tuple[str, str]], questions: list[tuple[str, str]], embed: CachedEmbedder) -> dict:
    """(weight, k, temperature) -> (accuracy, macro-F1) over `questions` with `history` as the resolved tickets."""
    import numpy as np

    from autocrm.services.ai import triage

    matrix, queries = _vectors(embed, history), _vectors(embed, questions)
    labels = sorted({intent for _text, intent in history})
    index = {label: i for i, label in enumerate(labels)}
    weights, bias = triage._train(matrix, np.array([index[i] for _t, i in history]), len(labels))
    classifier = triage._Classifier(labels=labels, weights=weights, bias=bias)
    values = [intent for _text, intent in history]
    found: dict[tuple[float, int, float], tuple[float, float]] = {}
    for k in KS:
        for temperature in TEMPERATURES:
            picked = [triage.neighbours(matrix, q, k=k, temperature=temperature) for q in queries]
            for weight in WEIGHTS:
                pairs = []
                for (text_intent, (_sim, nearest, votes)), query in zip(
                    zip(questions, picked, strict=True), queries, strict=True
                ):
                    label, _confidence = triage._suggest(
                        values, nearest, votes, classifier, query[None, :], classifier_weight=weight
                    )
                    pairs.append((text_intent[1], label))
                accuracy = sum(1 for gold, got in pairs if gold == got) / len(pairs)
                found[(weight, k, temperature)] = (accuracy, macro_f1(pairs))
    return found


def main() -> None:
    embed = CachedEmbedder()
    train, test = load("train"), load("test")
    history, dev = split(train)
    on_dev = scores(history, dev, embed)
    print(f"dev: {len(history)} history rows, {len(dev)} questions (seed {SEED})\n")
    print("| weight | k | temperature | dev accuracy | dev macro-F1 |")
    print("|---:|---:|---:|---:|---:|")
    for (weight, k, temperature), (accuracy, f1) in sorted(on_dev.items()):
        print(f"| {weight} | {k} | {temperature} | {accuracy:.4f} | {f1:.4f} |")
    chosen = max(sorted(on_dev), key=lambda key: on_dev[key][0])  # sorted: ties go to the simpler
    weight, k, temperature = chosen
    on_test = scores(train, test, embed)
    accuracy, f1 = on_test[chosen]
    neighbours_only = on_test[(0.0, k, temperature)]
    embed.save()
    print(f"\nchosen on dev: weight {weight}, k {k}, temperature {temperature} ({on_dev[chosen][0]:.4f} on dev)")
    print(f"on test (all {len(train)} train rows as history): accuracy {accuracy:.4f}, macro-F1 {f1:.4f}")
    print(f"the neighbours alone at that k and temperature: accuracy {neighbours_only[0]:.4f}")


if __name__ == "__main__":
    main()
