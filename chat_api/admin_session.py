"""Editors' sign-in for /admin: a signed, expiring session cookie and its CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

COOKIE = "govqa_admin"
LOGIN_CSRF_COOKIE = "govqa_login_csrf"
SESSION_S = 8 * 3600  # a working day; then the editor signs in again


def _key(admin_token: str) -> bytes:
    # Derived from the admin token, so every replica checks sessions alike without shared
    # state, and changing the token signs everyone out.
    return hashlib.sha256(b"govqa admin session\0" + admin_token.encode()).digest()


def _sign(admin_token: str, text: str) -> str:
    return hmac.new(_key(admin_token), text.encode(), hashlib.sha256).hexdigest()


def issue(admin_token: str, now: float | None = None) -> str:
    expires = int(time.time() if now is None else now) + SESSION_S
    body = f"{expires}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(admin_token, body)}"


def valid(admin_token: str | None, session: str | None, now: float | None = None) -> bool:
    if not admin_token or not session or session.count(".") != 2:
        return False
    body, _, signature = session.rpartition(".")
    if not hmac.compare_digest(signature, _sign(admin_token, body)):
        return False
    expires = body.split(".", 1)[0]
    return expires.isdigit() and int(expires) > (time.time() if now is None else now)


def csrf_token(admin_token: str, session: str) -> str:
    """The token a signed-in page's POST forms carry: bound to this session."""
    return _sign(admin_token, "csrf\0" + session)


def token_matches(given: str, admin_token: str | None) -> bool:
    return bool(admin_token) and hmac.compare_digest(given.encode(), (admin_token or "").encode())
