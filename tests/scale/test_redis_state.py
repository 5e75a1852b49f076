"""Conversations and Slack's seen keys in the real Redis, shared by replicas, and without it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
import redis
import redis.asyncio as aioredis

from chat_api.metrics import Metrics
from chat_api.service_health import Dependency
from chat_api.state.redis_state import RedisConversations, RedisSeenKeys
from loadtest.proxy import TcpProxy
from retriever.conversation import Turn
from tests.scale.conftest import REDIS


def _turn(n: int) -> Turn:
    return Turn(question=f"q{n}", resolved=f"q{n}", answered=True, topic="DGX",
                section="Digital Government Exchange (DGX)", answer=f"a{n}",
                chunk_id="c0ffee", start=n)


def _replica(prefix: str, url: str = REDIS, **kwargs: object) -> RedisConversations:
    health = Dependency("Redis", retry_after_s=0)
    return RedisConversations(redis.Redis.from_url(url, socket_timeout=0.5,
                                                   socket_connect_timeout=0.5),
                              health, prefix, **kwargs)  # type: ignore[arg-type]


def test_a_conversation_continues_on_another_replica(redis_prefix: str,
                                                     redis_client: redis.Redis) -> None:
    one, two = _replica(redis_prefix), _replica(redis_prefix, max_turns=3)
    conv = one.get(None)
    assert (conv.turns, conv.count) == ([], 0)
    assert one.add_turn(conv, _turn(1)) == 1

    again = two.get(conv.id)
    assert (again.id, again.turns, again.count) == (conv.id, [_turn(1)], 1)
    assert [two.add_turn(again, _turn(n)) for n in (2, 3, 4, 5)] == [2, 3, 4, 5]
    # Bounded turns; the numbering, which feedback cites, goes on past the trim.
    latest = one.get(conv.id)
    assert (latest.turns, latest.count) == ([_turn(3), _turn(4), _turn(5)], 5)
    key = f"{redis_prefix}conv:{conv.id}"
    assert redis_client.keys(f"{redis_prefix}*") == [key.encode()]
    assert 1790 <= redis_client.ttl(key) <= 1800  # the idle timeout, re-armed on each turn


def test_an_unusable_id_gets_a_new_conversation(redis_prefix: str,
                                                redis_client: redis.Redis) -> None:
    store = _replica(redis_prefix)
    conv = store.get("bad id with spaces")
    assert conv.id != "bad id with spaces" and len(conv.id) == 32
    assert redis_client.keys(f"{redis_prefix}*") == []


def test_without_redis_answers_go_on_without_follow_up_memory(
        redis_prefix: str, proxy: Callable[[str, int], TcpProxy],
        caplog: pytest.LogCaptureFixture) -> None:
    gate = proxy("127.0.0.1", 6379)
    metrics = Metrics()
    health = Dependency("Redis", metrics.dependency("redis"), retry_after_s=0)
    store = RedisConversations(redis.Redis.from_url(
        f"redis://127.0.0.1:{gate.port}/0", socket_timeout=0.5, socket_connect_timeout=0.5),
        health, redis_prefix)
    conv = store.get(None)
    store.add_turn(conv, _turn(1))
    gate.cut()
    with caplog.at_level(logging.WARNING, logger="chat_api"):
        lost = store.get(conv.id)
        # A fresh id: its turn 1 cannot be mistaken for the turn 1 Redis still holds.
        assert lost.id != conv.id and lost.turns == []
        assert store.add_turn(lost, _turn(2)) == 1
        store.get(conv.id)
    warnings = [r.getMessage() for r in caplog.records if r.name == "chat_api"]
    assert len(warnings) == 1 and warnings[0].startswith("Redis is unreachable (ConnectionError")
    assert b'govqa_dependency_up{dependency="redis"} 0.0' in metrics.render()

    gate.restore()
    back = store.get(conv.id)
    assert (back.id, back.turns, back.count) == (conv.id, [_turn(1)], 1)
    assert b'govqa_dependency_up{dependency="redis"} 1.0' in metrics.render()


def test_seen_keys_are_shared_and_fail_open(redis_prefix: str,
                                            proxy: Callable[[str, int], TcpProxy]) -> None:
    gate = proxy("127.0.0.1", 6379)

    async def run() -> list[bool]:
        clients = [aioredis.Redis.from_url(REDIS), aioredis.Redis.from_url(
            f"redis://127.0.0.1:{gate.port}/0", socket_timeout=0.5, socket_connect_timeout=0.5)]
        one, two = (RedisSeenKeys(c, Dependency("Redis", retry_after_s=0), redis_prefix, 60)
                    for c in clients)
        seen = [await one.check_and_add("event:Ev1"), await two.check_and_add("event:Ev1"),
                await two.check_and_add("event:Ev2"), await one.check_and_add("event:Ev2")]
        gate.cut()
        # Without Redis nothing counts as seen: a retry may be answered twice, none refused.
        seen.append(await two.check_and_add("event:Ev1"))
        for c in clients:
            await c.aclose()
        return seen

    assert asyncio.run(run()) == [False, True, False, True, False]
    ttl = redis.Redis.from_url(REDIS).ttl(f"{redis_prefix}seen:event:Ev1")
    assert 55 <= ttl <= 60
