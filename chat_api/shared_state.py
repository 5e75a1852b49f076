"""What the app keeps outside its process when several replicas serve one site, built once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chat_api.dependency import Dependency
from chat_api.metrics import Metrics
from chat_api.settings import Settings

if TYPE_CHECKING:
    import redis
    import redis.asyncio as aioredis
    from limits.aio.storage import Storage

    from chat_api.admin_session import Sessions
    from chat_api.slack_gate import SeenKeys
    from retriever.conversation import Conversations



@dataclass
class SharedState:
    """Redis-backed conversations, Slack de-duplication, editors' sessions and the admin
    lockout's counters when GOVQA_REDIS_URL is set; None for each means this process keeps
    its own."""

    conversations: Conversations | None = None
    seen: SeenKeys | None = None
    redis_health: Dependency | None = None
    admin_sessions: Sessions | None = None
    admin_counters: Storage | None = None
    _clients: tuple[redis.Redis, aioredis.Redis] | None = None

    @classmethod
    def build(cls, settings: Settings, metrics: Metrics) -> SharedState:
        if not settings.redis_url:
            return cls()
        from chat_api.admin_guard import redis_counters
        from chat_api.admin_session import RedisSessions
        from chat_api.redis_state import RedisConversations, RedisSeenKeys, clients

        health = Dependency("Redis", metrics.dependency("redis"))
        sync_client, async_client = clients(settings.redis_url, settings.redis_timeout_s)
        return cls(
            conversations=RedisConversations(sync_client, health, settings.redis_prefix),
            seen=RedisSeenKeys(async_client, health, settings.redis_prefix),
            redis_health=health,
            admin_sessions=RedisSessions(async_client, health, settings.redis_prefix),
            admin_counters=redis_counters(settings.redis_url, async_client,
                                          settings.redis_prefix),
            _clients=(sync_client, async_client),
        )

    async def close(self) -> None:
        if self._clients is not None:
            sync_client, async_client = self._clients
            sync_client.close()
            await async_client.aclose()
