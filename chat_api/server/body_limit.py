"""Request-body limits, enforced while the body streams in: its size, before it is held
whole, and how long it may take to arrive."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_api.server.middleware import send_json_error


def _too_large(limit: int) -> str:
    return f"the request body is over the {limit:,}-byte limit for this endpoint"


class BodyLimitMiddleware:
    """413 for a body over its route's limit. A declared Content-Length over the limit is
    refused before a byte is read; a chunked body is counted as it arrives, and reading
    stops at the first byte over, so a huge body never sits in a worker's memory.

    `limits` maps path prefixes to their own limit (Slack's payloads are larger than a
    chat question); any other path gets `default`.

    A body that stops arriving (a Content-Length larger than what is sent, a client that
    trickles) gets a 408 after `read_timeout_s` of silence and the connection is closed:
    uvicorn itself would wait for the rest for as long as the client keeps it open."""

    def __init__(self, app: ASGIApp, default: int, limits: dict[str, int] | None = None,
                 read_timeout_s: float = 10.0) -> None:
        self.app = app
        self.default = default
        self.limits = sorted((limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.read_timeout_s = read_timeout_s

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_json_error(send, 413, _too_large(limit),
                                  scope.get("state", {}).get("request_id", ""),
                                  [(b"connection", b"close")])
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout_s)
            except TimeoutError:
                raise HTTPException(
                    408, f"the request body did not arrive within {self.read_timeout_s:g} s",
                    headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route, where the app's own handler turns it into
                    # the JSON error every other 4xx is.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None
