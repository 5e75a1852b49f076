"""Fixtures for the chat API: the real app, over the real sample index, in process."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

ADMIN_TOKEN = "test-admin-token"
ANSWERABLE = "which countries attended DGX?"
UNANSWERABLE = "how do I renew my parking permit?"


def wait_logged(client: TestClient, rows: int, timeout: float = 10.0) -> None:
    """Wait for the question log's own thread to have written `rows` questions: `/api/chat`
    returns before its question is in the database."""
    log = client.app.state.store.log  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while log.written < rows:
        assert time.monotonic() < deadline, f"the question log wrote {log.written} of {rows}"
        time.sleep(0.02)


def wait_ready(
    client: TestClient, timeout: float = 120.0, allow_error: bool = False
) -> dict[str, Any]:
    """Poll /readyz until the model and index are in (loading runs in the background).

    A load error fails at once unless `allow_error` (the service is expected to recover).
    """
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/readyz")
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            return body
        assert response.status_code == 503, response.text
        if not allow_error:
            assert response.json()["status"] == "loading", response.text
        assert time.monotonic() < deadline, f"not ready after {timeout} s: {response.text}"
        time.sleep(0.02)


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def api_settings(index_dir: Path, feedback_db: Path, **overrides: Any) -> Any:
    """Settings for one test app: no .env, no shell env, no rate limit, no Slack."""
    from chat_api.settings import Settings

    values: dict[str, Any] = {
        "index_dir": index_dir,
        "feedback_db": str(feedback_db),
        "admin_token": ADMIN_TOKEN,
        "rate_limit": "off",
        "reload_interval": 0,
        "slack_bot_token": None,
        "slack_signing_secret": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def make_settings(tmp_path: Path, sample_index_dir: Path) -> Callable[..., Any]:
    """Settings for one app: the sample index and a fresh feedback DB."""
    defaults = {"index_dir": sample_index_dir, "feedback_db": tmp_path / "feedback.sqlite3"}
    return lambda **overrides: api_settings(**{**defaults, **overrides})


@pytest.fixture
def make_client(make_settings: Callable[..., Any]) -> Iterator[Callable[..., TestClient]]:
    """Start `create_app(settings)` (lifespan included) and wait until it is ready."""
    from chat_api.server.app import create_app

    opened: list[TestClient] = []

    def make(wait: bool = True, engine_loader: Any = None, **overrides: Any) -> TestClient:
        app = create_app(make_settings(**overrides), engine_loader=engine_loader)
        # raise_server_exceptions=False: the client sees what a real client would see.
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        if wait:
            wait_ready(client)
        return client

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path
) -> Iterator[TestClient]:
    """One ready app per test module (loading the model takes a second): no rate limit."""
    from chat_api.server.app import create_app

    settings = api_settings(sample_index_dir,
                            tmp_path_factory.mktemp("api") / "feedback.sqlite3")
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def volatile() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An answer without the fields that differ between two identical asks."""

    def strip(answer: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in answer.items() if k not in {"conversation_id", "took_ms"}}

    return strip


@pytest.fixture
def await_ready() -> Callable[..., dict[str, Any]]:
    """`await_ready(client)`: block until /readyz says 200; returns its body."""
    return wait_ready


def cache_lookups(client: TestClient) -> dict[str, float]:
    """The answer cache's lookups so far, by result, from the app's /metrics."""
    found = {}
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("govqa_answer_cache_total{"):
            found[line.split('result="', 1)[1].split('"', 1)[0]] = float(line.rsplit(" ", 1)[1])
    return found
