"""`make bench-soak`: a long, steady load on `govqa serve`, watching errors, latency and memory.

    python -m loadtest.soak [--minutes 10] [--rate 100] [--workers 2] [--reader off] [--out DIR]
                            [--stall-seconds 30] [--redis-url URL] [--postgres-url URL]

wrk (Debian's, a C load generator in its own process) sends varied questions from the bundled
sets at a fixed pace, and about a third of the time a follow-up in the conversation the last
answer opened. The run is cut into one-minute windows; each reports requests, errors, 5xx,
p50/p99, and every worker's RSS at its end. It exits 1 on any 5xx, any connection error or
timeout, or a worker whose RSS grew more than 20% from the first window to the last.

Then the stall stage (`--stall-seconds`, 0 to skip): a second server on a throwaway
PostgreSQL database and Redis key prefix, each reached through a TCP proxy, under the same
load for four phases of that length: steady, PostgreSQL stalled (connections accepted,
nothing answered), Redis stalled, recovered. It fails on any error, and unless every answer
the server gave has its question-log row written or counted as dropped with a reason.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from loadtest.perf_http import Server, wrk_available
from loadtest.proxy import TcpProxy
from loadtest.services import SetupError, SharedState

REPO = Path(__file__).resolve().parents[1]
QUESTION_SETS = (REPO / "bench/questions/sample.jsonl", REPO / "bench/questions/corpus.jsonl")
FOLLOW_UPS = ("when was it?", "who runs it?", "how do I sign up?", "tell me more",
              "where is it?", "what about businesses?")
MAX_RSS_GROWTH = 0.20

# wrk's request(): a question from the mix, or a follow-up in the conversation the last
# answer opened ("pending"); shared by every bench that drives /api/chat with wrk.
LUA_REQUEST = """\
request = function()
  n = n + 1
  local body
  if pending then
    body = string.format('{"question": "%s", "conversation_id": "%s"}',
                         follow_ups[(n % #follow_ups) + 1], pending)
    pending = nil
  else
    body = bodies[(n % #bodies) + 1]
  end
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
"""

# Globals, not locals: wrk reads each thread's counters with thread:get() at the end.
SCRIPT = """
local bodies = {%(bodies)s}
local follow_ups = {%(follow_ups)s}
local threads = {}
local pause_ms = %(pause_ms)d
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  server_errors = 0
  pending = nil
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function delay()
  return pause_ms
end
%(request)s
response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  local id = body:match('"conversation_id":%%s*"([%%w:._-]+)"')
  if id and math.random() < 0.33 then pending = id end
end
done = function(summary, latency, requests)
  local fivexx = 0
  for _, t in ipairs(threads) do fivexx = fivexx + t:get("server_errors") end
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "status_errors": %%d, "server_errors": %%d, ' ..
    '"connect_errors": %%d, "timeouts": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status, fivexx,
    summary.errors.connect, summary.errors.timeout, latency:percentile(50),
    latency:percentile(99)))
end
"""


def _questions() -> list[str]:
    out = []
    for path in QUESTION_SETS:
        for line in path.read_text().splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def _window(url: str, script: str, connections: int, seconds: int) -> dict[str, Any]:
    run = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script,
         url], capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {run.stdout}{run.stderr}")
    data = json.loads(line)
    return {
        "requests": data["requests"],
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "non_2xx": data["status_errors"],
        "server_errors": data["server_errors"],
        "connect_errors": data["connect_errors"],
        "timeouts": data["timeouts"],
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
    }


def _script(rate: int, connections: int) -> str:
    """A wrk script offering `rate` requests a second over `connections`; its path."""
    bodies = ",".join(json.dumps(json.dumps({"question": q})) for q in _questions())
    follow_ups = ",".join(json.dumps(q) for q in FOLLOW_UPS)
    # Each connection waits this long between requests: `connections` of them make `rate`.
    pause_ms = max(1, round(1000 * connections / rate))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(SCRIPT % {"bodies": bodies, "follow_ups": follow_ups, "pause_ms": pause_ms,
                          "request": LUA_REQUEST})
        return fh.name


def _server_env(reader: str) -> dict[str, str]:
    return {"GOVQA_QUERY_CACHE": "0", **({"GOVQA_READER": reader} if reader else {})}


def soak(index: Path, minutes: int, rate: int, workers: int, connections: int,
         reader: str = "") -> dict[str, Any]:
    script = _script(rate, connections)
    windows = []
    try:
        with Server(index, workers=workers, env=_server_env(reader)) as server:
            for minute in range(1, minutes + 1):
                window = _window(server.url, script, connections, 60)
                rss = server.rss_mb()
                # The workers, not the supervisor that only forks them.
                window["rss_mb"] = sorted(rss.values())[-workers:]
                window["minute"] = minute
                windows.append(window)
                print(json.dumps(window), flush=True)
    finally:
        os.unlink(script)
    first, last = windows[0]["rss_mb"], windows[-1]["rss_mb"]
    growth = max((b - a) / a for a, b in zip(sorted(first), sorted(last), strict=True))
    failures = sum(w["server_errors"] + w["connect_errors"] + w["timeouts"] for w in windows)
    return {"minutes": minutes, "rate": rate, "workers": workers, "connections": connections,
            "reader": reader or "shipped",
            "windows": windows, "rss_growth": growth, "errors": failures,
            "ok": failures == 0 and growth <= MAX_RSS_GROWTH}


def _via(url: str, proxy: TcpProxy) -> str:
    """`url` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    auth = parts.netloc.rpartition("@")[0]
    netloc = f"{auth}@127.0.0.1:{proxy.port}" if auth else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _proxy_for(url: str, default_port: int) -> TcpProxy:
    parts = urlsplit(url)
    return TcpProxy(parts.hostname or "127.0.0.1", parts.port or default_port)


def server_counts(url: str) -> dict[str, float]:
    """What the server says it answered and logged, summed over its workers."""
    counts: dict[str, float] = {"answers": 0.0, "written": 0.0, "buffered": 0.0}
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == "govqa_answers_total":
                counts["answers"] += sample.value
            elif sample.name == "govqa_question_log_written_total":
                counts["written"] += sample.value
            elif sample.name == "govqa_question_log_buffered":
                counts["buffered"] += sample.value
            elif sample.name == "govqa_question_log_dropped_total":
                key = f"dropped_{sample.labels['reason']}"
                counts[key] = counts.get(key, 0.0) + sample.value
    return counts


def stall_stage(index: Path, seconds: int, rate: int, workers: int, connections: int,
                reader: str, redis_url: str, postgres_url: str) -> dict[str, Any]:
    """Steady, PostgreSQL stalled, Redis stalled, recovered: `seconds` each, under load."""
    script = _script(rate, connections)
    phases: list[dict[str, Any]] = []
    try:
        with SharedState(redis_url, postgres_url) as shared:
            database = _proxy_for(shared.database_url, 5432)
            cache = _proxy_for(redis_url, 6379)
            env = {**_server_env(reader), **shared.env(),
                   "GOVQA_DATABASE_URL": _via(shared.database_url, database),
                   "GOVQA_REDIS_URL": _via(redis_url, cache)}
            try:
                with Server(index, workers=workers, env=env) as server:
                    for phase, gate in (("steady", None), ("PostgreSQL stalled", database),
                                        ("Redis stalled", cache), ("recovered", None)):
                        if gate is not None:
                            gate.stall()
                        window = _window(server.url, script, connections, seconds)
                        if gate is not None:
                            gate.restore()
                        window["phase"] = phase
                        phases.append(window)
                        print(json.dumps(window), flush=True)
                    # Requests wrk left queued are still answered after it stops, and what the
                    # stalls held is written once the database answers again: wait until the
                    # server has been quiet for two readings and its queue is empty.
                    deadline = time.monotonic() + 60
                    counts, last = server_counts(server.url), None
                    while (counts != last or counts["buffered"]) and time.monotonic() < deadline:
                        time.sleep(2)
                        counts, last = server_counts(server.url), counts
            finally:
                database.cut()
                cache.cut()
            with psycopg.connect(shared.database_url, connect_timeout=5) as conn:
                row = conn.execute(
                    "SELECT count(*), count(DISTINCT (conversation_id, turn, ts)) FROM questions"
                ).fetchone()
                rows, distinct = (int(row[0]), int(row[1])) if row else (0, 0)
    finally:
        os.unlink(script)
    dropped = {k.removeprefix("dropped_"): int(v) for k, v in counts.items()
               if k.startswith("dropped_") and v}
    errors = sum(w["server_errors"] + w["connect_errors"] + w["timeouts"] for w in phases)
    accounted = rows + sum(dropped.values())
    return {"seconds": seconds, "phases": phases, "answers": int(counts["answers"]),
            "rows_written": rows, "written_metric": int(counts["written"]),
            "duplicate_rows": rows - distinct,
            "dropped": dropped, "left_buffered": int(counts["buffered"]), "errors": errors,
            "ok": errors == 0 and accounted == int(counts["answers"])
            and rows == int(counts["written"])}


def stall_table(report: dict[str, Any]) -> str:
    rows = ["| phase | req/s | non-2xx | 5xx | conn. errors + timeouts | p50 | p99 |",
            "|---|---|---|---|---|---|---|"]
    for w in report["phases"]:
        rows.append(f"| {w['phase']} | {w['rps']:.1f} | {w['non_2xx']} | {w['server_errors']} "
                    f"| {w['connect_errors'] + w['timeouts']} | {w['p50_ms']:.1f} ms "
                    f"| {w['p99_ms']:.1f} ms |")
    dropped = ", ".join(f"{n} {reason}" for reason, n in report["dropped"].items()) or "none"
    verdict = "passed" if report["ok"] else "**FAILED**"
    rows += ["", f"{report['seconds']} s per phase: {report['errors']} errors; "
                 f"{report['answers']} answers, {report['rows_written']} question-log rows "
                 f"written, dropped: {dropped}, still buffered: {report['left_buffered']}: "
                 f"{verdict}"]
    return "\n".join(rows)


def table(report: dict[str, Any]) -> str:
    rows = ["| minute | req/s | non-2xx | 5xx | conn. errors + timeouts | p50 | p99 | worker RSS |",
            "|---|---|---|---|---|---|---|---|"]
    for w in report["windows"]:
        rss = " / ".join(f"{r:.0f}" for r in w["rss_mb"])
        rows.append(f"| {w['minute']} | {w['rps']:.1f} | {w['non_2xx']} | {w['server_errors']} "
                    f"| {w['connect_errors'] + w['timeouts']} | {w['p50_ms']:.1f} ms "
                    f"| {w['p99_ms']:.1f} ms | {rss} MB |")
    verdict = "passed" if report["ok"] else "**FAILED**"
    rows.append("")
    rows.append(f"{report['minutes']} min at {report['rate']} req/s offered, {report['workers']} "
                f"workers, reader {report['reader']}: {report['errors']} errors, worker RSS growth "
                f"{report['rss_growth'] * 100:+.1f}% (limit +{MAX_RSS_GROWTH * 100:.0f}%): "
                f"{verdict}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "var/index")
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--rate", type=int, default=100, help="requests per second offered")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--reader", default="",
                        help='GOVQA_READER for the server: "" the shipped reader, "off" none')
    parser.add_argument("--out", type=Path, default=REPO / "var/bench/soak")
    parser.add_argument("--stall-seconds", type=int, default=30,
                        help="length of each phase of the stall stage (0: skip it)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a database to connect to for CREATE/DROP DATABASE")
    args = parser.parse_args()
    if not wrk_available():
        sys.exit("error: wrk is not installed (make bench-soak installs it from Debian)")
    args.out.mkdir(parents=True, exist_ok=True)
    ok = True
    if args.minutes > 0:
        report = soak(args.index, args.minutes, args.rate, args.workers, args.connections,
                      args.reader)
        (args.out / "soak.json").write_text(json.dumps(report, indent=2))
        text = table(report)
        (args.out / "soak.md").write_text(text + "\n")
        print(text)
        ok = report["ok"]
    if args.stall_seconds > 0:
        try:
            stalls = stall_stage(args.index, args.stall_seconds, args.rate, args.workers,
                                 args.connections, args.reader, args.redis_url,
                                 args.postgres_url)
        except SetupError as exc:
            sys.exit(f"error: {exc}")
        (args.out / "stalls.json").write_text(json.dumps(stalls, indent=2))
        text = stall_table(stalls)
        (args.out / "stalls.md").write_text(text + "\n")
        print(text)
        ok = ok and stalls["ok"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
