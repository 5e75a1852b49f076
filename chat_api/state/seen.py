"""Keys already handled (Slack event ids, signed bodies' hashes): a retry is answered once."""

from __future__ import annotations

import threading
from typing import Protocol

from cachetools import TTLCache


class SeenKeys(Protocol):
    """Where keys already handled are remembered (this process, or Redis when shared)."""

    async def check_and_add(self, key: str) -> bool:
        """True when `key` was seen already (a duplicate); records it either way."""
        ...


class RecentKeys:
    """The keys seen in the last `ttl_s` seconds in this process, at most `max_size` of them
    (the oldest go first). RedisSeenKeys shares them across replicas."""

    def __init__(self, ttl_s: float = 3600.0, max_size: int = 10_000) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=max_size, ttl=ttl_s)
        self._lock = threading.Lock()

    async def check_and_add(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                return True
            self._seen[key] = True
            return False
