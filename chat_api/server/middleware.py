"""Outermost middleware: request ids, per-route metrics, and 500s without stack traces."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_api.errors import status_code_name
from chat_api.metrics import Metrics

log = logging.getLogger("chat_api")

# An incoming id is echoed only if it is short and plain, so it cannot forge log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "<unmatched>"


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.fullmatch(text) else None
    return None


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) so it adds microseconds, not a task per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        rid_header = (b"x-request-id", request_id.encode("latin-1"))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0] != b"x-request-id"]
                headers.append(rid_header)
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged here with the id the client was given; the client gets a plain JSON 500.
            status = 500
            log.exception(
                "500 %s %s request_id=%s", scope["method"], scope["path"], request_id
            )
            if not response_started:
                await send_json_error(
                    send, 500, "something went wrong on our side; the error has been logged",
                    request_id, [(b"x-request-id", request_id.encode("latin-1"))])
        else:
            if status >= 500:
                # 503 is expected while loading (probes poll it): a warning, not an error.
                level = logging.WARNING if status == 503 else logging.ERROR
                log.log(
                    level,
                    "%d %s %s request_id=%s",
                    status,
                    scope["method"],
                    scope["path"],
                    request_id,
                )
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe_request(
                scope["method"], template, status, time.perf_counter() - started
            )


async def send_json_error(send: Send, status: int, message: str, request_id: str,
                          headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """The API's one error shape, sent from ASGI middleware, outside FastAPI's handlers."""
    body = json.dumps({"error": status_code_name(status), "message": message,
                       "request_id": request_id}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})
