"""Answer-sentence selection within a paragraph (SQuAD-style): which of a paragraph's
sentences holds the answer, as the reader, word overlap and the bi-encoder rank them."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.questions import read_json
from ingest.sentences import split_lines
from retriever.reader import candidate_text

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an the of in on at to for by with from and or is are was were be been what which who "
    "whom whose when where why how did does do that this these those it its as".split())

# (question, candidates) -> one score per candidate, higher is better
Ranker = Callable[[str, list[str]], "Sequence[float] | np.ndarray"]


@dataclass
class Item:
    """One question, its paragraph's sentences ("title: sentence") and the gold ones."""

    question: str
    candidates: list[str]
    gold: set[int]


def load_items(path: Path, limit: int | None = 400, seed: int = 0) -> list[Item]:
    """Questions of a SQuAD-layout file whose paragraph has at least two sentences; the gold
    sentence is the one where the first annotator's answer starts (the strict reading:
    dev questions have up to five answers, and counting any would flatter every ranker).
    `limit` takes a fixed-seed sample."""
    data = read_json(path, "SQuAD")["data"]
    items: list[Item] = []
    for article in data:
        title = article["title"].replace("_", " ")
        for para in article["paragraphs"]:
            context = para["context"]
            spans = [(s, e) for s, e in split_lines(context) if context[s:e].strip()]
            if len(spans) < 2:
                continue
            candidates = [candidate_text(title, context[s:e]) for s, e in spans]
            for qa in para["qas"]:
                starts = [a["answer_start"] for a in qa.get("answers", [])[:1]]
                gold = {i for i, (s, e) in enumerate(spans) for at in starts if s <= at < e}
                if gold:
                    items.append(Item(qa["question"], candidates, gold))
    if limit is not None and limit < len(items):
        items = random.Random(seed).sample(items, limit)
    return items


def overlap_ranker(question: str, candidates: list[str]) -> list[float]:
    """The word-overlap baseline: shared non-stop words, title left out."""
    q = {w for w in _WORD.findall(question.lower()) if w not in _STOP}
    return [len(q & set(_WORD.findall(c.split(": ", 1)[-1].lower()))) for c in candidates]


def evaluate(items: Sequence[Item], ranker: Ranker) -> dict[str, float]:
    """R@1 (the top sentence is a gold one) and MRR of the first gold sentence."""
    r1, rr = 0, 0.0
    for item in items:
        scores = np.asarray(ranker(item.question, item.candidates), dtype=np.float64)
        # Ties break against the ranker: a gold sentence must score strictly higher.
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i in item.gold))
        rank = next(r for r, i in enumerate(order, start=1) if i in item.gold)
        r1 += rank == 1
        rr += 1.0 / rank
    n = max(1, len(items))
    return {"questions": len(items), "r@1": round(r1 / n, 4), "mrr": round(rr / n, 4)}
