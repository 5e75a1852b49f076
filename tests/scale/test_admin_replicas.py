"""Editors' sessions and the admin lockout on replicas sharing one Redis: a sign-out or a
lockout on one holds on every other, and a new admin token ends every session."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from chat_api.server import admin_session
from loadtest.proxy import TcpProxy
from tests.api.conftest import api_settings
from tests.api.test_admin_guard import GUESSES, bearer
from tests.api.test_admin_sessions import (
    alert,
    is_dashboard,
    session_cookie,
    sign_in,
    sign_out,
    with_session,
)
from tests.scale.conftest import REDIS, REDIS_TIMEOUT_S
from tests.web.conftest import ADMIN_TOKEN, Server, start_server

ATTACKER = {"X-Forwarded-For": "203.0.113.99"}
EDITOR = {"X-Forwarded-For": "198.51.100.99"}


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, sample_index_dir: Path
             ) -> Iterator[tuple[list[httpx.Client], str]]:
    """Two real `govqa serve` replicas on one Redis (a key prefix of their own, deleted
    afterwards): an HTTP client for each, and the prefix."""
    prefix = f"govqa-test-{uuid.uuid4().hex[:12]}:"
    env = {"GOVQA_REDIS_URL": REDIS, "GOVQA_REDIS_PREFIX": prefix, "GOVQA_READER": "off",
           "GOVQA_REDIS_TIMEOUT_S": str(REDIS_TIMEOUT_S)}
    servers: list[Server] = []
    with ExitStack() as stack:
        for n in (1, 2):
            servers.append(start_server(sample_index_dir,
                                        tmp_path_factory.mktemp(f"replica-{n}"), extra_env=env))
            stack.callback(servers[-1].stop)
        clients = [stack.enter_context(httpx.Client(base_url=s.url, timeout=30))
                   for s in servers]
        yield clients, prefix
    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


def test_a_session_signed_out_on_one_replica_is_refused_on_the_other(
        replicas: tuple[list[httpx.Client], str], redis_client: redis.Redis) -> None:
    (one, two), prefix = replicas
    cookie = session_cookie(one, token=ADMIN_TOKEN)
    copied = with_session(cookie)
    # Begun on replica 1, the session holds on replica 2: one record, in Redis.
    assert is_dashboard(two.get("/admin", headers=copied))
    assert two.get("/admin/api/insights", headers=copied).status_code == 200
    [record] = redis_client.keys(f"{prefix}admin-session:*")
    sid = cookie.split(".")[1]
    assert sid.encode() not in record  # a digest of the id, not the id
    assert admin_session.SESSION_S - 60 < redis_client.ttl(record) <= admin_session.SESSION_S

    signed_out = sign_out(one, cookie)

    assert signed_out.status_code == 303
    assert redis_client.keys(f"{prefix}admin-session:*") == []
    refused = two.get("/admin/api/insights", headers=copied)
    assert (refused.status_code, refused.json()["message"]) == (401, "sign in at /admin first")
    page = two.get("/admin", headers=copied)
    assert page.status_code == 200 and not is_dashboard(page)
    assert one.get("/admin/export/gaps.csv", headers=copied).status_code == 401


def test_a_lockout_on_one_replica_holds_on_the_other(
        replicas: tuple[list[httpx.Client], str]) -> None:
    (one, two), _ = replicas
    wrong = [one.get("/api/stats", headers=bearer(g, ATTACKER)) for g in GUESSES[:5]]
    refused = two.get("/api/stats", headers=bearer(ADMIN_TOKEN, ATTACKER))
    page = sign_in(two, ADMIN_TOKEN, ATTACKER)
    editor = two.get("/api/stats", headers=bearer(ADMIN_TOKEN, EDITOR))

    assert [w.status_code for w in wrong] == [403] * 5
    assert (refused.status_code, refused.json()["error"]) == (429, "locked_out")
    assert 50 <= int(refused.headers["retry-after"]) <= 60
    assert (page.status_code, alert(page)) == (429, (
        "Too many wrong tokens from your address: try again in "
        f"{page.headers['retry-after']} seconds."))
    assert editor.status_code == 200
    assert 'govqa_admin_lockouts_total 1.0' in one.get("/metrics").text
    assert ('govqa_admin_auth_total{outcome="locked_out",route="/api/stats"} 1.0'
            in two.get("/metrics").text)


@pytest.fixture
def shared_app(tmp_path: Path, sample_index_dir: Path, redis_prefix: str, sample_engine: Any
               ) -> Iterator[Callable[..., TestClient]]:
    """`shared_app(redis_port=…, **settings)`: the real app in process on the shared Redis
    (through the given port), its engine the sample one, loaded at once."""
    from chat_api.server.app import create_app

    with ExitStack() as stack:
        def make(redis_port: int = 6379, **overrides: Any) -> TestClient:
            overrides.setdefault("redis_timeout_s", REDIS_TIMEOUT_S)
            settings = api_settings(
                sample_index_dir, tmp_path / f"{uuid.uuid4().hex}.sqlite3",
                redis_url=f"redis://127.0.0.1:{redis_port}/0", redis_prefix=redis_prefix,
                **overrides)
            app = create_app(settings, engine_loader=lambda *args, **kwargs: sample_engine)
            return stack.enter_context(TestClient(app, raise_server_exceptions=False))

        yield make


def test_a_new_admin_token_ends_every_session(shared_app: Callable[..., TestClient]) -> None:
    before = shared_app(admin_token="the-token-before")
    cookie = session_cookie(before, token="the-token-before")
    # The record is still in the shared Redis: a replica on the same token honours it ...
    same = shared_app(admin_token="the-token-before")
    assert is_dashboard(same.get("/admin", headers=with_session(cookie)))
    # ... and one given a new token refuses it: no cookie verifies under the new key.
    rotated = shared_app(admin_token="the-token-after")
    page = rotated.get("/admin", headers=with_session(cookie))
    assert page.status_code == 200 and not is_dashboard(page)
    assert rotated.get("/admin/api/insights", headers=with_session(cookie)).status_code == 401
    fresh = session_cookie(rotated, token="the-token-after")
    assert is_dashboard(rotated.get("/admin", headers=with_session(fresh)))


def test_while_redis_is_down_sessions_fail_closed_and_the_lockout_holds_in_memory(
        shared_app: Callable[..., TestClient], proxy: Callable[[str, int], TcpProxy]) -> None:
    gate = proxy("127.0.0.1", 6379)
    client = shared_app(redis_port=gate.port, admin_max_failures=2,
                        admin_token="the-outage-token")
    cookie = session_cookie(client, token="the-outage-token")
    gate.cut()

    # Sessions cannot be checked: refused, rather than honour one that was signed out.
    page = client.get("/admin", headers=with_session(cookie))
    assert page.status_code == 200 and not is_dashboard(page)
    assert client.get("/admin/api/insights", headers=with_session(cookie)).status_code == 401
    signing_in = sign_in(client, "the-outage-token")
    assert (signing_in.status_code, signing_in.headers["retry-after"], alert(signing_in)) == (
        503, "1", "Signing in is not possible right now: the session store cannot be reached. "
                  "Try again shortly.")
    # The bearer token still works, and guessing it still locks out, in this process.
    statuses = [client.get("/api/stats", headers=bearer(token, {})).status_code
                for token in ["the-outage-token", *GUESSES[:2], "the-outage-token"]]
    assert statuses == [200, 403, 403, 429]
    assert 'govqa_dependency_up{dependency="redis"} 0.0' in client.get("/metrics").text

    gate.restore()
    deadline = time.monotonic() + 30  # Redis is retried 2 s after a failure
    while not is_dashboard(client.get("/admin", headers=with_session(cookie))):
        assert time.monotonic() < deadline, "the session never came back with Redis"
        time.sleep(0.2)
    assert 'govqa_dependency_up{dependency="redis"} 1.0' in client.get("/metrics").text
