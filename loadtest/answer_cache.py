"""`make bench-scale`, the answer cache: a visitor-like mix with the cache off, then on.

One `govqa serve` per setting (two workers sharing Redis, as replicas would), on the same
index and question mix (loadtest.mix: half the requests repeat an earlier question),
replayed in order by `--connections` concurrent clients. Each request is timed, and counted
as a repeat when its question was answered before it was sent: with the cache on, those are
the cached answers; the others are the uncached ones, whose p50 is compared with the same
requests' with the cache off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvloop

from loadtest.mix import distinct_questions, mix
from loadtest.perf_http import Server

REPO = Path(__file__).resolve().parents[1]


async def _replay(url: str, log: list[str], connections: int, seconds: float) -> dict[str, Any]:
    # aiohttp on uvloop: a lean client, so the two cores go to the server, not the load.
    # A connection per request, as visitors' browsers spread over the workers: kept-alive
    # connections stay with the worker that accepted them, and a lopsided split left one
    # worker idle in some runs.
    answered: set[str] = set()
    timings: dict[str, list[float]] = {"repeat": [], "new": []}
    errors = 0
    cursor = 0
    connector = aiohttp.TCPConnector(limit=connections, force_close=True)
    async with aiohttp.ClientSession(url, connector=connector) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + seconds

        async def visitor() -> None:
            nonlocal cursor, errors
            while loop.time() < deadline and cursor < len(log):
                question = log[cursor]
                cursor += 1
                kind = "repeat" if question in answered else "new"
                sent = time.perf_counter()
                async with client.post("/api/chat", json={"question": question}) as response:
                    await response.read()
                    ok = response.status == 200
                took = (time.perf_counter() - sent) * 1000
                if not ok:
                    errors += 1
                    continue
                answered.add(question)
                timings[kind].append(took)

        await asyncio.gather(*(visitor() for _ in range(connections)))
        elapsed = loop.time() - started
    done = len(timings["repeat"]) + len(timings["new"])
    return {
        "requests": done, "errors": errors, "rps": done / elapsed,
        "p50_ms": statistics.median(timings["repeat"] + timings["new"]),
        **{f"{kind}_p50_ms": statistics.median(ms) if ms else None
           for kind, ms in timings.items()},
        **{f"{kind}s": len(ms) for kind, ms in timings.items()},
    }


def cache_counts(url: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in httpx.get(url + "/metrics", timeout=10).text.splitlines():
        if line.startswith("govqa_answer_cache_total{"):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            found[result] = found.get(result, 0.0) + float(line.rsplit(" ", 1)[1])
    return found


def measure(index: Path, connections: int, seconds: int, workers: int, requests: int,
            redis_url: str, repeat: float = 0.5) -> dict[str, Any]:
    pool = distinct_questions()
    log = mix(iter(pool), requests, repeat)
    # Never in the mix: asked one at a time, they time a miss without queueing behind others.
    alone = [q for q in pool if q not in set(log)][:60]
    report: dict[str, Any] = {
        "connections": connections, "seconds": seconds, "workers": workers,
        "cpus": os.cpu_count(),
        "mix": {"requests": len(log), "repeat_share": 1 - len(set(log)) / len(log)}}
    for setting, size in (("off", "0"), ("on", "4096")):
        env = {"GOVQA_ANSWER_CACHE_SIZE": size, "GOVQA_REDIS_URL": redis_url,
               "GOVQA_REDIS_PREFIX": f"govqa-bench-{uuid.uuid4().hex[:8]}:"}
        with Server(index, workers=workers, env=env) as server:
            report[setting] = uvloop.run(_replay(server.url, log, connections, seconds))
            report[setting]["lookups"] = cache_counts(server.url)
            report[setting]["alone"] = uvloop.run(_replay(server.url, alone, 1, seconds))
    report["throughput_ratio"] = report["on"]["rps"] / report["off"]["rps"]
    # The ceiling when a hit costs nothing and a miss what it did: 1 / the share of misses.
    report["ratio_bound"] = 1 / (1 - report["mix"]["repeat_share"])
    return report


def table(report: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} ms"

    rows = ["| answer cache | req/s | p50 | repeated questions p50 | new questions p50 | "
            "a new question alone, p50 |", "|---|---|---|---|---|---|"]
    for setting in ("off", "on"):
        r = report[setting]
        rows.append(f"| {setting} | {r['rps']:.1f} | {ms(r['p50_ms'])} | "
                    f"{ms(r['repeat_p50_ms'])} ({r['repeats']}) | "
                    f"{ms(r['new_p50_ms'])} ({r['news']}) | "
                    f"{ms(r['alone']['new_p50_ms'])} ({r['alone']['news']}) |")
    return "\n".join(rows) + (
        f"\n\nthroughput on/off {report['throughput_ratio']:.2f}x; a mix with "
        f"{report['mix']['repeat_share']:.0%} repeats allows at most "
        f"{report['ratio_bound']:.2f}x while a miss costs what it did. "
        f"{report['connections']} connections, {report['seconds']} s each, "
        f"{report['workers']} workers, {report['cpus']} CPUs; cache lookups "
        f"{report['on']['lookups']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "var/index")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20_000,
                        help="the mix's length: more than any run sends")
    parser.add_argument("--repeat", type=float, default=0.5,
                        help="the share of requests that repeat an earlier question")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", type=Path, default=REPO / "var/bench/answer-cache")
    args = parser.parse_args()
    report = measure(args.index, args.connections, args.duration, args.workers,
                     args.requests, args.redis_url, args.repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))


if __name__ == "__main__":
    main()
