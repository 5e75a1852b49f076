"""Measure a running `govqa serve`: cold start, HTTP load with wrk, and each worker's peak RSS."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

# wrk (a C load generator, in its own process) posts varied questions and reports
# percentiles from its own HdrHistogram; its status errors count every non-2xx answer.
WRK_SCRIPT = """
local bodies = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"},
                    bodies[(n %% #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "status_errors": %%d, "connect_errors": %%d, ' ..
    '"timeouts": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`govqa serve` in a child process, started and timed until /readyz says 200."""

    def __init__(self, index_dir: Path, workers: int = 1, env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="govqa-perf-"))
        self.env = {
            **os.environ,
            "GOVQA_RATE_LIMIT": "off",
            "GOVQA_ACCESS_LOG": "false",
            "GOVQA_FEEDBACK_DB": str(self.tmp / "feedback.sqlite3"),
            "GOVQA_WORKERS": str(workers),
            **(env or {}),
        }
        self.args = [
            sys.executable,
            "-m",
            "govqa.cli",
            "serve",
            "--index",
            str(index_dir),
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0

    def __enter__(self) -> Server:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = started + 120
        in_a_row = 0
        while time.perf_counter() < deadline and self.proc.poll() is None:
            try:
                # A new connection each time, so every worker gets asked in turn.
                ready = httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and not self.ready_s:
                self.ready_s = time.perf_counter() - started  # the first worker is serving
            in_a_row = in_a_row + 1 if ready else 0
            # Send load only once every worker has loaded: 20 ready answers in a row.
            if in_a_row >= 20:
                return self
            time.sleep(0.005)
        self.__exit__()
        raise RuntimeError(f"govqa serve did not become ready: {' '.join(self.args)}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def processes(self) -> list[int]:
        """The server's pid and all its descendants (uvicorn's workers)."""
        assert self.proc is not None
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        family, frontier = [self.proc.pid], [self.proc.pid]
        while frontier:
            frontier = [p for p, pp in parents.items() if pp in frontier]
            family += frontier
        return family

    def peak_rss_mb(self) -> dict[int, float]:
        """VmHWM (peak resident set) of each process, in MB."""
        return self._status_mb("VmHWM:")

    def rss_mb(self) -> dict[int, float]:
        """VmRSS (resident set now) of each process, in MB."""
        return self._status_mb("VmRSS:")

    def _status_mb(self, field: str) -> dict[int, float]:
        out = {}
        for pid in self.processes():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field):
                        out[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return out


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, questions: list[str], connections: int, seconds: int) -> dict[str, Any]:
    bodies = ",".join(json.dumps(json.dumps({"question": q})) for q in questions)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % bodies)
        script = fh.name
    try:
        threads = min(2, connections)
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("{"))
    data = json.loads(line)
    duration = data["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": data["requests"],
        "rps": data["requests"] / duration,
        "errors": data["status_errors"] + data["connect_errors"] + data["timeouts"],
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
    }
