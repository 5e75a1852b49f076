"""Editors' sessions for /admin: a signed, expiring cookie, its CSRF token, its server record."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from itsdangerous import BadSignature, Signer, TimestampSigner
from redis.exceptions import RedisError

from chat_api.service_health import Dependency
from govqa.errors import GovqaError

if TYPE_CHECKING:
    import redis.asyncio as aioredis

COOKIE = "govqa_admin"
LOGIN_CSRF_COOKIE = "govqa_login_csrf"
SESSION_S = 8 * 3600  # a working day; then the editor signs in again
# A cookie is deleted with the attributes it was set with: a deletion that differs in path
# misses the cookie, and one without them would go out weaker than the cookie it replaces.
SESSION_SALT, CSRF_SALT = "govqa admin session", "govqa admin csrf"
COOKIE_FLAGS: dict[str, Any] = {"secure": True, "httponly": True, "samesite": "strict",
                                "path": "/admin"}


class SessionStoreUnavailable(GovqaError):
    """The shared session store (Redis) cannot be reached, so a session cannot begin or end."""

    status_code = 503


class _Signer(TimestampSigner):
    """itsdangerous' signer of timed values, on a clock a test can set. Its key is derived
    from the admin token: a new token signs everyone out, since no earlier cookie verifies
    under it, whatever the session store still holds."""

    def __init__(self, admin_token: str, salt: str, now: float | None = None) -> None:
        super().__init__(admin_token, salt=salt, digest_method=hashlib.sha256)
        self._now = now

    def get_timestamp(self) -> int:
        return int(time.time() if self._now is None else self._now)


def issue(admin_token: str, now: float | None = None) -> tuple[str, str]:
    """A new session: its cookie (the id, signed with the time it began), and its id, which
    the session store must hold."""
    sid = secrets.token_urlsafe(32)
    return _Signer(admin_token, SESSION_SALT, now).sign(sid).decode(), sid


def session_id(admin_token: str | None, cookie: str | None,
               now: float | None = None) -> str | None:
    """The id of a session whose cookie this token signed less than SESSION_S ago."""
    if not admin_token or not cookie:
        return None
    try:
        # max_age allows an age equal to it: one second less ends the session at SESSION_S.
        sid = _Signer(admin_token, SESSION_SALT, now).unsign(cookie, max_age=SESSION_S - 1)
    except BadSignature:  # tampered with, expired, signed by another token, or not ours
        return None
    return sid.decode() or None


def csrf_token(admin_token: str, session: str) -> str:
    """The token a signed-in page's POST forms carry: bound to this session."""
    return Signer(admin_token, salt=CSRF_SALT, digest_method=hashlib.sha256).get_signature(
        session).decode()


def token_matches(given: str, admin_token: str | None) -> bool:
    # Digests of equal length, so the comparison's time does not tell the token's length.
    return bool(admin_token) and hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(),
        hashlib.sha256((admin_token or "").encode()).digest())


def _record(session: str) -> str:
    # The store keeps a digest: reading it (a backup, a MONITOR) gives no cookie away.
    return hashlib.sha256(session.encode()).hexdigest()


class Sessions(Protocol):
    """The sessions signed in now. A signed cookie is honoured only while its id is here, so
    signing out (deleting it) ends the session for every copy of the cookie."""

    async def start(self, session_id: str, ttl_s: int) -> None: ...

    async def alive(self, session_id: str) -> bool: ...

    async def end(self, session_id: str) -> None: ...


class MemorySessions:
    """One process's sessions, when no Redis is shared: they end with the process. Used from
    the event loop only, where no step here awaits, so no lock is needed."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    async def start(self, session_id: str, ttl_s: int) -> None:
        now = time.time()
        # Only the right token makes sessions, so this stays small; drop the expired.
        self._until = {k: t for k, t in self._until.items() if t > now}
        self._until[_record(session_id)] = now + ttl_s

    async def alive(self, session_id: str) -> bool:
        return self._until.get(_record(session_id), 0.0) > time.time()

    async def end(self, session_id: str) -> None:
        self._until.pop(_record(session_id), None)


class RedisSessions:
    """Sessions in Redis, one key each, expiring with the cookie, so every replica honours a
    sign-out. While Redis is down no session can be checked, begun or ended: the dashboard
    then refuses sessions (the bearer token still works) rather than honour a revoked one."""

    def __init__(self, client: aioredis.Redis, health: Dependency,
                 prefix: str = "govqa:") -> None:
        self.client = client
        self.health = health
        self.prefix = prefix

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}admin-session:{_record(session_id)}"

    async def start(self, session_id: str, ttl_s: int) -> None:
        await self._call(lambda: self.client.set(self._key(session_id), b"1", ex=ttl_s))

    async def alive(self, session_id: str) -> bool:
        try:
            return bool(await self._call(lambda: self.client.exists(self._key(session_id))))
        except SessionStoreUnavailable:
            return False

    async def end(self, session_id: str) -> None:
        await self._call(lambda: self.client.delete(self._key(session_id)))

    async def _call(self, command: Callable[[], Awaitable[Any]]) -> Any:
        if not self.health.worth_trying:
            raise SessionStoreUnavailable("the session store cannot be reached; try again "
                                          "shortly")
        try:
            result = await command()
        except RedisError as exc:
            self.health.failed(exc)
            raise SessionStoreUnavailable("the session store cannot be reached; try again "
                                          "shortly") from None
        self.health.succeeded()
        return result
