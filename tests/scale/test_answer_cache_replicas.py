"""The answer cache in the real Redis: replicas share it, a reload empties it, outages fall back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from loadtest.proxy import TcpProxy
from tests.api.conftest import ADMIN_TOKEN, ANSWERABLE, cache_lookups

PER_REQUEST = {"conversation_id", "turn", "took_ms"}


def _ask(client: TestClient, question: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"question": question})
    assert response.status_code == 200, response.text
    return {k: v for k, v in response.json().items() if k not in PER_REQUEST}


def test_two_replicas_share_answers_and_a_reload_empties_them(
        shared_app: Callable[..., TestClient], redis_client: redis.Redis,
        redis_prefix: str) -> None:
    one, two = shared_app(), shared_app()
    first = _ask(one, ANSWERABLE)
    assert len(redis_client.keys(f"{redis_prefix}answer:*")) == 1
    assert _ask(two, ANSWERABLE) == first
    assert (cache_lookups(one), cache_lookups(two)) == ({"hit": 0.0, "miss": 1.0},
                                              {"hit": 1.0, "miss": 0.0})
    reloaded = one.post("/api/admin/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert reloaded.status_code == 200
    assert redis_client.keys(f"{redis_prefix}answer:*") == []
    assert len(one.app.state.engines.answers.local) == 0  # type: ignore[attr-defined]


def test_without_redis_answers_are_kept_in_the_process_with_one_warning(
        shared_app: Callable[..., TestClient], proxy: Callable[[str, int], TcpProxy],
        caplog: pytest.LogCaptureFixture) -> None:
    gate = proxy("127.0.0.1", 6379)
    client = shared_app(redis_port=gate.port)
    gate.cut()
    with caplog.at_level(logging.WARNING, logger="chat_api"):
        answers = [_ask(client, ANSWERABLE) for _ in range(3)]
    assert answers[0]["answered"] and answers[1] == answers[0] == answers[2]
    assert cache_lookups(client) == {"hit": 2.0, "miss": 1.0}
    unreachable = [r for r in caplog.records if "is unreachable" in r.getMessage()]
    assert [r.getMessage().split(" ")[0] for r in unreachable] == ["Redis"]
