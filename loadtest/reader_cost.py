"""What one reader call costs, per reader folder, on the batches the engine really reads.

    python -m loadtest.reader_cost DIR [DIR ...] [--index var/index] [--rounds 3]
                                   [--candidates 8,6,4] [--padded]

The shipped engine answers the bundled sample questions once, and each (question, 8
sentences) batch its reader is handed is kept; then every folder's reader (one intra-op
thread, as served) scores all of them, round after round, readers interleaved so that a
slow minute of the machine costs each alike. `--candidates` also times each reader on the
batches cut to their first K sentences (the feature scorer's K best: a reader that reads
fewer). Prints p50 / p99 ms per call and the p50 as a multiple of the first line's.
`--padded` also scores every batch the way the reader did before, in one zero-padded run, and
prints what that costs and how far its logits stray from each pair run alone.
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


def padded_logits(reader: OnnxReader, query: str, texts: list[str]) -> np.ndarray:
    """The batch in one padded run: with dynamic int8, each logit then depends on the rest."""
    encodings = reader.tokenizer.encode_batch([(query, t) for t in texts])
    width = max(len(e.ids) for e in encodings)
    feeds = {name: np.zeros((len(encodings), width), dtype=np.int64)
             for name in ("input_ids", "attention_mask", "token_type_ids")}
    for row, e in enumerate(encodings):
        feeds["input_ids"][row, :len(e.ids)] = e.ids
        feeds["attention_mask"][row, :len(e.ids)] = 1
        feeds["token_type_ids"][row, :len(e.ids)] = e.type_ids
    return np.asarray(reader.session.run(None, feeds)[0], dtype=np.float32).reshape(-1)


def padded_report(reader: OnnxReader, work: list[Batch], rounds: int) -> str:
    """Per-pair against padded: p50 ms of each, interleaved, and the logits' differences."""
    alone_ms, padded_ms, gaps, flips = [], [], [], 0
    for _ in range(rounds):
        for query, texts in work:
            started = time.perf_counter()
            alone = reader.score(query, texts)
            alone_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            padded = padded_logits(reader, query, texts)
            padded_ms.append((time.perf_counter() - started) * 1000)
            gaps.append(float(np.abs(alone - padded).max()))
            flips += int(np.argmax(alone) != np.argmax(padded))
    return (f"  one pair per run p50 {np.median(alone_ms):.1f} ms, one padded run "
            f"p50 {np.median(padded_ms):.1f} ms; padded logits stray by median "
            f"{np.median(gaps):.3f}, max {max(gaps):.3f} per batch; another top sentence in "
            f"{flips // rounds} of {len(work)} batches")


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
    p.add_argument("--padded", action="store_true",
                   help="also compare with one zero-padded run per batch")
    p.add_argument("--parallel", default="1",
                   help="pairs run at once, comma-separated (default: 1, one after another)")
    args = p.parse_args()

    work = batches(args.index, args.questions)
    cuts = [int(k) for k in args.candidates.split(",")]
    sides = [int(n) for n in args.parallel.split(",")]
    readers = [(d, OnnxReader(d, threads=1, parallel=n), k)
               for d in args.readers for n in sides for k in cuts]
    timings: list[list[float]] = [[] for _ in readers]
    for _ in range(args.rounds):
        for query, texts in work:
            for (_d, r, k), times in zip(readers, timings, strict=True):
                started = time.perf_counter()
                r.score(query, texts[:k])
                times.append((time.perf_counter() - started) * 1000)
    first = float(np.median(timings[0]))
    print(f"{len(work)} batches x {args.rounds} rounds, one intra-op thread per reader")
    for (d, r, k), times in zip(readers, timings, strict=True):
        p50, p99 = np.percentile(times, [50, 99])
        print(f"{d}: {r.info.layers} layers, {r.info.max_length} tokens, {k} sentences, "
              f"{r.parallel} at once: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
              f"{p50 / first:.2f}x the first")
    if args.padded:
        for d in args.readers:
            print(f"{d}:\n{padded_report(OnnxReader(d, threads=1), work, args.rounds)}")


if __name__ == "__main__":
    main()
