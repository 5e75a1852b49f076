"""The app with Redis or PostgreSQL cut away: answers go on, and each loss shows in /metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loadtest.proxy import TcpProxy
from tests.api.conftest import ANSWERABLE

FOLLOW_UP = "when was it held?"


def _ask(client: TestClient, question: str, conversation_id: str | None = None) -> Any:
    response = client.post("/api/chat", json={"question": question,
                                              "conversation_id": conversation_id})
    return response


def test_the_rate_limit_holds_across_apps_sharing_redis(shared_app) -> None:  # type: ignore[no-untyped-def]
    one, two = shared_app(rate_limit="3/minute"), shared_app(rate_limit="3/minute")
    statuses = [_ask(c, ANSWERABLE).status_code for c in (one, two, one, two)]
    assert statuses == [200, 200, 200, 429]


def test_without_redis_answers_go_on_and_the_limit_fails_open(
        shared_app, proxy: Callable[[str, int], TcpProxy]) -> None:  # type: ignore[no-untyped-def]
    gate = proxy("127.0.0.1", 6379)
    client = shared_app(redis_port=gate.port, rate_limit="2/minute")
    first = _ask(client, ANSWERABLE).json()
    gate.cut()
    answers = [_ask(client, FOLLOW_UP, first["conversation_id"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]  # past the limit: fails open
    lost = answers[0].json()
    # Answered, without the memory of the first turn: a new conversation.
    assert lost["conversation_id"] != first["conversation_id"] and lost["turn"] == 1
    assert lost["resolved_question"] is None
    metrics = client.get("/metrics").text
    assert 'govqa_dependency_up{dependency="redis"} 0.0' in metrics
    assert 'govqa_dependency_up{dependency="database"} 1.0' in metrics


def test_a_limit_set_to_fail_closed_refuses_while_redis_is_down(
        shared_app, proxy: Callable[[str, int], TcpProxy]) -> None:  # type: ignore[no-untyped-def]
    gate = proxy("127.0.0.1", 6379)
    client = shared_app(redis_port=gate.port, rate_limit="30/minute", rate_limit_fail_open=False)
    assert _ask(client, ANSWERABLE).status_code == 200
    gate.cut()
    refused = _ask(client, ANSWERABLE)
    assert refused.status_code == 503
    body = refused.json()
    assert (body["error"], body["message"]) == (
        "rate_limiter_unavailable",
        "requests cannot be rate-limited right now, so they are refused; try again shortly")


def _wait(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_without_postgresql_votes_get_503_and_answers_go_on(
        shared_app, proxy: Callable[[str, int], TcpProxy]) -> None:  # type: ignore[no-untyped-def]
    gate = proxy("127.0.0.1", 5432)
    client = shared_app(database_port=gate.port)
    before = _ask(client, ANSWERABLE).json()
    store = client.app.state.store  # type: ignore[attr-defined]
    _wait(lambda: store.log.written == 1)  # the log's own thread writes the first answer
    gate.cut()
    answer = _ask(client, ANSWERABLE)
    assert answer.status_code == 200 and answer.json()["answered"]
    vote = client.post("/api/feedback", json={"conversation_id": before["conversation_id"],
                                              "turn": before["turn"], "helpful": True})
    assert vote.status_code == 503
    assert vote.headers["retry-after"] == "1"
    body = vote.json()
    assert (body["error"], body["message"]) == (
        "store_unavailable",
        "feedback cannot be recorded right now: the database does not answer; the answer "
        "itself is unaffected, try the vote again shortly")
    metrics = client.get("/metrics").text
    assert 'govqa_dependency_up{dependency="database"} 0.0' in metrics
    assert "govqa_question_log_buffered 1.0" in metrics

    gate.restore()
    store.health.retry_after_s = 0
    _wait(lambda: store.log.written == 2)  # and the second once the database is back
    assert store.pending == 0
    assert client.post("/api/feedback", json={
        "conversation_id": answer.json()["conversation_id"], "turn": 1,
        "helpful": False}).status_code == 201


def test_a_stalled_postgresql_never_holds_an_answer(
        shared_app, proxy: Callable[[str, int], TcpProxy],
        caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    gate = proxy("127.0.0.1", 5432)
    client = shared_app(database_port=gate.port, database_stall_s=1.0)
    store = client.app.state.store  # type: ignore[attr-defined]
    first = _ask(client, ANSWERABLE).json()
    _wait(lambda: store.log.written == 1)
    gate.stall()  # connections stay open and accepted; nothing comes back
    slowest = 0.0
    with caplog.at_level(logging.WARNING, logger="chat_api"):
        for _ in range(20):
            started = time.monotonic()
            response = _ask(client, ANSWERABLE)
            slowest = max(slowest, time.monotonic() - started)
            assert response.status_code == 200 and response.json()["answered"]
            time.sleep(0.1)
        # Before the fix an answer waited out the stall (30-40 s); now none waits on it.
        assert slowest < 2.0
        _wait(lambda: not store.health.up)
        metrics = client.get("/metrics").text
        assert 'govqa_dependency_up{dependency="database"} 0.0' in metrics
        vote = client.post("/api/feedback", json={"conversation_id": first["conversation_id"],
                                                  "turn": first["turn"], "helpful": True})
        assert vote.status_code == 503
    stalled = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
    assert stalled == ["the feedback database is unreachable (TimeoutError: a write of the "
                       "question log has waited over 1 s); going on without it until it is "
                       "back"]
    gate.restore()  # what the stall held goes through, and the rest follows
    _wait(lambda: store.log.written == 21, within_s=30)
    _wait(lambda: store.health.up)
    assert store.pending == 0 and dict(store.log.dropped) == {}
    metrics = client.get("/metrics").text
    assert 'govqa_dependency_up{dependency="database"} 1.0' in metrics
    assert "govqa_question_log_written_total 21.0" in metrics


def test_a_nul_question_over_http_jams_nothing(shared_app, database_url: str) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    client = shared_app()
    store = client.app.state.store  # type: ignore[attr-defined]
    jam = client.post("/api/chat", json={"question": "a\u0000b"})
    assert jam.status_code == 200
    later = _ask(client, ANSWERABLE).json()
    _wait(lambda: store.log.written == 2)
    vote = client.post("/api/feedback", json={"conversation_id": later["conversation_id"],
                                              "turn": later["turn"], "helpful": True})
    assert vote.status_code == 201
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT question FROM questions ORDER BY id").fetchall()
    assert rows == [("ab",), (ANSWERABLE,)]
    assert store.pending == 0 and dict(store.log.dropped) == {}
