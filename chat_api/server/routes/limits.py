"""Per-client rate limits on the public endpoints, through slowapi; shared counters in Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from limits import RateLimitItem
from limits.strategies import RateLimiter
from slowapi import Limiter
from slowapi.util import get_remote_address

from chat_api.service_health import Dependency
from chat_api.settings import Settings
from govqa.errors import GovqaError

F = TypeVar("F", bound=Callable[..., Any])


class RateLimiterUnavailable(GovqaError):
    """The shared rate-limit counters cannot be read and the limit fails closed."""

    status_code = 503


class FailSafeLimits:
    """limits' strategy with the storage's outages handled once, here: while Redis is down
    a request is let through (fail open, the default) or refused with a 503 (fail closed),
    and for a moment after each failure Redis is not tried at all, so no request waits."""

    def __init__(self, inner: RateLimiter, health: Dependency, fail_open: bool) -> None:
        self.inner = inner
        self.health = health
        self.fail_open = fail_open

    def _unavailable(self) -> bool:
        if self.fail_open:
            return True
        raise RateLimiterUnavailable("requests cannot be rate-limited right now, so they are "
                                     "refused; try again shortly")

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if not self.health.worth_trying:
            return self._unavailable()
        try:
            allowed = self.inner.hit(item, *identifiers, cost=cost)
        except Exception as exc:  # each storage raises its own client's errors
            self.health.failed(exc)
            return self._unavailable()
        self.health.succeeded()
        return allowed

    def __getattr__(self, name: str) -> Any:  # get_window_stats, test, clear
        return getattr(self.inner, name)


def build_limiter(settings: Settings, health: Dependency | None = None) -> Limiter:
    """One limiter per app; counters live in memory, or in Redis (GOVQA_REDIS_URL, or
    GOVQA_STORAGE_URI), where every replica counts against the same limit."""
    uri = settings.limits_storage_uri
    options: dict[str, Any] = {}
    if uri.startswith(("redis", "rediss", "unix")):
        options = {"socket_timeout": settings.redis_timeout_s,
                   "socket_connect_timeout": settings.redis_timeout_s,
                   "key_prefix": f"{settings.redis_prefix}limits"}
    limiter = Limiter(
        key_func=get_remote_address,  # the client IP (uvicorn resolves trusted proxies)
        storage_uri=uri,
        storage_options=options,
        enabled=settings.rate_limit_enabled,
        in_memory_fallback_enabled=False,  # a per-replica fallback would multiply the limit
        swallow_errors=False,  # FailSafeLimits decides, and logs once per outage
    )
    if not uri.startswith("memory://"):
        # slowapi offers no hook for a storage outage; its strategy is the one place to add it.
        limiter._limiter = FailSafeLimits(  # type: ignore[assignment]
            limiter.limiter, health or Dependency("the rate-limit store"),
            settings.rate_limit_fail_open)
    return limiter


def limited(limiter: Limiter, settings: Settings) -> Callable[[F], F]:
    """Decorator applying GOVQA_RATE_LIMIT to a route, or nothing when it is off."""
    if not settings.rate_limit_enabled:
        return lambda func: func
    decorate: Callable[[F], F] = limiter.limit(settings.rate_limit)
    return decorate
