"""`make bench-scale`: one replica on in-memory state against two sharing Redis + PostgreSQL."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from loadtest.perf_http import free_port, wrk_available
from loadtest.services import SetupError, SharedState
from loadtest.soak import FOLLOW_UPS, LUA_REQUEST, _questions

REPO = Path(__file__).resolve().parents[1]
WORKERS = 2
READY_TIMEOUT_S = 240.0
WRK_TIMEOUT = "10s"
PORT_ATTEMPTS = 3

# Globals, not locals: done() reads each thread's counters with thread:get().
# The pending follow-up is per wrk thread, not per connection, so it usually leaves on another
# of the thread's connections, which the kernel may have handed to the other worker: that is
# what puts conversation state to the test, even inside one replica.
SCRIPT = """
local bodies = {%(bodies)s}
local follow_ups = {%(follow_ups)s}
local is_follow_up = {}
for _, q in ipairs(follow_ups) do is_follow_up[q] = true end
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  server_errors = 0
  follow_ups_answered = 0
  follow_ups_kept = 0
  pending = nil
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
%(request)s
response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
  if status ~= 200 then return end
  -- The answer echoes its question; a follow-up whose conversation was found is turn 2 or more,
  -- one answered by a worker that never saw the conversation starts over at turn 1.
  local question = body:match('"question":%%s*"([^"]*)"')
  if question and is_follow_up[question] then
    follow_ups_answered = follow_ups_answered + 1
    local turn = tonumber(body:match('"turn":%%s*(%%d+)'))
    if turn and turn > 1 then follow_ups_kept = follow_ups_kept + 1 end
  end
  local id = body:match('"conversation_id":%%s*"([%%w:._-]+)"')
  if id and not pending and math.random() < 0.33 then pending = id end
end
done = function(summary, latency, requests)
  local fivexx, answered, kept = 0, 0, 0
  for _, t in ipairs(threads) do
    fivexx = fivexx + t:get("server_errors")
    answered = answered + t:get("follow_ups_answered")
    kept = kept + t:get("follow_ups_kept")
  end
  -- Every non-empty bucket of wrk's histogram (one per microsecond), so that Python can merge
  -- the wrk processes exactly: see combine().
  local buckets = {}
  for i = 1, #latency do
    local value, count = latency(i)
    buckets[#buckets + 1] = string.format("[%%d,%%d]", value, count)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "connect_errors": %%d, "read_errors": %%d, ' ..
    '"write_errors": %%d, "timeouts": %%d, "status_errors": %%d, "server_errors": %%d, ' ..
    '"follow_ups": %%d, "follow_ups_kept": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"latency_us": [%%s]}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    fivexx, answered, kept, latency:percentile(50), latency:percentile(99),
    table.concat(buckets, ",")))
end
"""


def govqa_command() -> list[str]:
    script = Path(sys.executable).parent / "govqa"
    if script.exists():
        return [str(script)]
    found = shutil.which("govqa")
    if found:
        return [found]
    raise SetupError("the govqa console script is not installed (make install)")


def shared_state_wired() -> bool:
    """Whether this checkout's settings read GOVQA_REDIS_URL and GOVQA_DATABASE_URL at all."""
    from chat_api.settings import Settings

    return {"redis_url", "database_url"} <= set(Settings.model_fields)


def base_env() -> dict[str, str]:
    # The caller's own GOVQA_* (a REDIS_URL, say) must not leak into configuration (a), and
    # each replica gets its own metrics folder, never one the caller has set.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVQA_", "SLACK_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


