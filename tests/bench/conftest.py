"""Fixtures for the bench tests: the tiny fixture sets, the CLI, and a live server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

GOVQA = str(Path(sys.executable).parent / "govqa")


@pytest.fixture
def read_outputs() -> Callable[[Path], tuple[dict[str, Any], list[dict[str, Any]], str]]:
    """The three report files of an --out folder, parsed: (results.json, jsonl rows, html)."""

    def read(out: Path) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
            "report.html",
            "results.json",
            "results.jsonl",
        ]
        summary = json.loads((out / "results.json").read_text())
        rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
        return summary, rows, (out / "report.html").read_text()

    return read


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def serve(
    tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path
) -> Iterator[Callable[..., str]]:
    """`serve(rate_limit="off")`: the real `govqa serve` over a copy of the sample index,
    on a free local port; returns its base URL once /readyz says 200."""
    procs: list[tuple[subprocess.Popen[bytes], Any]] = []

    def start(rate_limit: str = "off") -> str:
        tmp = tmp_path_factory.mktemp("served")
        index = tmp / "index"
        shutil.copytree(sample_index_dir, index, symlinks=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVQA_", "SLACK_"))}
        env.update(
            GOVQA_FEEDBACK_DB=str(tmp / "feedback.sqlite3"),
            GOVQA_RATE_LIMIT=rate_limit,
            GOVQA_ACCESS_LOG="false",
        )
        port = _free_port()
        log = open(tmp / "serve.log", "w+")  # noqa: SIM115 - closed at teardown
        cmd = [GOVQA, "serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)]
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"govqa serve exited:\n{log.read()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "govqa serve not ready in 120 s"
            time.sleep(0.1)

    yield start
    for proc, log in procs:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def served_url(serve: Callable[..., str]) -> str:
    """A server with no rate limit, as a benchmarked deployment should run."""
    return serve()
