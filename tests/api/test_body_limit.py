"""Request bodies are bounded per route: 413 with the JSON error, declared or streamed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

from chat_api.server.body_limit import BodyLimitMiddleware
from tests.api.conftest import ANSWERABLE


def _padded(size: int) -> bytes:
    """A valid question plus an unknown field that makes the body `size` bytes."""
    head = json.dumps({"question": ANSWERABLE, "pad": ""}).encode()
    return head[:-2] + b"x" * (size - len(head)) + head[-2:]


def _chunks(body: bytes, size: int = 8192) -> Iterator[bytes]:
    # A generator: httpx sends it chunked, with no Content-Length to refuse it by.
    for i in range(0, len(body), size):
        yield body[i:i + size]


def _error(response, limit: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 413
    body = response.json()
    assert body == {
        "error": "content_too_large",
        "message": f"the request body is over the {limit:,}-byte limit for this endpoint",
        "request_id": response.headers["x-request-id"],
    }


def test_a_declared_oversized_body_is_refused_unread(client: TestClient) -> None:
    body = _padded(150 * 1024)
    response = client.post("/api/chat", content=body,
                           headers={"content-type": "application/json"})
    _error(response, 65536)


def test_a_streamed_oversized_body_is_refused(client: TestClient) -> None:
    response = client.post("/api/chat", content=_chunks(_padded(150 * 1024)),
                           headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    _error(response, 65536)


def test_a_body_under_the_limit_is_answered(client: TestClient) -> None:
    response = client.post("/api/chat", content=_chunks(_padded(60 * 1024)),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["answered"] is True


def test_the_limit_is_a_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048)
    ok = client.post("/api/chat", json={"question": ANSWERABLE})
    assert ok.status_code == 200
    _error(client.post("/api/feedback", content=_padded(4096),
                       headers={"content-type": "application/json"}), 2048)


def test_slack_has_its_own_larger_limit() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]  # never reached
        raise AssertionError

    limits = BodyLimitMiddleware(app, default=65536, limits={"/slack/": 3 * 1024 * 1024})
    assert [limits.limit_for(p) for p in ("/api/chat", "/slack/events", "/slackish")] == [
        65536, 3 * 1024 * 1024, 65536]


def test_the_openapi_schema_documents_413(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/chat", "/api/feedback"):
        assert "413" in spec["paths"][path]["post"]["responses"], path
