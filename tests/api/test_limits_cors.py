"""Rate limiting (429 + Retry-After) and CORS: who may call the API from a browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

ANSWERABLE = "which countries attended DGX?"


def test_exceeding_the_rate_limit_gives_429_with_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(rate_limit="3/minute")
    statuses = [
        client.post("/api/chat", json={"question": ANSWERABLE}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]

    limited = client.post("/api/chat", json={"question": ANSWERABLE})

    assert limited.status_code == 429
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert limited.json() == {
        "error": "rate_limited",
        "message": f"too many requests: the limit is 3 per 1 minute; try again in {retry_after} s",
        "retry_after": retry_after,
        "request_id": limited.headers["x-request-id"],
    }
    # Search and feedback have their own budgets; health and the widget are never limited.
    assert client.get("/api/search", params={"q": "dgx"}).status_code == 200
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
    assert client.get("/widget.js").status_code == 200


def test_each_public_endpoint_is_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="1/minute")
    feedback = {"conversation_id": "c1", "turn": 1, "helpful": True}
    assert client.get("/api/search", params={"q": "dgx"}).status_code == 200
    assert client.get("/api/search", params={"q": "dgx"}).status_code == 429
    # A vote on an answer never given is refused, and still counts toward the limit.
    assert client.post("/api/feedback", json=feedback).status_code == 404
    assert client.post("/api/feedback", json=feedback).status_code == 429


def test_rate_limit_off_for_benchmarks(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="off")
    statuses = {
        client.post("/api/chat", json={"question": ANSWERABLE}).status_code for _ in range(40)
    }
    assert statuses == {200}


def _preflight(client: TestClient, origin: str) -> tuple[int, str | None]:
    response = client.options(
        "/api/chat",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    return response.status_code, response.headers.get("access-control-allow-origin")


def _simple(client: TestClient, origin: str) -> str | None:
    response = client.get("/healthz", headers={"Origin": origin})
    assert response.status_code == 200  # CORS is the browser's to enforce; the server answers
    return response.headers.get("access-control-allow-origin")


@pytest.mark.parametrize(
    "origin",
    ["https://www.tech.gov.sg", "http://localhost:5173", "http://127.0.0.1:8000",
     "http://localhost"],
)
def test_default_cors_allows_the_site_and_localhost(client: TestClient, origin: str) -> None:
    assert _preflight(client, origin) == (200, origin)
    assert _simple(client, origin) == origin


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://tech.gov.sg.evil.example", "http://www.tech.gov.sg",
     "http://localhost.evil.example", "null"],
)
def test_default_cors_denies_other_origins(client: TestClient, origin: str) -> None:
    assert _preflight(client, origin) == (400, None)
    assert _simple(client, origin) is None


def test_configured_cors_origins(make_client: Callable[..., TestClient]) -> None:
    client = make_client(
        cors_origins="https://www.example.gov.sg, https://staging.example.gov.sg",
        cors_allow_localhost=False,
    )
    assert _preflight(client, "https://www.example.gov.sg") == (200, "https://www.example.gov.sg")
    assert _simple(client, "https://staging.example.gov.sg") == "https://staging.example.gov.sg"
    # The configured list replaces the default site, and localhost can be switched off.
    assert _preflight(client, "https://www.tech.gov.sg") == (400, None)
    assert _preflight(client, "http://localhost:5173") == (400, None)


def test_responses_expose_the_request_id_to_scripts(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"question": ANSWERABLE}, headers={"Origin": "https://www.tech.gov.sg"}
    )
    names = response.headers["access-control-expose-headers"].lower().split(",")
    exposed = {h.strip() for h in names}
    assert exposed == {"x-request-id", "retry-after"}
