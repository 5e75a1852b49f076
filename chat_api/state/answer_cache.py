"""The answer cache the service hands its engines: this process's, and Redis's when shared."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from redis.exceptions import RedisError

from chat_api.service_health import Dependency
from retriever.answer_cache import AnswerCache, CachedAnswer, MemoryAnswers

log = logging.getLogger("chat_api")

# Callbacks for the hit and miss counters, so this layer needs no metrics of its own.
Count = Callable[[str], None]


class RedisAnswers:
    """Answers in Redis under `{prefix}answer:{key}`, each expiring after `ttl_s`, so every
    replica serves what one of them worked out. Errors go to `health`, which warns once per
    outage; the caller then falls back to its own process."""

    def __init__(self, client: redis.Redis, health: Dependency, prefix: str = "govqa:",
                 ttl_s: float = 3600.0) -> None:
        self.client = client
        self.health = health
        self.prefix = f"{prefix}answer:"
        self.ttl_s = max(1, int(ttl_s))

    def get(self, key: str) -> CachedAnswer | None:
        if not self.health.worth_trying:
            return None
        try:
            raw = self.client.get(self.prefix + key)
        except RedisError as exc:
            self.health.failed(exc)
            return None
        self.health.succeeded()
        return CachedAnswer.from_json(raw) if raw is not None else None  # type: ignore[arg-type]

    def put(self, key: str, value: CachedAnswer) -> None:
        if not self.health.worth_trying:
            return
        try:
            self.client.set(self.prefix + key, value.to_json(), ex=self.ttl_s)
        except RedisError as exc:
            self.health.failed(exc)
            return
        self.health.succeeded()

    def clear(self) -> None:
        """Forget every shared answer (a reload on any replica)."""
        if not self.health.worth_trying:
            return
        try:
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=500))
            for start in range(0, len(keys), 500):
                self.client.delete(*keys[start:start + 500])
        except RedisError as exc:
            self.health.failed(exc)
            return
        self.health.succeeded()


class ServedAnswers:
    """The cache an engine is handed: this process's first, then the shared one when there is
    one; every lookup counted as a hit or a miss."""

    def __init__(self, local: MemoryAnswers, shared: AnswerCache | None = None,
                 count: Count | None = None) -> None:
        self.local = local
        self.shared = shared
        self._count = count or (lambda result: None)

    def get(self, key: str) -> CachedAnswer | None:
        found = self.local.get(key)
        if found is None and self.shared is not None:
            found = self.shared.get(key)
            if found is not None:
                self.local.put(key, found)
        self._count("hit" if found is not None else "miss")
        return found

    def put(self, key: str, value: CachedAnswer) -> None:
        self.local.put(key, value)
        if self.shared is not None:
            self.shared.put(key, value)

    def clear(self) -> None:
        self.local.clear()
        if self.shared is not None:
            self.shared.clear()
