"""State several replicas share through Redis: conversations and Slack's already-seen keys."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict

import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from chat_api.service_health import Dependency
from retriever.conversation import CONVERSATION_TTL_S, Conversation, Turn, valid_id

# One key per conversation: a list of "N|turn-json", newest last. The number rides in each
# entry so that numbering survives trimming, and one script appends, trims and re-arms the
# idle timeout atomically, whichever replica the turn lands on.
_ADD_TURN = """
local last = redis.call('LINDEX', KEYS[1], -1)
local n = 1
if last then n = tonumber(string.match(last, '^(%d+)|')) + 1 end
redis.call('RPUSH', KEYS[1], n .. '|' .. ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return n
"""


def clients(url: str, timeout_s: float) -> tuple[redis.Redis, aioredis.Redis]:
    """A blocking client for the answer thread and an asyncio one for the event loop, each
    with its own pool; short timeouts, so a Redis that hangs cannot hang a request."""
    options = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s,
               "health_check_interval": 30, "max_connections": 32}
    return (redis.Redis.from_url(url, **options),  # type: ignore[arg-type]
            aioredis.Redis.from_url(url, **options))  # type: ignore[arg-type]


class RedisConversations:
    """Conversations in Redis, one key each with a TTL of the idle timeout and the last
    `max_turns` turns. Without Redis a question starts a new conversation: answered, just
    without follow-up memory."""

    def __init__(self, client: redis.Redis, health: Dependency, prefix: str = "govqa:",
                 ttl_seconds: float = CONVERSATION_TTL_S, max_turns: int = 8) -> None:
        self.client = client
        self.health = health
        self.prefix = prefix
        self.ttl = int(ttl_seconds)
        self.max_turns = max_turns
        self._add_turn = client.register_script(_ADD_TURN)

    def _key(self, conversation_id: str) -> str:
        return f"{self.prefix}conv:{conversation_id}"

    def get(self, conversation_id: str | None) -> Conversation:
        cid = valid_id(conversation_id)
        if cid is None:
            return Conversation(id=uuid.uuid4().hex)
        if not self.health.worth_trying:
            return Conversation(id=uuid.uuid4().hex)
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.lrange(self._key(cid), 0, -1)
            pipe.expire(self._key(cid), self.ttl)
            entries, _ = pipe.execute()
        except RedisError as exc:
            self.health.failed(exc)
            # A fresh id: its turn numbers cannot collide with the ones Redis still holds.
            return Conversation(id=uuid.uuid4().hex)
        self.health.succeeded()
        turns, count = [], 0
        for entry in entries:
            number, _, payload = entry.decode().partition("|")
            turns.append(Turn(**json.loads(payload)))
            count = int(number)
        return Conversation(id=cid, turns=turns, count=count)

    def add_turn(self, conv: Conversation, turn: Turn) -> int:
        conv.turns.append(turn)
        del conv.turns[:-self.max_turns]
        if self.health.worth_trying:
            try:
                conv.count = int(self._add_turn(keys=[self._key(conv.id)], args=[
                    json.dumps(asdict(turn)), self.max_turns, self.ttl]))
                self.health.succeeded()
                return conv.count
            except RedisError as exc:
                self.health.failed(exc)
        conv.count += 1
        return conv.count


class RedisSeenKeys:
    """Keys handled already (Slack event ids, hashes of signed bodies), kept `ttl_s` with
    SET NX EX: the first replica to see one wins, a retry on another replica is dropped.
    Without Redis every request counts as new: a retry may be answered twice, but nothing
    is refused."""

    def __init__(self, client: aioredis.Redis, health: Dependency, prefix: str = "govqa:",
                 ttl_s: float = 3600.0) -> None:
        self.client = client
        self.health = health
        self.prefix = prefix
        self.ttl_s = int(ttl_s)

    async def check_and_add(self, key: str) -> bool:
        if not self.health.worth_trying:
            return False
        try:
            fresh = await self.client.set(f"{self.prefix}seen:{key}", b"1", nx=True,
                                          ex=self.ttl_s)
        except RedisError as exc:
            self.health.failed(exc)
            return False
        self.health.succeeded()
        return not fresh
