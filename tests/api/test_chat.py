"""POST /api/chat and GET /api/search against the real engine, and their error paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

ANSWERABLE = "which countries attended DGX?"
UNANSWERABLE = "how do I renew my parking permit?"
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def test_chat_returns_the_engines_answer_json(
    client: TestClient, sample_engine: Any, volatile: Callable[..., dict[str, Any]]
) -> None:
    response = client.post("/api/chat", json={"question": ANSWERABLE})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    expected = sample_engine.ask(ANSWERABLE).to_dict()
    assert volatile(body) == volatile(expected) | {"turn": 1}
    assert body["answered"] is True
    assert "Australia" in body["answer"]
    assert body["citations"][0]["url"].startswith(
        "https://www.tech.gov.sg/products-and-services/collaborate-with-us/"
        "international-collaboration/#"
    )
    assert REQUEST_ID.fullmatch(body["conversation_id"])
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


def test_follow_up_keeps_the_conversation(client: TestClient) -> None:
    first = client.post("/api/chat", json={"question": ANSWERABLE}).json()
    follow = client.post(
        "/api/chat",
        json={"question": "when was it held?", "conversation_id": first["conversation_id"]},
    ).json()

    assert follow["conversation_id"] == first["conversation_id"]
    assert follow["turn"] == 2
    assert follow["resolved_question"] is not None
    assert "DGX" in follow["resolved_question"] or "Digital Government" in (
        follow["resolved_question"]
    )


def test_abstains_with_suggestions(client: TestClient) -> None:
    body = client.post("/api/chat", json={"question": UNANSWERABLE}).json()

    assert body["answered"] is False
    assert body["answer"] is None
    assert body["citations"] == []
    assert body["suggestions"], body
    assert set(body["suggestions"][0]) == {"title", "section", "url", "score"}


def test_incoming_request_id_is_echoed(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"question": ANSWERABLE}, headers={"X-Request-ID": "trace-42.a:b"}
    )
    assert response.headers["x-request-id"] == "trace-42.a:b"

    # One that could forge log lines is replaced, not echoed.
    unsafe = client.get("/healthz", headers={"X-Request-ID": "x\tINFO fake log line"})
    assert REQUEST_ID.fullmatch(unsafe.headers["x-request-id"])


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["error"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def test_missing_question_is_a_readable_422(client: TestClient) -> None:
    body = _error(client.post("/api/chat", json={}), 422, "invalid_request")
    assert body["message"] == "question: this field is required"
    assert body["details"] == [{"field": "question", "message": "this field is required"}]


def test_empty_and_too_long_questions_are_422(client: TestClient) -> None:
    empty = _error(client.post("/api/chat", json={"question": ""}), 422, "invalid_request")
    assert empty["message"] == "question: String should have at least 1 character"

    long = _error(client.post("/api/chat", json={"question": "a" * 1001}), 422, "invalid_request")
    assert long["message"] == "question: String should have at most 1000 characters"

    # Only blanks passes the schema but not the engine: still a 422, from InvalidQuestion.
    blank = _error(client.post("/api/chat", json={"question": "   "}), 422, "invalid_question")
    assert blank["message"]


def test_wrong_types_and_bad_json_are_422(client: TestClient) -> None:
    typed = _error(
        client.post("/api/chat", json={"question": ANSWERABLE, "conversation_id": 7}),
        422,
        "invalid_request",
    )
    assert typed["details"] == [
        {"field": "conversation_id", "message": "Input should be a valid string"}
    ]

    broken = _error(
        client.post(
            "/api/chat", content=b'{"question": ', headers={"Content-Type": "application/json"}
        ),
        422,
        "invalid_request",
    )
    assert broken["details"][0]["message"] == "the request body is not valid JSON"


def test_unknown_route_and_wrong_method_are_json(client: TestClient) -> None:
    missing = _error(client.get("/api/nope"), 404, "not_found")
    assert missing["message"] == "no such endpoint: GET /api/nope"

    wrong = _error(client.get("/api/chat"), 405, "method_not_allowed")
    assert wrong["message"] == "GET is not allowed on /api/chat"


def test_search_returns_ranked_hits(client: TestClient, sample_engine: Any) -> None:
    response = client.get("/api/search", params={"q": "digital government exchange", "k": 3})

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "query": "digital government exchange",
        "k": 3,
        "index_version": sample_engine.index_version,
        "hits": [h.to_dict() for h in sample_engine.search("digital government exchange", 3)],
    }
    assert [h["rank"] for h in body["hits"]] == [1, 2, 3]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_validates_its_parameters(client: TestClient) -> None:
    assert _error(client.get("/api/search"), 422, "invalid_request")["message"] == (
        "q: this field is required"
    )
    assert _error(client.get("/api/search", params={"q": "dgx", "k": 0}), 422, "invalid_request")
    assert _error(client.get("/api/search", params={"q": "dgx", "k": 51}), 422, "invalid_request")
    assert _error(
        client.get("/api/search", params={"q": "dgx", "k": "many"}), 422, "invalid_request"
    )["details"] == [
        {"field": "k", "message": "Input should be a valid integer, unable to parse string as an "
         "integer"}
    ]
    assert _error(client.get("/api/search", params={"q": "  "}), 422, "invalid_question")


def test_feedback_is_recorded(client: TestClient) -> None:
    answer = client.post("/api/chat", json={"question": ANSWERABLE}).json()
    response = client.post(
        "/api/feedback",
        json={"conversation_id": answer["conversation_id"], "turn": answer["turn"],
              "helpful": True, "comment": "spot on"},
    )
    assert response.status_code == 201
    assert response.json() == {"ok": True, "id": response.json()["id"]}
    assert response.json()["id"] >= 1


def test_feedback_validation(client: TestClient) -> None:
    body = _error(
        client.post("/api/feedback", json={"conversation_id": "c1", "turn": 1}),
        422,
        "invalid_request",
    )
    assert body["details"] == [{"field": "helpful", "message": "this field is required"}]
    body = _error(
        client.post(
            "/api/feedback",
            json={"conversation_id": "c1", "turn": -1, "helpful": "maybe"},
        ),
        422,
        "invalid_request",
    )
    assert {d["field"] for d in body["details"]} == {"turn", "helpful"}
