"""Guessing the admin token, limited: a lockout with backoff per client and a site-wide cap."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from chat_api.errors import error_response
from chat_api.metrics import Metrics
from chat_api.server.admin_session import token_matches
from chat_api.service_health import Dependency
from chat_api.settings import Settings

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger("chat_api")

T = TypeVar("T")
# A client's lockouts in the last day set the next one's length; 32 doublings pass any cap.
STRIKES = RateLimitItemPerDay(32)
SITE = "site"  # the identifier of the site-wide windows


def _lock(client: str) -> str:
    # A counter that expires when the lockout ends: while it exists, the client waits.
    return f"lock/{client}"


@dataclass(frozen=True)
class LockoutPolicy:
    """After `max_failures` wrong tokens within `failure_window_s`, a client is refused for
    `lockout_s`, doubled for each lockout it had in the last day, up to `max_lockout_s`.
    `site_limits` caps wrong tokens from all clients together (empty: no cap)."""

    max_failures: int = 5
    failure_window_s: int = 900
    lockout_s: int = 60
    max_lockout_s: int = 3600
    site_limits: tuple[RateLimitItem, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        site = settings.admin_global_limit
        return cls(settings.admin_max_failures, settings.admin_failure_window_s,
                   settings.admin_lockout_s, settings.admin_max_lockout_s,
                   tuple(parse_many(site)) if site != "off" else ())

    @property
    def failures(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.max_failures, self.failure_window_s)

    def lockout_for(self, strikes: int) -> int:
        return min(self.lockout_s * 2 ** max(strikes - 1, 0),
                   max(self.max_lockout_s, self.lockout_s))


class SignInRefused(Exception):
    """A token check refused before the token is compared: this client is locked out
    (`locked_out`), or the site has had its fill of wrong tokens (`rate_limited`)."""

    def __init__(self, code: str, retry_after: float) -> None:
        self.code = code
        self.retry_after = max(1, math.ceil(retry_after))
        whom = "from this address" if code == "locked_out" else "on this site"
        then = "try again" if code == "locked_out" else "checks resume"
        self.message = f"too many wrong admin tokens {whom}: {then} in {self.retry_after} s"
        super().__init__(self.message)

    @property
    def sentence(self) -> str:
        """The same, for the sign-in page."""
        whom = ("from your address" if self.code == "locked_out"
                else "have been tried on this site")
        return (f"Too many wrong tokens {whom}: try again in {self.retry_after} seconds.")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


async def refused_response(request: Request, exc: Exception) -> JSONResponse:
    """The API's 429 for a refused token check, in the one error shape."""
    assert isinstance(exc, SignInRefused)
    return error_response(request, 429, exc.code, exc.message, headers=exc.headers,
                          retry_after=exc.retry_after)


