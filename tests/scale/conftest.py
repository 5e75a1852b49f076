"""The real PostgreSQL and Redis of the machine, each test in its own database and key prefix,
and a TCP proxy in front of them that a test can cut or stall, to stage an outage."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from loadtest.proxy import TcpProxy
from tests.api.conftest import api_settings, wait_ready

PG_ADMIN = os.environ.get("GOVQA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GOVQA_TEST_REDIS", "redis://127.0.0.1:6379/0")
# The app gives Redis 0.25 s; on a loaded 2-core machine a connect can take longer and read as
# an outage (the app then goes on without Redis for 2 s). The replicas the tests start get this
# margin; no test waits it out, since an outage is staged by cutting, which refuses at once.
REDIS_TIMEOUT_S = 5.0


def _pg_url(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture
def new_database() -> Iterator[Callable[[], str]]:
    """`new_database()`: the URL of an empty database of the suite's own, dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"govqa_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _pg_url(name)

    yield make
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(new_database: Callable[[], str]) -> str:
    return new_database()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"govqa-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS)
    yield client
    client.close()


@pytest.fixture
def proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    made: list[TcpProxy] = []

    def make(host: str, port: int) -> TcpProxy:
        made.append(TcpProxy(host, port))
        return made[-1]

    yield make
    for p in made:
        p.cut()


@pytest.fixture
def shared_app(tmp_path: Path, sample_index_dir: Path, redis_prefix: str,
               database_url: str) -> Iterator[Callable[..., TestClient]]:
    """`shared_app(redis_port=…, database_port=…, **settings)`: the real app, in process,
    on Redis and PostgreSQL reached through the given ports."""
    from chat_api.server.app import create_app

    opened: list[TestClient] = []

    def make(redis_port: int = 6379, database_port: int = 5432, **overrides: Any) -> TestClient:
        overrides.setdefault("redis_timeout_s", REDIS_TIMEOUT_S)
        settings = api_settings(
            sample_index_dir, tmp_path / "unused.sqlite3", reader="off",
            redis_url=f"redis://127.0.0.1:{redis_port}/0", redis_prefix=redis_prefix,
            database_url=database_url.replace(":5432/", f":{database_port}/"), **overrides)
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        wait_ready(client)
        return client

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)
