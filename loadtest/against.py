"""Engine latency of this checkout against an earlier commit, question by question in turn.

    python -m loadtest.against REF [--rounds 2] [--cached] [--index DIR --corpus DIR]
                               [--their-index DIR --their-corpus DIR]

Two worker processes load the same index, one with this checkout's code and one with REF's
(`git archive` into a temporary folder); each question goes to both, in alternating order,
so machine noise falls on both alike. Only `Engine.load(...)` and `Engine.ask(...)` are
called, which every commit since the reranked retrieval has. Query caching is off; with
`--cached` every question is asked once first and its vector kept, so the rows time the
answer path alone, without the encoder (whose run-to-run noise is larger than most changes
to the code around it). A REF whose embedding model differs (before the shipped fine-tuned
encoder) is given indexes of its own, built with its model from the same pages.
`make bench-perf AGAINST=REF` runs it as the perf report's `against` step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUESTION_SETS = (REPO / "bench/questions/sample.jsonl", REPO / "bench/questions/corpus.jsonl")
MODES = ("reader", "hybrid")
WARM_UP = 20

# The worker runs inside either tree: it must use only what both have.
WORKER = """
import json, sys, time
from pathlib import Path
from retriever.engine import Engine
engines = {}
for line in sys.stdin:
    job = json.loads(line)
    engine = engines.get(job["index"])
    if engine is None:
        engine = engines[job["index"]] = Engine.load(Path(job["index"]), threads=1,
                                                     cache_size=job["cache"])
    started = time.perf_counter()
    answer = engine.ask(job["question"], mode=job["mode"])
    ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"ms": ms, "answer": answer.answer}), flush=True)
"""


class Worker:
    """One checkout's engine in its own process, asked one question at a time."""

    def __init__(self, tree: Path) -> None:
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=tree, text=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.errors,
            env={**os.environ, "PYTHONPATH": str(tree)})

    def ask(self, index: Path, question: str, mode: str, cache: int = 0) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"index": str(index), "question": question,
                                          "mode": mode, "cache": cache}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.errors.seek(0)
            last = self.errors.read().strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"an engine worker stopped: {last[0]}")
        result: dict[str, Any] = json.loads(line)
        return result

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.errors.close()


def export_tree(ref: str, into: Path) -> Path:
    """The files of commit `ref`, without a checkout (the working tree stays as it is)."""
    archive = into / "tree.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], stdout=fh,
                       check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def pct(values: list[float]) -> dict[str, float]:
    return {f"p{p}": float(np.percentile(values, p)) for p in (50, 95)}


def measure_against(ref: str, indexes: dict[str, Path], rounds: int,
                    cached: bool = False, theirs_at: dict[str, Path] | None = None
                    ) -> dict[str, Any]:
    """{index name: {mode: {"ours": pct, "theirs": pct, "paired_median_ms": ours - theirs,
    "same_answers": share}}}."""
    from bench.questions import load_questions

    questions = [q.question for path in QUESTION_SETS for q in load_questions(path)]
    # The workers run in their own trees: a relative index path would point into them.
    indexes = {name: Path(index).resolve() for name, index in indexes.items()}
    their = {name: Path((theirs_at or {}).get(name, index)).resolve()
             for name, index in indexes.items()}
    result: dict[str, Any] = {"ref": ref, "questions": len(questions) * rounds,
                              "cached": cached}
    cache = 4 * len(questions) if cached else 0
    with tempfile.TemporaryDirectory(prefix="govqa-against-") as tmp:
        ours, theirs = Worker(REPO), Worker(export_tree(ref, Path(tmp)))
        try:
            for name, index in indexes.items():
                for mode in MODES:
                    times: dict[str, list[float]] = {"ours": [], "theirs": []}
                    same = 0
                    at = {"ours": index, "theirs": their[name]}
                    for q in (questions if cached else questions[:WARM_UP]):
                        ours.ask(index, q, mode, cache), theirs.ask(at["theirs"], q, mode, cache)
                    for r in range(rounds):
                        for n, q in enumerate(questions):
                            # Alternate who goes first: a warm cache favours neither.
                            order = (("ours", ours), ("theirs", theirs))
                            answers = {}
                            for key, worker in order if (n + r) % 2 else order[::-1]:
                                got = worker.ask(at[key], q, mode, cache)
                                times[key].append(got["ms"])
                                answers[key] = got["answer"]
                            same += answers["ours"] == answers["theirs"]
                    paired = np.array(times["ours"]) - np.array(times["theirs"])
                    result.setdefault(name, {})[mode] = {
                        "ours": pct(times["ours"]), "theirs": pct(times["theirs"]),
                        # Each question against itself: the steadiest view of the change.
                        "paired_median_ms": float(np.median(paired)),
                        "same_answers": same / (len(questions) * rounds)}
        finally:
            ours.close()
            theirs.close()
    return result


def lines(report: dict[str, Any]) -> list[str]:
    what = ("the answer path without the encoder (query vectors cached)" if report["cached"]
            else "the whole answer, encoding included")
    out = [f"Engine p50 / p95 (ms), this checkout against {report['ref']}, "
           f"{report['questions']} questions per row, asked in turn; {what}:", "",
           "| index | mode | this checkout | " + report["ref"]
           + " | ratio (p50) | median paired difference | same answers |",
           "|---|---|---|---|---|---|---|"]
    for name, modes in report.items():
        if not isinstance(modes, dict):
            continue
        for mode, r in modes.items():
            o, t = r["ours"], r["theirs"]
            out.append(f"| {name} | {mode} | {o['p50']:.2f} / {o['p95']:.2f} | "
                       f"{t['p50']:.2f} / {t['p95']:.2f} | {o['p50'] / t['p50']:.3f} | "
                       f"{r['paired_median_ms']:+.2f} ms | {r['same_answers']:.1%} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref", help="the commit to compare with, e.g. HEAD~3 or a hash")
    parser.add_argument("--index", type=Path, default=REPO / "var/index")
    parser.add_argument("--corpus", type=Path, default=REPO / "var/corpus-index")
    parser.add_argument("--their-index", type=Path, default=None,
                        help="REF's own sample index (another embedding model)")
    parser.add_argument("--their-corpus", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cached", action="store_true",
                        help="keep each question's vector: time the answer path alone")
    args = parser.parse_args()
    started = time.perf_counter()
    theirs = {name: at for name, at in (("sample", args.their_index),
                                        ("corpus", args.their_corpus)) if at is not None}
    report = measure_against(args.ref, {"sample": args.index, "corpus": args.corpus},
                             args.rounds, args.cached, theirs)
    print("\n".join(lines(report)))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
