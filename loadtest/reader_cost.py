"""What one reader call costs, per reader folder, on the batches the engine really reads.

    python -m loadtest.reader_cost DIR [DIR ...] [--index var/index] [--rounds 3]
                                   [--candidates 8,6,4]

The shipped engine answers the bundled sample questions once, and each (question, 8
sentences) batch its reader is handed is kept; then every folder's reader (one intra-op
thread, as served) scores all of them, round after round, readers interleaved so that a
slow minute of the machine costs each alike. `--candidates` also times each reader on the
batches cut to their first K sentences (the feature scorer's K best: a reader that reads
fewer). Prints p50 / p99 ms per call and the p50 as a multiple of the first line's.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.questions import load_questions
from retriever.engine import Engine
from retriever.reader import OnnxReader

Batch = tuple[str, list[str]]


class _Recorder:
    """Stands in for the engine's reader: keeps each batch, then scores it for real."""

    def __init__(self, reader: OnnxReader) -> None:
        self.reader = reader
        self.batches: list[Batch] = []

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        self.batches.append((query, list(texts)))
        return self.reader.score(query, texts)


def batches(index: Path, questions: Path) -> list[Batch]:
    engine = Engine.load(index)
    scorer = engine.scorer_for("reader")
    recorder = _Recorder(scorer.reader)  # type: ignore[attr-defined]
    scorer.reader = recorder  # type: ignore[attr-defined]
    for q in load_questions(questions):
        engine.ask(q.question)
    return recorder.batches


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("readers", nargs="+", type=Path)
    p.add_argument("--index", type=Path, default=Path("var/index"))
    p.add_argument("--questions", type=Path, default=Path("bench/questions/sample.jsonl"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--candidates", default="8",
                   help="sentences read per call, comma-separated (default: 8, as served)")
    args = p.parse_args()

    work = batches(args.index, args.questions)
    cuts = [int(k) for k in args.candidates.split(",")]
    readers = [(d, OnnxReader(d, threads=1), k) for d in args.readers for k in cuts]
    timings: list[list[float]] = [[] for _ in readers]
    for _ in range(args.rounds):
        for query, texts in work:
            for (_d, r, k), times in zip(readers, timings, strict=True):
                started = time.perf_counter()
                r.score(query, texts[:k])
                times.append((time.perf_counter() - started) * 1000)
    first = float(np.median(timings[0]))
    print(f"{len(work)} batches x {args.rounds} rounds, one thread per reader")
    for (d, r, k), times in zip(readers, timings, strict=True):
        p50, p99 = np.percentile(times, [50, 99])
        print(f"{d}: {r.info.layers} layers, {r.info.max_length} tokens, {k} sentences: "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {p50 / first:.2f}x the first")


if __name__ == "__main__":
    main()
