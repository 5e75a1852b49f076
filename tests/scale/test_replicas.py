"""Two real `govqa serve` replicas on one index, one Redis and one PostgreSQL: one site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.scale.conftest import REDIS_TIMEOUT_S
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackSender
from tests.web.conftest import Server, start_server

QUESTION = "which countries attended DGX?"
FOLLOW_UPS = ["when was it held?", "who organised it?", "where was it held?"]
LIMIT = 6  # requests a minute to /api/chat, per client, across the whole site


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def replicas(tmp_path: Path, sample_index_dir: Path, database_url: str, redis_prefix: str,
             fake_slack: FakeSlack) -> Iterator[list[Server]]:
    env = {
        "GOVQA_REDIS_URL": "redis://127.0.0.1:6379/0",
        "GOVQA_REDIS_PREFIX": redis_prefix,
        "GOVQA_REDIS_TIMEOUT_S": str(REDIS_TIMEOUT_S),
        "GOVQA_DATABASE_URL": database_url,
        "GOVQA_READER": "off",  # the shared state is under test, not the reader
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
    }
    servers = [start_server(sample_index_dir, tmp_path / f"replica-{n}",
                            rate_limit=f"{LIMIT}/minute", extra_env=env) for n in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


def _chat(server: Server, question: str, conversation_id: str | None = None) -> httpx.Response:
    return httpx.post(f"{server.url}/api/chat", timeout=30,
                      json={"question": question, "conversation_id": conversation_id})


def test_two_replicas_serve_one_conversation_one_limit_one_slack_one_database(
        replicas: list[Server], fake_slack: FakeSlack, database_url: str) -> None:
    one, two = replicas
    # One conversation, its turns alternating between the replicas.
    first = _chat(one, QUESTION).json()
    turns = [first]
    for n, question in enumerate(FOLLOW_UPS):
        turns.append(_chat((two, one)[n % 2], question, first["conversation_id"]).json())
    assert [(t["conversation_id"], t["turn"]) for t in turns] == [
        (first["conversation_id"], n) for n in (1, 2, 3, 4)]
    for turn in turns[1:]:  # each follow-up knew what "it" was, whichever replica it reached
        assert turn["resolved_question"] is not None
        assert "Digital Government Exchange (DGX)" in turn["resolved_question"]

    # Every vote, from both replicas, lands in PostgreSQL.
    for turn, server in zip(turns, (one, two, one, two), strict=True):
        vote = httpx.post(f"{server.url}/api/feedback", timeout=30, json={
            "conversation_id": turn["conversation_id"], "turn": turn["turn"],
            "helpful": turn["turn"] % 2 == 1})
        assert vote.status_code == 201, vote.text
    with psycopg.connect(database_url) as db:
        votes = db.execute("SELECT turn, helpful FROM feedback ORDER BY turn").fetchall()
        logged = db.execute("SELECT turn, source FROM questions ORDER BY turn").fetchall()
    assert votes == [(1, 1), (2, 0), (3, 1), (4, 0)]
    assert logged == [(1, "api"), (2, "api"), (3, "api"), (4, "api")]

    # The limit counts both replicas' requests: 4 so far, 2 more allowed, then 429 anywhere.
    assert [_chat(s, QUESTION).status_code for s in (one, two, one, two)] == [200, 200, 429, 429]

    # A Slack retry (its first delivery failed on replica 1's side) reaches replica 2.
    event = {"type": "app_mention", "user": "U0ALICE", "text": f"<@U0GOVQA> {QUESTION}",
             "ts": "1700009000.000100", "channel": "C0GENERAL", "event_ts": "1700009000.000100"}
    assert SlackSender(one.url, fake_slack).event(event, event_id="Ev0SCALE").status_code == 200
    fake_slack.wait_posts(1)
    retry = SlackSender(two.url, fake_slack).event(
        event, event_id="Ev0SCALE", retry_num=1, retry_reason="http_error")
    assert (retry.status_code, retry.text) == (200, "")
    # A later question to replica 2 is answered, so a second answer would be in by now.
    sentinel = {**event, "ts": "1700009100.000100", "event_ts": "1700009100.000100",
                "channel": "C0SENTINEL"}
    SlackSender(two.url, fake_slack).event(sentinel)
    fake_slack.wait_for(lambda _: len(fake_slack.posts()) >= 2, "the sentinel's answer")
    assert sorted(p.body["channel"] for p in fake_slack.posts()) == ["C0GENERAL", "C0SENTINEL"]
    with psycopg.connect(database_url) as db:
        sources = db.execute("SELECT source, count(*) FROM questions GROUP BY source"
                             " ORDER BY source").fetchall()
    assert sources == [("api", 6), ("slack", 2)]
    assert json.loads(httpx.get(f"{two.url}/readyz").text)["status"] == "ready"