class Replica:
    """One `govqa serve --workers 2`, in its own process group, cwd and log file."""

    def __init__(self, name: str, index: Path, env: dict[str, str], log_path: Path):
        self.name = name
        self.index = index
        self.tmp = Path(tempfile.mkdtemp(prefix=f"govqa-scale-{name}-"))
        metrics = self.tmp / "metrics"
        metrics.mkdir()
        self.env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.started = 0.0
        self.ready_s = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        with open(self.log_path, "ab") as log:
            # A session of its own: Ctrl-C reaches the bench only, and stop() can end the
            # supervisor and its workers together with one killpg.
            # cwd is the replica's temp folder, so no .env is read and the default SQLite
            # feedback file (when no database_url is in effect) lands there.
            self.proc = subprocess.Popen(
                [*govqa_command(), "serve", "--index", str(self.index), "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", str(WORKERS)],
                cwd=self.tmp, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.started = time.monotonic()

    def wait_ready(self) -> None:
        attempts = 1
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                # free_port() only guesses: another process may take the port before we bind.
                if "address already in use" in self.log_tail().lower() and \
                        attempts < PORT_ATTEMPTS:
                    attempts += 1
                    self.start()
                    continue
                raise SetupError(f"replica {self.name} (govqa serve) exited with code "
                                 f"{self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise SetupError(f"replica {self.name} was not ready in {READY_TIMEOUT_S:.0f} s:"
                                 f"\n{self.log_tail()}")
            try:
                if every_worker_ready(self.url):
                    self.ready_s = time.monotonic() - self.started
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            # SIGINT first: uvicorn's graceful shutdown, so workers close their pools (and
            # PostgreSQL connections) before the database is dropped.
            signal_group(self.proc, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            # Whatever is left of the group (a stuck worker), and the supervisor if it hung.
            signal_group(self.proc, signal.SIGKILL)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def signal_group(proc: subprocess.Popen[Any], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def every_worker_ready(base: str) -> bool:
    """/readyz answers for one worker; `govqa_ready` is the minimum over the live ones."""
    if httpx.get(f"{base}/readyz", timeout=2).status_code != 200:
        return False
    return "govqa_ready 1.0" in httpx.get(f"{base}/metrics", timeout=2).text.splitlines()


def drive(replicas: list[Replica], script: Path, connections: int, threads: int, seconds: int,
          out: Path, label: str) -> list[dict[str, Any]]:
    """One wrk per replica, all at once, each with its share of the connections and threads."""
    per_c = max(1, connections // len(replicas))
    per_t = max(1, min(threads // len(replicas), per_c))
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for i, replica in enumerate(replicas, 1):
            path = out / f"wrk-{label}-{i}.txt"
            with open(path, "wb") as fh:
                # Files, not pipes: the histogram line can outgrow a pipe's buffer.
                proc = subprocess.Popen(
                    ["wrk", f"-t{per_t}", f"-c{per_c}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT,
                     "--latency", "-s", str(script), replica.url],
                    stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            procs.append((proc, path))
        results = []
        for (proc, path), replica in zip(procs, replicas, strict=True):
            proc.wait(timeout=seconds + 60)
            results.append(parse_wrk(path.read_text(errors="replace"), replica.name))
            results[-1].update(connections=per_c, threads=per_t)
        return results
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                signal_group(proc, signal.SIGKILL)
                proc.wait()


def parse_wrk(text: str, name: str) -> dict[str, Any]:
    line = next((ln for ln in text.splitlines() if ln.startswith('{"requests"')), None)
    if line is None:
        raise SetupError(f"wrk against replica {name} printed no summary:\n{text[-2000:]}")
    data: dict[str, Any] = json.loads(line)
    data["replica"] = name
    return data


def percentile(histogram: Counter[int], p: float) -> float:
    """Nearest-rank percentile, the rule wrk's own latency:percentile() follows."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram))


def combine(label: str, replicas: list[Replica], runs: list[dict[str, Any]],
            connections: int, threads: int) -> dict[str, Any]:
    # Percentiles do not add up: a request-weighted mean of each wrk's p99 is no p99 (one slow
    # replica's tail is diluted by the other's). wrk's done() prints its whole histogram
    # instead, and the merged histogram gives the exact percentiles of every request.
    histogram: Counter[int] = Counter()
    per_replica = []
    for run in runs:
        for value, count in run.pop("latency_us"):
            histogram[int(value)] += int(count)
        socket = run["connect_errors"] + run["read_errors"] + run["write_errors"] + run["timeouts"]
        per_replica.append({
            "replica": run["replica"], "connections": run["connections"],
            "threads": run["threads"], "requests": run["requests"],
            "rps": run["requests"] / (run["duration_us"] / 1e6),
            "p50_ms": run["p50_us"] / 1000, "p99_ms": run["p99_us"] / 1000,
            "socket_errors": socket, "non_2xx": run["status_errors"],
            "server_errors": run["server_errors"], "follow_ups": run["follow_ups"],
            "follow_ups_kept": run["follow_ups_kept"], "wrk": {
                k: run[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts",
                                    "duration_us")}})
    socket_errors = sum(r["socket_errors"] for r in per_replica)
    non_2xx = sum(r["non_2xx"] for r in per_replica)
    return {
        "configuration": label, "replicas": len(replicas), "workers": WORKERS,
        "connections": connections, "threads": threads,
        "requests": sum(r["requests"] for r in per_replica),
        # The wrks run side by side for the same time, so their rates add up.
        "rps": sum(r["rps"] for r in per_replica),
        "p50_ms": percentile(histogram, 50) / 1000, "p99_ms": percentile(histogram, 99) / 1000,
        "socket_errors": socket_errors, "non_2xx": non_2xx,
        "server_errors": sum(r["server_errors"] for r in per_replica),
        "errors": socket_errors + non_2xx,
        "follow_ups": sum(r["follow_ups"] for r in per_replica),
        "follow_ups_kept": sum(r["follow_ups_kept"] for r in per_replica),
        "ready_s": [round(r.ready_s, 1) for r in replicas],
        "per_replica": per_replica,
    }


def run_configuration(label: str, key: str, n: int, env: dict[str, str], args: argparse.Namespace,
                      script: Path) -> dict[str, Any]:
    print(f"[scale] {label}: starting {n} × govqa serve --workers {WORKERS} …", flush=True)
    logs = args.out / "logs"
    with ExitStack() as stack:
        replicas = []
        for i in range(1, n + 1):
            log = logs / f"{key}-replica{i}.log"
            log.unlink(missing_ok=True)
            replica = Replica(f"{key}{i}", args.index, env, log)
            stack.callback(replica.stop)
            replica.start()
            replicas.append(replica)
        # Started together, waited for together: the loads overlap.
        for replica in replicas:
            replica.wait_ready()
        print(f"[scale] {label}: ready ({', '.join(f'{r.ready_s:.0f} s' for r in replicas)}); "
              f"warm-up {args.warmup} s, then {args.duration} s of load", flush=True)
        if args.warmup:
            drive(replicas, script, args.connections, args.threads, args.warmup, args.out,
                  f"{key}-warmup")
        runs = drive(replicas, script, args.connections, args.threads, args.duration, args.out,
                     key)
        result = combine(label, replicas, runs, args.connections, args.threads)
    print(f"[scale] {label}: {result['rps']:.1f} req/s, {result['errors']} errors", flush=True)
    return result


def server_env(args: argparse.Namespace, replicas: int, tmp: Path) -> dict[str, str]:
    env = base_env() | {
        "GOVQA_RATE_LIMIT": "off",
        "GOVQA_RELOAD_INTERVAL": "0",
        "GOVQA_ACCESS_LOG": "false",
        # Every request encodes its question: the bench repeats questions, a cache would
        # flatter whichever configuration happens to repeat more per worker.
        "GOVQA_QUERY_CACHE": "0",
        # The replicas share this machine's cores: each worker gets its share of them rather
        # than every replica assuming the whole machine (for one replica this is the default).
        "GOVQA_THREADS": str(max(1, (os.cpu_count() or 1) // (replicas * WORKERS))),
    }
    if args.reader == "off":
        env["GOVQA_READER"] = "off"
    if replicas == 1:
        env["GOVQA_FEEDBACK_DB"] = str(tmp / "feedback.sqlite3")
    return env


def fmt_errors(r: dict[str, Any]) -> str:
    if not r["errors"]:
        return "0"
    return f"{r['errors']} ({r['socket_errors']} socket, {r['non_2xx']} non-2xx)"


def fmt_follow_ups(r: dict[str, Any]) -> str:
    if not r["follow_ups"]:
        return "–"
    kept, sent = r["follow_ups_kept"], r["follow_ups"]
    return f"{kept}/{sent} ({100 * kept / sent:.0f}%)"


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    state = "wired" if report["shared_state_wired"] else \
        "not in chat_api.settings yet: (b) ran on each worker's own memory"
    table = Table(title="govqa serve: one replica against two sharing state",
                  caption=f"{report['duration_s']} s each after {report['warmup_s']} s warm-up, "
                          f"{report['connections']} connections, reader {report['reader']}; "
                          f"shared state {state}")
    for name in ("configuration", "replicas × workers", "requests", "req/s", "p50", "p99",
                 "errors", "follow-ups kept"):
        table.add_column(name, justify="left" if name == "configuration" else "right",
                         no_wrap=True)
    for r in report["configurations"]:
        table.add_row(r["configuration"], f"{r['replicas']} × {r['workers']}",
                      f"{r['requests']:,}", f"{r['rps']:.1f}", f"{r['p50_ms']:.1f} ms",
                      f"{r['p99_ms']:.1f} ms",
                      fmt_errors(r) if not r["errors"] else f"[bold red]{fmt_errors(r)}[/]",
                      fmt_follow_ups(r))
    # Piped to a file or CI log, rich would assume 80 columns and wrap every cell.
    Console(width=None if sys.stdout.isatty() else 140).print(table)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the KeyboardInterrupt path, so every replica, database and key is cleaned up.
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=REPO / "var/index")
    parser.add_argument("--reader", choices=("on", "off"), default="on",
                        help="on: the shipped reader (as make bench-soak); off: feature scorer")
    parser.add_argument("--duration", type=int, default=30,
                        help="seconds of measured load per configuration")
    parser.add_argument("--warmup", type=int, default=5,
                        help="seconds of unmeasured load first (0: none)")
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections in all, split evenly over the replicas")
    parser.add_argument("--threads", type=int, default=2,
                        help="wrk threads in all, split like the connections")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a database to connect to for CREATE/DROP DATABASE")
    parser.add_argument("--out", type=Path, default=REPO / "var/bench/scale")
    args = parser.parse_args()
    if args.duration < 1 or args.warmup < 0 or args.connections < 2 or args.threads < 1:
        parser.error("--duration and --threads must be >= 1, --warmup >= 0, --connections >= 2")
    if not wrk_available():
        sys.exit("error: wrk is not installed (make bench-scale installs it from Debian)")
    args.index = args.index.resolve()
    if not (args.index / "current").exists():
        sys.exit(f"error: no index in {args.index} (make ingest, or govqa ingest --index DIR)")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "logs").mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, _terminate)

    wired = shared_state_wired()
    if not wired:
        print("[scale] note: chat_api.settings has no redis_url/database_url yet, so "
              "configuration (b) runs on each worker's own state", file=sys.stderr)
    bodies = ",".join(json.dumps(json.dumps({"question": q})) for q in _questions())
    follow_ups = ",".join(json.dumps(q) for q in FOLLOW_UPS)
    configurations = []
    shared_info: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="govqa-scale-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "scale.lua"
        script.write_text(SCRIPT % {"bodies": bodies, "follow_ups": follow_ups,
                                      "request": LUA_REQUEST})
        try:
            # Checked and created before (a) runs, so an unreachable server fails at once.
            with SharedState(args.redis_url, args.postgres_url) as shared:
                configurations.append(run_configuration(
                    "1 replica, in-memory state", "a", 1, server_env(args, 1, tmp), args, script))
                configurations.append(run_configuration(
                    "2 replicas, Redis + PostgreSQL", "b", 2,
                    server_env(args, 2, tmp) | shared.env(), args, script))
            shared_info = {"redis_prefix": shared.prefix, "redis_keys_deleted": shared.redis_keys,
                           "database": shared.database, "postgres_tables": shared.tables}
        except SetupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            print("interrupted: replicas stopped, bench database and Redis keys removed",
                  file=sys.stderr)
            sys.exit(130)

    report = {
        "when": time.strftime("%Y-%m-%d %H:%M"), "index": str(args.index),
        "reader": "shipped" if args.reader == "on" else "off",
        "duration_s": args.duration, "warmup_s": args.warmup,
        "connections": args.connections, "threads": args.threads, "cpus": os.cpu_count(),
        "shared_state_wired": wired, "shared_state": shared_info,
        "configurations": configurations,
        "ok": all(r["errors"] == 0 for r in configurations),
    }
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"wrote {args.out / 'results.json'} (wrk output and server logs beside it)")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
