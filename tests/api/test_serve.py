"""The real `govqa serve`, as a subprocess on a free port, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

GOVQA = str(Path(sys.executable).parent / "govqa")
ANSWERABLE = "which countries attended DGX?"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVQA_", "SLACK_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        GOVQA_FEEDBACK_DB=str(tmp_path / "feedback.sqlite3"),
        GOVQA_ADMIN_TOKEN="serve-test-token",
        GOVQA_ACCESS_LOG="false",
        GOVQA_BODY_TIMEOUT_S="1",
    )
    return env


@pytest.fixture
def served(tmp_path: Path, index_copy: Path, free_port: int) -> Iterator[str]:
    """`govqa serve --workers 2` on a free port; yields its base URL once /readyz says 200."""
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen(
        [GOVQA, "serve", "--index", str(index_copy), "--host", "127.0.0.1",
         "--port", str(free_port), "--workers", "2"],
        cwd=tmp_path,  # no stray .env
        env=_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"govqa serve exited:\n{_read(log)}"
            try:
                if _every_worker_ready(base):
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not ready in 120 s:\n{_read(log)}"
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
    assert code == 0, _read(open(tmp_path / "serve.log"))


def _every_worker_ready(base: str) -> bool:
    """/readyz answers for whichever worker took the connection; `govqa_ready` is the
    minimum over the live workers, so it says 1 only once none of them is still loading."""
    if httpx.get(f"{base}/readyz", timeout=2).status_code != 200:
        return False
    metrics = httpx.get(f"{base}/metrics", timeout=2).text.splitlines()
    return "govqa_ready 1.0" in metrics


def _read(log: object) -> str:
    fh = log if hasattr(log, "seek") else None
    assert fh is not None
    fh.seek(0)  # type: ignore[attr-defined]
    return str(fh.read())  # type: ignore[attr-defined]


def test_govqa_serve_answers_over_http(served: str) -> None:
    chat = httpx.post(f"{served}/api/chat", json={"question": ANSWERABLE}, timeout=30)
    assert chat.status_code == 200
    body = chat.json()
    assert body["answered"] is True
    assert body["citations"][0]["title"] == "International Collaboration"
    assert len(chat.headers["x-request-id"]) == 32

    # Every worker answers (several connections spread over them) and /metrics adds them up.
    for _ in range(7):
        with httpx.Client(base_url=served, timeout=30) as one_connection:
            assert one_connection.post(
                "/api/chat", json={"question": ANSWERABLE}
            ).status_code == 200
    metrics = httpx.get(f"{served}/metrics", timeout=30).text
    assert 'govqa_http_requests_total{method="POST",route="/api/chat",status="200"} 8.0' in metrics
    assert 'govqa_answers_total{outcome="answered",source="api"} 8.0' in metrics

    page = httpx.get(f"{served}/", timeout=30)
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text
    assert httpx.get(f"{served}/widget.js", timeout=30).status_code == 200
    stats = httpx.get(
        f"{served}/api/stats", headers={"Authorization": "Bearer serve-test-token"}, timeout=30
    ).json()
    assert (stats["questions"], stats["answered"]) == (8, 8)


def test_govqa_serve_rejects_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"GOVQA_RATE_LIMIT": "lots"}
    result = subprocess.run(
        [GOVQA, "serve", "--index", str(tmp_path / "index")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: GOVQA_RATE_LIMIT: not a rate limit like '30/minute' or 'off': 'lots'\n"
    )


def test_a_body_shorter_than_its_length_gets_408_and_a_closed_connection(served: str) -> None:
    parts = urlsplit(served)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: govqa\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                     b'{"question": "wh')  # and then nothing: 84 bytes never come
        started = time.monotonic()
        reply = b""
        while chunk := sock.recv(65536):  # until the server closes the connection
            reply += chunk
        waited = time.monotonic() - started
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    assert b"connection: close" in head.lower()
    message = httpx.Response(408, content=body).json()
    assert (message["error"], message["message"]) == (
        "request_timeout", "the request body did not arrive within 1 s")
    assert waited < 25  # closed by the server, not by this socket's 30 s timeout
