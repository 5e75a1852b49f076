"""Admin endpoints (bearer token), the question log's redaction, and 500s without traces."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ANSWERABLE = "which countries attended DGX?"
UNANSWERABLE = "how do I renew my parking permit?"
PERSONAL = (
    "My NRIC is S1234567D and my FIN is G7654321N; mail jane.tan@example.com or call "
    "+65 9123 4567 or 6123-4567. How do I renew my parking permit?"
)
REDACTED = (
    "My NRIC is [nric] and my FIN is [nric]; mail [email] or call "
    "[phone] or [phone]. How do I renew my parking permit?"
)


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "this endpoint needs 'Authorization: Bearer <GOVQA_ADMIN_TOKEN>'"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401,
         "this endpoint needs 'Authorization: Bearer <GOVQA_ADMIN_TOKEN>'"),
        ({"Authorization": "Bearer wrong"}, 403, "the admin token is not valid"),
    ],
)
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/stats"), ("POST", "/api/admin/reload")])
def test_admin_endpoints_need_the_token(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int, message: str
) -> None:
    response = client.request(method, path, headers=headers)

    assert response.status_code == status
    assert response.json() == {
        "error": "unauthorized" if status == 401 else "forbidden",
        "message": message,
        "request_id": response.headers["x-request-id"],
    }
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_admin_api_is_off_without_a_configured_token(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(admin_token=None)
    response = client.get("/api/stats", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 403
    assert response.json()["message"] == (
        "the admin API is disabled: GOVQA_ADMIN_TOKEN is not set"
    )


def test_stats_count_questions_votes_and_gaps(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str]
) -> None:
    client = make_client()
    visitors = [client.post("/api/chat", json={"question": ANSWERABLE}).json() for _ in range(3)]
    answered = visitors[0]
    for question in [UNANSWERABLE, UNANSWERABLE.upper(), "Where can I park my car?"]:
        assert client.post("/api/chat", json={"question": question}).json()["answered"] is False
    # Three visitors vote; the first then changes their mind, which replaces their vote.
    for visitor, helpful in zip([*visitors, visitors[0]], (True, True, False, False),
                                strict=True):
        vote = {"conversation_id": visitor["conversation_id"], "turn": visitor["turn"],
                "helpful": helpful}
        assert client.post("/api/feedback", json=vote).status_code == 201

    response = client.get("/api/stats", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    gaps = [{k: v for k, v in g.items() if k != "last_asked"} for g in body.pop("top_unanswered")]
    assert body == {
        "questions": 6,
        "answered": 3,
        "abstained": 3,
        "feedback": {"helpful": 1, "unhelpful": 2},
        "index_version": answered["index_version"],
    }
    # Case-insensitive grouping: the shouted repeat counts toward the same gap.
    assert gaps == [
        {"question": UNANSWERABLE.upper(), "count": 2},
        {"question": "Where can I park my car?", "count": 1},
    ]
    assert client.get("/api/stats", params={"top": 1}, headers=admin_headers).json()[
        "top_unanswered"
    ][0]["count"] == 2


def test_personal_data_is_redacted_before_it_is_stored(
    make_client: Callable[..., TestClient], admin_headers: dict[str, str], tmp_path: Path
) -> None:
    client = make_client()
    answer = client.post("/api/chat", json={"question": PERSONAL}).json()
    assert answer["question"] == PERSONAL  # the visitor sees their own words back
    assert answer["answered"] is False
    client.post(
        "/api/feedback",
        json={
            "conversation_id": answer["conversation_id"],
            "turn": 1,
            "helpful": False,
            "comment": "reach me at jane.tan@example.com / 81234567, NRIC T0123456Z",
        },
    )

    stats = client.get("/api/stats", headers=admin_headers).json()
    assert [g["question"] for g in stats["top_unanswered"]] == [REDACTED]

    # And nowhere in the database file itself.
    client.app.state.store.close()  # type: ignore[attr-defined]
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        questions = [r[0] for r in db.execute("SELECT question FROM questions")]
        comments = [r[0] for r in db.execute("SELECT comment FROM feedback")]
    assert questions == [REDACTED]
    assert comments == ["reach me at [email] / [phone], NRIC [nric]"]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("feedback.sqlite3*"))
    for secret in (b"S1234567D", b"G7654321N", b"jane.tan", b"9123 4567", b"81234567",
                   b"T0123456Z"):
        assert secret not in raw


def test_reload_with_an_unchanged_index(client: TestClient, admin_headers: dict[str, str]) -> None:
    version = client.get("/readyz").json()["index_version"]
    response = client.post("/api/admin/reload", headers=admin_headers)
    assert response.status_code == 200
    assert response.json() == {
        "previous_version": version, "index_version": version, "changed": False
    }


def test_a_server_error_is_json_without_a_stack_trace(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()
    client.get("/api/search", params={"q": "DGX"})  # the engine is loaded

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("questions table of the bug")

    # A bug inside the engine, not a user's error nor an outage: a genuine 500.
    monkeypatch.setattr(client.app.state.engines.get(), "ask", bug)

    with caplog.at_level(logging.ERROR, logger="chat_api"):
        response = client.post(
            "/api/chat", json={"question": ANSWERABLE}, headers={"X-Request-ID": "boom-1"}
        )

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "boom-1"
    assert response.json() == {
        "error": "internal_server_error",
        "message": "something went wrong on our side; the error has been logged",
        "request_id": "boom-1",
    }
    assert "questions" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if "request_id=boom-1" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None  # the trace goes to the log, not to the client
    assert client.get("/healthz").status_code == 200  # and the service carries on


