"""TrecQA answer-sentence selection: rank each question's candidate sentences; MAP and MRR."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from bench import metrics
from bench.questions import QuestionSetError
from bench.results import QuestionResult
from ingest.records import Chunk, Page, content_hash

TRECQA_METRICS = [
    "questions",
    "map",
    "sentence_mrr",
    "sentence_r@1",
    "sentence_r@5",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "errors",
]
REFERENCE = [
    {"system": "BM25 (dataset-sts README), TrecQA test", "figures": "MAP 0.630 / MRR 0.765"},
    {"system": "TF-IDF, TrecQA test", "figures": "MAP 0.578 / MRR 0.709"},
    {"system": "Wang et al. 2016 (trained), TrecQA test", "figures": "MAP 0.771 / MRR 0.845"},
]
MODE = "sentence-ranker"


@dataclass
class TrecQuestion:
    """One question with its candidate sentences and their 0/1 labels."""

    id: str
    question: str
    candidates: list[str]
    labels: list[int]


def load_trecqa(path: Path, keep_all: bool = False) -> list[TrecQuestion]:
    """Questions of a (qtext,label,atext) CSV, grouped by consecutive question text.

    The standard evaluation keeps only questions with at least one right and one wrong
    candidate; `keep_all` keeps every question.
    """
    path = Path(path)
    if not path.is_file():
        raise QuestionSetError(f"TrecQA file not found: {path}")
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise QuestionSetError(f"cannot read TrecQA CSV {path}: {exc}") from exc
    if not rows or not {"qtext", "label", "atext"} <= set(rows[0]):
        raise QuestionSetError(f"{path} is not TrecQA CSV: expected columns qtext,label,atext")
    out: list[TrecQuestion] = []
    try:
        for n, (qtext, group) in enumerate(groupby(rows, key=lambda r: r["qtext"]), start=1):
            items = list(group)
            labels = [int(r["label"]) for r in items]
            if keep_all or (any(labels) and not all(labels)):
                out.append(TrecQuestion(f"q{n}", qtext, [r["atext"] for r in items], labels))
    except (TypeError, ValueError) as exc:
        raise QuestionSetError(f"{path}: bad label ({exc})") from exc
    if not out:
        raise QuestionSetError(f"{path}: no questions with both right and wrong candidates")
    return out


def pages_and_chunks(questions: list[TrecQuestion]) -> tuple[list[Page], list[Chunk]]:
    """Each question a page, each candidate sentence a chunk: the engine's term weights
    (IDF) then come from the candidate sentences, as BM25's do in the baseline."""
    pages: list[Page] = []
    chunks: list[Chunk] = []
    for q in questions:
        url = f"bench://trecqa/{q.id}"
        title = f"TrecQA {q.id}"
        pos = 0
        for j, cand in enumerate(q.candidates, start=1):
            chunks.append(
                Chunk(url, title, [title], f"s{j}", cand, pos, pos + len(cand), [(0, len(cand))])
            )
            pos += len(cand) + 1
        text = "\n".join(q.candidates)
        pages.append(Page(url, f"/{q.id}/", title, f"trecqa:{q.id}", text, content_hash(text)))
    return pages, chunks


def rank_question(engine: Any, q: TrecQuestion, mode: str = "reader") -> QuestionResult:
    """Score the candidates with the engine's sentence scorer and rank them."""
    start = time.perf_counter()
    scores = engine.rank_sentences(q.question, q.candidates, mode)
    latency_ms = (time.perf_counter() - start) * 1000.0
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    relevant = [bool(q.labels[i]) for i in order]
    top = order[0]
    return QuestionResult(
        id=q.id,
        question=q.question,
        type="trecqa",
        mode=MODE,
        gold={"answers": [c for c, lab in zip(q.candidates, q.labels, strict=True) if lab]},
        answered=True,
        answer=q.candidates[top],
        confidence=float(scores[top]),
        citation=None,
        correct=relevant[0],
        answer_correct=relevant[0],
        em=float(relevant[0]),
        f1=float(relevant[0]),
        citation_correct=None,
        retrieval_rank=None,
        latency_ms=latency_ms,
        sentence_rank=metrics.first_relevant_rank(relevant),
        extra={"average_precision": metrics.average_precision(relevant)},
    )
