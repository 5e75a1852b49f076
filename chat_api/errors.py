"""Error responses: every failure is JSON with a readable message, never a stack trace."""

from __future__ import annotations

import logging
import math
import re
import time
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from slowapi.errors import RateLimitExceeded
from starlette.exceptions import HTTPException as StarletteHTTPException

from govqa.errors import GovqaError

log = logging.getLogger("chat_api")


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The one error shape: {"error": code, "message": text, "request_id": id, ...}."""
    body = {"error": code, "message": message, **extra, "request_id": request_id_of(request)}
    return JSONResponse(body, status_code=status, headers=headers)


def status_code_name(status: int) -> str:
    """The error code for an HTTP status: its phrase in snake case (RFC 9110's for 413)."""
    if status == 413:
        return "content_too_large"
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "question") → "question"; ("query", "k") → "k"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid value"))
        if err.get("type") == "missing":
            message = "this field is required"
        elif err.get("type") == "json_invalid":
            message = "the request body is not valid JSON"
        details.append({"field": _field(err.get("loc", ())), "message": message})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "invalid request"
    return error_response(request, 422, "invalid_request", summary, details=details)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404 and exc.detail == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, status, status_code_name(status), message, headers=headers)


async def govqa_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GovqaError)
    status = int(getattr(exc, "status_code", 400))
    headers = {"Retry-After": "1"} if status == 503 else None
    return error_response(request, status, _snake(type(exc).__name__), str(exc), headers=headers)


async def rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimitExceeded)
    retry_after = 1
    current = getattr(request.state, "view_rate_limit", None)
    limiter = getattr(request.app.state, "limiter", None)
    if current is not None and limiter is not None:
        try:
            reset_at, _remaining = limiter.limiter.get_window_stats(current[0], *current[1])
            retry_after = max(1, math.ceil(reset_at - time.time()))
        except Exception:  # a storage hiccup must not turn a 429 into a 500
            log.warning("could not read the rate limit window", exc_info=True)
    return error_response(
        request,
        429,
        "rate_limited",
        f"too many requests: the limit is {exc.detail}; try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(GovqaError, govqa_error)
    app.add_exception_handler(RateLimitExceeded, rate_limited)
