"""`make bench-perf`: every speed and size figure of govqa, beside a plain pipeline, in one run.

    python -m loadtest.perf [--out var/bench/perf] [--scale 100000] [--against REF]

Writes perf.md (the table the README quotes) and perf.json. Accuracy on the bundled
question sets is printed beside the speed, so an optimisation that costs answers shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from loadtest.perf_report import table

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
QUESTION_SETS = (REPO / "bench/questions/sample.jsonl", REPO / "bench/questions/corpus.jsonl")
CORPUS_SITES = ("govtech", "govtech-classic", "other-isomer")


def pct(values: list[float]) -> dict[str, float]:
    return {f"p{p}": float(np.percentile(values, p)) for p in (50, 95, 99)}


def govqa(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "govqa.cli", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure_ingest(out: Path) -> tuple[dict[str, Any], Path, Path]:
    from retriever.embedder import export_onnx, resolve_model

    export_onnx(resolve_model(None))  # the one-off model export is not ingest throughput
    sample, corpus = out / "sample-index", out / "corpus-index"
    for path in (sample, corpus):
        shutil.rmtree(path, ignore_errors=True)
    govqa("ingest", "--index", str(sample))
    sources = [str(REPO / "ingest/data/international-collaboration.md")] + [
        str(SHARED / "corpus" / s) for s in CORPUS_SITES
    ]
    cold = govqa("ingest", *sources, "--index", str(corpus))
    unchanged = govqa("ingest", *sources, "--index", str(corpus))
    manifest = json.loads((corpus / "current" / "manifest.json").read_text())
    chunks = manifest["chunk_count"]
    return (
        {
            "chunks": chunks,
            "sentences": manifest["sentence_count"],
            "cold_s": cold,
            "unchanged_s": unchanged,
            "cold_chunks_per_s": chunks / cold,
            "unchanged_chunks_per_s": chunks / unchanged,
            "unchanged_share": unchanged / cold,
        },
        sample,
        corpus,
    )


def measure_engine(sample: Path, corpus: Path, rounds: int) -> dict[str, Any]:
    from bench.metrics import answer_correct
    from bench.questions import load_questions
    from retriever.engine import Engine

    sets = {
        "sample": (sample, load_questions(QUESTION_SETS[0])),
        "corpus": (corpus, load_questions(QUESTION_SETS[1])),
    }
    every = [q for _, qs in sets.values() for q in qs]
    result: dict[str, Any] = {"questions": len(every) * rounds}
    # The served default (the reader, where one ships) unsuffixed; the feature-only mode
    # as "_hybrid", so the reader's cost shows beside it in the same run.
    default = Engine.load(sample).default_mode
    modes = (default, "hybrid") if default != "hybrid" else ("hybrid",)
    result["default_mode"] = default
    for mode in modes:
        suffix = "" if mode == default else f"_{mode}"
        for threads in (1, 2):
            for name, (index, _) in sets.items():
                engine = Engine.load(index, threads=threads, cache_size=0)  # every query encodes
                for q in every[:20]:
                    engine.ask(q.question, mode=mode)
                times = []
                for _ in range(rounds):
                    for q in every:
                        started = time.perf_counter()
                        engine.ask(q.question, mode=mode)
                        times.append((time.perf_counter() - started) * 1000)
                result[f"{name}_{threads}t{suffix}"] = pct(times)
        for name, (index, qs) in sets.items():
            engine = Engine.load(index)
            answerable = [q for q in qs if q.answers]
            right = 0
            for q in answerable:
                a = engine.ask(q.question, mode=mode)
                right += a.answered and answer_correct(a.answer, q.answers, q.match)
            result[f"{name}_accuracy{suffix}"] = right / len(answerable)
    return result


def measure_rerank(sample: Path, corpus: Path, rounds: int) -> dict[str, Any]:
    """What the 20-deep retrieval and section rerank add to an answer: the feature-only mode
    with and without them, asked in turn in one loop, so machine noise falls on both alike."""
    from bench.questions import load_questions
    from retriever.engine import Engine
    from retriever.rerank import FusionOrder

    every = [q.question for path in QUESTION_SETS for q in load_questions(path)]
    result: dict[str, Any] = {}
    for name, index in (("sample", sample), ("corpus", corpus)):
        engines = {"with": Engine.load(index, cache_size=0),
                   "without": Engine.load(index, cache_size=0, reranker=FusionOrder())}
        times: dict[str, list[float]] = {k: [] for k in engines}
        for question in every[:20]:
            for engine in engines.values():
                engine.ask(question, mode="hybrid")
        for _ in range(rounds):
            for question in every:
                for key, engine in engines.items():
                    started = time.perf_counter()
                    engine.ask(question, mode="hybrid")
                    times[key].append((time.perf_counter() - started) * 1000)
        result[name] = {k: pct(v) for k, v in times.items()}
    return result


def measure_baseline(sample: Path, corpus: Path, rounds: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, index, qset in (
        ("sample", sample, QUESTION_SETS[0]),
        ("corpus", corpus, QUESTION_SETS[1]),
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "loadtest.baseline",
                "--index",
                str(index),
                *map(str, QUESTION_SETS),
                "--rounds",
                str(rounds),
                "--score",
                str(qset),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        ready, data = None, {}
        for line in proc.stdout:
            if line.startswith("READY"):
                ready = time.perf_counter() - started
            elif line.startswith("{"):
                data = json.loads(line)
        if proc.wait() != 0 or not data:
            raise RuntimeError(f"the baseline pipeline failed on {index}")
        result[f"{name}_cold_start_s"] = ready
        result[f"{name}_latency"] = pct(data["latencies_ms"])
        result[f"{name}_peak_rss_mb"] = data["peak_rss_mb"]
        result[f"{name}_accuracy"] = data["answer_accuracy"]
    return result


def measure_http(corpus: Path, seconds: int) -> dict[str, Any]:
    from bench.questions import load_questions
    from loadtest.perf_http import Server, run_wrk, wrk_available

    questions = [q.question for path in QUESTION_SETS for q in load_questions(path)]
    starts = []
    for _ in range(3):
        with Server(corpus) as server:
            starts.append(server.ready_s)
    from retriever.engine import Engine

    # What the server answers with (the report's targets depend on it), where the engine
    # step did not run beside this one.
    result: dict[str, Any] = {"cold_start_s": float(np.median(starts)), "cold_starts": starts,
                              "default_mode": Engine.load(corpus).default_mode}
    if not wrk_available():
        result["error"] = "wrk is not installed (make bench-perf installs it)"
        return result
    for workers in (1, 2):
        # Every request encodes: the query cache is off, so repeats are not flattered.
        with Server(corpus, workers=workers, env={"GOVQA_QUERY_CACHE": "0"}) as server:
            runs = [run_wrk(server.url, questions, c, seconds) for c in (1, 8, 16, 32)]
            rss = server.peak_rss_mb()
        worker_rss = sorted(rss.values())[-workers:] if workers > 1 else list(rss.values())
        result[f"workers_{workers}"] = {
            "runs": runs,
            "peak_rss_mb": rss,
            "max_worker_rss_mb": max(worker_rss),
        }
    return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "var/bench/perf")
    parser.add_argument("--scale", type=int, default=100_000, help="chunks in the scale test")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="passes over the bundled questions (314 each) for engine latency",
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of each HTTP run")
    parser.add_argument("--against", default=None, metavar="REF",
                        help="also time the engine of commit REF, asked in turn with this one")
    parser.add_argument("--steps", default="ingest,engine,rerank,baseline,http,scale",
                        help="the steps to run, comma-separated (ingest always runs)")
    args = parser.parse_args()
    wanted = {"ingest", *args.steps.split(",")} | ({"against"} if args.against else set())
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    for step in ("ingest", "engine", "against", "rerank", "baseline", "http", "scale"):
        if step not in wanted:
            continue
        started = time.perf_counter()
        print(f"[perf] {step} …", flush=True)
        if step == "ingest":
            report["ingest"], sample, corpus = measure_ingest(args.out)
        elif step == "engine":
            report["engine"] = measure_engine(sample, corpus, args.rounds)
        elif step == "against":
            from loadtest.against import measure_against

            indexes = {"sample": sample, "corpus": corpus}
            report["against"] = measure_against(args.against, indexes, args.rounds)
            report["against_cached"] = measure_against(args.against, indexes, args.rounds,
                                                       cached=True)
        elif step == "rerank":
            report["rerank"] = measure_rerank(sample, corpus, args.rounds)
        elif step == "baseline":
            report["baseline"] = measure_baseline(sample, corpus, args.rounds)
        elif step == "http":
            report["http"] = measure_http(corpus, args.seconds)
        elif step == "scale" and args.scale:
            from loadtest.perf_scale import measure_scale

            report["scale"] = measure_scale(
                SHARED, corpus / "current" / "encoder", args.out / "cache", n=args.scale
            )
        print(f"[perf] {step} done in {time.perf_counter() - started:.0f} s", flush=True)
    md = f"Measured {report['when']} on {report['machine']}.\n\n{table(report)}\n"
    if "against" in report:
        from loadtest.against import lines

        for key in ("against", "against_cached"):
            md += "\n" + "\n".join(lines(report[key])) + "\n"
    (args.out / "perf.json").write_text(json.dumps(report, indent=2))
    (args.out / "perf.md").write_text(md)
    print(md)
    print(f"wrote {args.out / 'perf.md'} and {args.out / 'perf.json'}")


if __name__ == "__main__":
    main()