def client_key(request: Request) -> str:
    """Who is guessing: the client's address (uvicorn has resolved trusted proxies), and an
    IPv6 client by its /64, since one subscriber is usually handed the whole /64."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def route_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", None) or request.url.path)


@dataclass
class _Counters:
    """Where the guard counts: one limits storage and its moving windows."""

    storage: Storage
    windows: MovingWindowRateLimiter

    @classmethod
    def on(cls, storage: Storage) -> _Counters:
        return cls(storage, MovingWindowRateLimiter(storage))


def redis_counters(url: str, client: aioredis.Redis, prefix: str) -> Storage:
    """limits' Redis storage on the app's own asyncio connection pool and key prefix."""
    scheme, sep, rest = url.partition("://")
    uri = {"unix": "async+redis+unix"}.get(scheme, f"async+{scheme}") + sep + rest
    return RedisStorage(uri, wrap_exceptions=True, implementation="redispy",
                        key_prefix=f"{prefix}admin-guard",
                        connection_pool=client.connection_pool)  # type: ignore[arg-type]


class AdminGuard:
    """Every admin token check goes through `check`. Counters live in Redis when one is
    shared, so all replicas hold one lockout; while Redis is down, and without it, they
    live in this process (a per-process lockout beats none)."""

    def __init__(self, policy: LockoutPolicy, metrics: Metrics, shared: Storage | None = None,
                 health: Dependency | None = None) -> None:
        self.policy = policy
        self.metrics = metrics
        self.memory = _Counters.on(MemoryStorage())
        self.shared = _Counters.on(shared) if shared is not None else None
        self.health = health or Dependency("the admin lockout store")

    async def check(self, request: Request, given: str, expected: str) -> bool:
        """Whether `given` is the admin token. Raises SignInRefused, without comparing,
        while this client is locked out or the site-wide cap is reached."""
        client, route = client_key(request), route_of(request)
        refusal = await self._on_store(lambda c: self._admit(c, client))
        if refusal is not None:
            self.metrics.admin_auth.labels(route, refusal.code).inc()
            raise refusal
        if token_matches(given, expected):
            await self._on_store(lambda c: self._forget(c, client))
            self.metrics.admin_auth.labels(route, "ok").inc()
            return True
        self.metrics.admin_auth.labels(route, "wrong_token").inc()
        failures, strikes, lockout_s = await self._on_store(lambda c: self._fail(c, client))
        # The address and the count, never what was typed: a near miss is half a token.
        log.warning("wrong admin token from %s at %s (%d of %d before a lockout)", client,
                    route, failures, self.policy.max_failures)
        if lockout_s:
            self.metrics.admin_lockouts.inc()
            log.warning("admin token checks from %s locked out for %d s (lockout %d in a day)",
                        client, lockout_s, strikes)
        return False

    async def _admit(self, c: _Counters, client: str) -> SignInRefused | None:
        if await c.storage.get(_lock(client)):
            return SignInRefused("locked_out", await c.storage.get_expiry(_lock(client))
                                 - time.time())
        for item in self.policy.site_limits:
            if not await c.windows.test(item, SITE):
                reset, _ = await c.windows.get_window_stats(item, SITE)
                return SignInRefused("rate_limited", reset - time.time())
        # Taken before the compare, atomically, so a burst of concurrent guesses gets no
        # more compares than the window allows; a right token gives the window back.
        if not await c.windows.hit(self.policy.failures, "failures", client):
            return SignInRefused("locked_out", 1)  # the last allowed guess is being checked
        return None

    async def _forget(self, c: _Counters, client: str) -> None:
        await c.windows.clear(self.policy.failures, "failures", client)
        await c.windows.clear(STRIKES, "lockouts", client)

    async def _fail(self, c: _Counters, client: str) -> tuple[int, int, int]:
        """Counts a wrong token: (failures in the window, lockouts in a day, the lockout
        this one began in seconds, or 0)."""
        for item in self.policy.site_limits:
            await c.windows.hit(item, SITE)
            if not await c.windows.test(item, SITE):
                log.warning("the site-wide limit on wrong admin tokens (%s) is reached: every "
                            "token check is refused until it frees", item)
        _, left = await c.windows.get_window_stats(self.policy.failures, "failures", client)
        failures = self.policy.max_failures - left
        if left > 0:
            return failures, 0, 0
        await c.windows.hit(STRIKES, "lockouts", client)
        _, strikes_left = await c.windows.get_window_stats(STRIKES, "lockouts", client)
        strikes = STRIKES.amount - strikes_left
        lockout_s = self.policy.lockout_for(strikes)
        await c.storage.incr(_lock(client), lockout_s)
        await c.windows.clear(self.policy.failures, "failures", client)
        return failures, strikes, lockout_s

    async def _on_store(self, step: Callable[[_Counters], Awaitable[T]]) -> T:
        if self.shared is not None and self.health.worth_trying:
            try:
                result = await step(self.shared)
            except StorageError as exc:
                self.health.failed(exc.storage_error)
            else:
                self.health.succeeded()
                return result
        return await step(self.memory)
