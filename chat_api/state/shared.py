"""What the app keeps outside its process when several replicas serve one site, built once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chat_api.metrics import Metrics
from chat_api.service_health import Dependency
from chat_api.settings import Settings
from chat_api.state.answer_cache import RedisAnswers, ServedAnswers
from chat_api.state.redis_state import RedisConversations, RedisSeenKeys, clients
from retriever.answer_cache import MemoryAnswers

if TYPE_CHECKING:
    import redis
    import redis.asyncio as aioredis

    from chat_api.state.seen import SeenKeys
    from retriever.conversation import Conversations


@dataclass
class SharedState:
    """Redis-backed conversations, Slack de-duplication and answers when GOVQA_REDIS_URL is
    set; None for the first two means this process keeps its own. `answers` is None when
    the answer cache is off (GOVQA_ANSWER_CACHE_SIZE=0)."""

    conversations: Conversations | None = None
    seen: SeenKeys | None = None
    redis_health: Dependency | None = None
    answers: ServedAnswers | None = None
    clients: tuple[redis.Redis, aioredis.Redis] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings, metrics: Metrics) -> SharedState:
        if not settings.redis_url:
            return cls(answers=_answers(settings, metrics))
        health = Dependency("Redis", metrics.dependency("redis"))
        sync_client, async_client = clients(settings.redis_url, settings.redis_timeout_s)
        shared = RedisAnswers(sync_client, health, settings.redis_prefix,
                              settings.answer_cache_ttl_s)
        return cls(
            conversations=RedisConversations(sync_client, health, settings.redis_prefix),
            seen=RedisSeenKeys(async_client, health, settings.redis_prefix),
            redis_health=health,
            answers=_answers(settings, metrics, shared),
            clients=(sync_client, async_client),
        )

    async def close(self) -> None:
        if self.clients is not None:
            sync_client, async_client = self.clients
            sync_client.close()
            await async_client.aclose()


def _answers(settings: Settings, metrics: Metrics,
             shared: RedisAnswers | None = None) -> ServedAnswers | None:
    """This process's answer cache, in front of the shared one; None when it is off."""
    if not settings.answer_cache_size:
        return None
    local = MemoryAnswers(settings.answer_cache_size, settings.answer_cache_ttl_s)
    return ServedAnswers(local, shared, count=metrics.count_cache_lookup)
