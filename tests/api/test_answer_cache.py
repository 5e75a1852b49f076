"""The answer cache over HTTP: a question asked again, a reload, and what each request keeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from chat_api.store.db.schema import questions
from tests.api.conftest import ANSWERABLE, cache_lookups, wait_logged


def _ask(client: TestClient, question: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/chat", json={"question": question, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _logged(client: TestClient, rows: int) -> list[tuple[Any, ...]]:
    wait_logged(client, rows)
    store = client.app.state.store  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(questions.c.conversation_id, questions.c.turn, questions.c.latency_ms)
            .order_by(questions.c.id))]


def test_a_question_asked_again_is_answered_from_the_cache_as_its_own_request(
        make_client: Callable[..., TestClient],
        volatile: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    client = make_client()
    first = _ask(client, ANSWERABLE)
    again = _ask(client, ANSWERABLE)
    in_a_thread = _ask(client, ANSWERABLE, conversation_id="visitor-7")
    assert cache_lookups(client) == {"hit": 2.0, "miss": 1.0}
    assert volatile(again) == volatile(first) == volatile(in_a_thread)
    assert len({first["conversation_id"], again["conversation_id"], "visitor-7"}) == 3
    assert in_a_thread["conversation_id"] == "visitor-7"
    rows = _logged(client, 3)
    assert [(cid, turn) for cid, turn, _ in rows] == [
        (first["conversation_id"], 1), (again["conversation_id"], 1), ("visitor-7", 1)]
    assert [ms for _, _, ms in rows] == [
        round(a["took_ms"], 3) for a in (first, again, in_a_thread)]
    assert again["took_ms"] < first["took_ms"]


def test_a_follow_up_is_not_looked_up(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    first = _ask(client, ANSWERABLE)
    follow = _ask(client, "who organises it?", conversation_id=first["conversation_id"])
    assert follow["resolved_question"] is not None and follow["turn"] == 2
    assert cache_lookups(client) == {"hit": 0.0, "miss": 1.0}


def test_a_reload_empties_the_cache(make_client: Callable[..., TestClient],
                                    admin_headers: dict[str, str]) -> None:
    client = make_client()
    _ask(client, ANSWERABLE)
    slot = client.app.state.engines  # type: ignore[attr-defined]
    assert len(slot.answers.local) == 1
    assert client.post("/api/admin/reload", headers=admin_headers).status_code == 200
    assert len(slot.answers.local) == 0
    _ask(client, ANSWERABLE)
    assert cache_lookups(client) == {"hit": 0.0, "miss": 2.0}


def test_size_zero_turns_the_cache_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(answer_cache_size=0)
    _ask(client, ANSWERABLE)
    _ask(client, ANSWERABLE)
    assert client.app.state.engines.answers is None  # type: ignore[attr-defined]
    assert cache_lookups(client) == {"hit": 0.0, "miss": 0.0}


def test_a_new_index_version_is_never_served_an_older_answer(
        make_client: Callable[..., TestClient], index_copy: Path) -> None:
    from retriever.index import read_chunks, read_pages, write_index

    client = make_client(index_dir=index_copy, reload_interval=0.05)
    before = _ask(client, ANSWERABLE)
    assert "Australia" in before["answer"]
    # The same page, one word respelt (same length, so every offset holds): a new version.
    chunks = [replace(c, text=c.text.replace("Australia", "Austrelia"))
              for c in read_chunks(index_copy)]
    version = str(write_index(index_copy, read_pages(index_copy), chunks)["version"])
    deadline = time.monotonic() + 60
    while client.get("/readyz").json().get("index_version") != version:
        assert time.monotonic() < deadline, "the new version was never served"
        time.sleep(0.05)
    after = _ask(client, ANSWERABLE)
    assert after["index_version"] == version != before["index_version"]
    assert "Austrelia" in after["answer"] and "Australia" not in after["answer"]
