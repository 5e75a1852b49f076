"""Per-client rate limits on the public endpoints, through slowapi."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slowapi import Limiter
from slowapi.util import get_remote_address

from chat_api.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def build_limiter(settings: Settings) -> Limiter:
    """One limiter per app; counters live in memory, or in Redis with GOVQA_STORAGE_URI."""
    return Limiter(
        key_func=get_remote_address,  # the client IP (uvicorn resolves trusted proxies)
        storage_uri=settings.storage_uri,
        enabled=settings.rate_limit_enabled,
        # A limiter outage (Redis down) must not take the chatbot down with it.
        in_memory_fallback_enabled=settings.storage_uri != "memory://",
        swallow_errors=True,
    )


def limited(limiter: Limiter, settings: Settings) -> Callable[[F], F]:
    """Decorator applying GOVQA_RATE_LIMIT to a route, or nothing when it is off."""
    if not settings.rate_limit_enabled:
        return lambda func: func
    decorate: Callable[[F], F] = limiter.limit(settings.rate_limit)
    return decorate
