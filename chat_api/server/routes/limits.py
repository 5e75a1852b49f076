"""Per-client rate limits on the public endpoints, through slowapi; shared counters in Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from limits.storage import Storage, storage_from_string
from slowapi import Limiter
from slowapi.util import get_remote_address

from chat_api.service_health import Dependency
from chat_api.settings import Settings
from govqa.errors import GovqaError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

FAILSAFE = "failsafe+"  # the storage scheme's prefix that puts FailSafeStorage in front


class RateLimiterUnavailable(GovqaError):
    """The shared rate-limit counters cannot be read and the limit fails closed."""

    status_code = 503


class FailSafeStorage(Storage):
    """limits' storage for `failsafe+redis://…`: the Redis storage with its outages handled
    once, here. While Redis is down a request is let through (fail open, the default) or
    refused with a 503 (fail closed), and for a moment after each failure Redis is not
    tried at all, so no request waits. Registered with limits by its scheme, so slowapi
    builds it from the storage URI and its options like any other storage."""

    STORAGE_SCHEME = [f"{FAILSAFE}{scheme}" for scheme in ("redis", "rediss", "unix")]

    def __init__(self, uri: str, health: Dependency | None = None, fail_open: bool = True,
                 **options: Any) -> None:
        inner = storage_from_string(uri.removeprefix(FAILSAFE), **options)
        if not isinstance(inner, Storage):  # an async+ scheme: slowapi's limits are blocking
            raise GovqaError(f"{uri}: the rate-limit store must be a blocking storage")
        self.inner = inner
        self.health = health or Dependency("the rate-limit store")
        self.fail_open = fail_open
        super().__init__(uri)

    def _guarded(self, call: Callable[[], T], unavailable: T) -> T:
        if self.health.worth_trying:
            try:
                value = call()
            except Exception as exc:  # each storage raises its own client's errors
                self.health.failed(exc)
            else:
                self.health.succeeded()
                return value
        if self.fail_open:
            return unavailable
        raise RateLimiterUnavailable("requests cannot be rate-limited right now, so they are "
                                     "refused; try again shortly")

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self.inner.base_exceptions

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        # 0 while unavailable: under any limit, so a fail-open request goes through.
        return self._guarded(lambda: self.inner.incr(key, expiry, amount=amount), 0)

    def get(self, key: str) -> int:
        return self._guarded(lambda: self.inner.get(key), 0)

    def get_expiry(self, key: str) -> float:
        return self._guarded(lambda: self.inner.get_expiry(key), time.time())

    def check(self) -> bool:
        return self._guarded(self.inner.check, False)

    def reset(self) -> int | None:
        return self._guarded(self.inner.reset, None)

    def clear(self, key: str) -> None:
        self._guarded(lambda: self.inner.clear(key), None)


def build_limiter(settings: Settings, health: Dependency | None = None) -> Limiter:
    """One limiter per app; counters live in memory, or in Redis (GOVQA_REDIS_URL, or
    GOVQA_STORAGE_URI), where every replica counts against the same limit."""
    uri = settings.limits_storage_uri
    options: dict[str, Any] = {}
    if uri.startswith(("redis", "rediss", "unix")):
        uri = FAILSAFE + uri
        options = {"socket_timeout": settings.redis_timeout_s,
                   "socket_connect_timeout": settings.redis_timeout_s,
                   "key_prefix": f"{settings.redis_prefix}limits",
                   "health": health, "fail_open": settings.rate_limit_fail_open}
    limiter = Limiter(
        key_func=get_remote_address,  # the client IP (uvicorn resolves trusted proxies)
        storage_uri=uri,
        storage_options=options,
        enabled=settings.rate_limit_enabled,
        in_memory_fallback_enabled=False,  # a per-replica fallback would multiply the limit
        swallow_errors=False,  # FailSafeStorage decides, and logs once per outage
    )
    return limiter


def limited(limiter: Limiter, settings: Settings) -> Callable[[F], F]:
    """Decorator applying GOVQA_RATE_LIMIT to a route, or nothing when it is off."""
    if not settings.rate_limit_enabled:
        return lambda func: func
    decorate: Callable[[F], F] = limiter.limit(settings.rate_limit)
    return decorate
