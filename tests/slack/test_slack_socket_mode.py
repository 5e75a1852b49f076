"""`govqa slack` over Socket Mode, against a fake Slack WebSocket server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.fixture
def socket_bot(sample_index_dir, fake_slack, slack_ids, tmp_path):
    """The real `govqa slack` process, connected to the fake Socket Mode server."""
    fake_slack.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOVQA_"))} | {
        "GOVQA_INDEX_DIR": str(sample_index_dir),
        "GOVQA_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "SLACK_BOT_TOKEN": slack_ids["bot_token"],
        "SLACK_APP_TOKEN": slack_ids["app_token"],
        "SLACK_API_URL": fake_slack.api_url,
    }
    log = (tmp_path / "govqa-slack.log").open("w+")
    # cwd is the temporary folder, so a developer's .env cannot leak into the test.
    proc = subprocess.Popen(
        [sys.executable, "-m", "govqa.cli", "slack"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(c.name == "connect" for c in fake_slack.calls):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"govqa slack did not connect:\n{log.read()}")
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.seek(0)
        output = log.read()
        log.close()
    # Ctrl-C is the normal way to stop it: a clean exit, no traceback.
    assert (proc.returncode, "Traceback" in output) == (0, False), output


def envelope(envelope_id: str, kind: str, payload: dict, retry_attempt: int = 0) -> dict:
    return {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": kind != "events_api",
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
        "payload": payload,
    }


def mention_payload(event_id: str, text: str, ts: str, channel: str) -> dict:
    return {
        "team_id": "T0TEAM",
        "api_app_id": "A0GOVQA",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@U0GOVQA> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        },
    }


def test_socket_mode_answers_events_and_commands_and_acks_every_envelope(
    socket_bot, fake_slack, slack_ids
) -> None:
    [opened] = [c for c in fake_slack.calls if c.name == "apps.connections.open"]
    assert opened.headers["Authorization"] == f"Bearer {slack_ids['app_token']}"

    ts = "1700007000.000100"
    payload = mention_payload("Ev0SOCKET1", "which countries attended DGX?", ts, "C0SOCKET")
    fake_slack.send_envelope(envelope("env-mention", "events_api", payload))
    [post] = fake_slack.wait_posts(1)
    assert (post.name, post.body["channel"], post.body["thread_ts"]) == (
        "chat.postMessage",
        "C0SOCKET",
        ts,
    )
    assert post.body["blocks"][0]["text"]["text"].startswith(">The ninth edition of DGX")
    value = json.loads(post.body["blocks"][-1]["elements"][0]["value"])
    assert value == {"conversation_id": f"slack:C0SOCKET:{ts}", "turn": 1}

    # Slack re-sends an envelope it got no ack for; the copy is acked but not answered again.
    fake_slack.send_envelope(envelope("env-mention-again", "events_api", payload, 1))

    command = {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "channel_id": "C0SOCKET",
        "user_id": "U0ALICE",
        "command": "/ask",
        "text": "which countries attended DGX?",
        "api_app_id": "A0GOVQA",
        "response_url": fake_slack.response_url("socket-command"),
        "trigger_id": "trigger-socket",
    }
    fake_slack.send_envelope(envelope("env-command", "slash_commands", command))
    fake_slack.wait_for(
        lambda _: any(p.name == "socket-command" for p in fake_slack.posts()),
        "the /ask answer on response_url",
    )
    fake_slack.wait_for(
        lambda calls: sum(c.name == "ack" for c in calls) >= 3, "three envelope acks"
    )
    acks = [c.body for c in fake_slack.calls if c.name == "ack"]
    assert sorted(acks, key=lambda a: a["envelope_id"]) == [
        {"envelope_id": "env-command"},
        {"envelope_id": "env-mention"},
        {"envelope_id": "env-mention-again"},
    ]
    assert [(p.kind, p.name) for p in fake_slack.posts()] == [
        ("api", "chat.postMessage"),
        ("response", "socket-command"),
    ]
    [answer] = [p for p in fake_slack.posts() if p.kind == "response"]
    assert answer.body["response_type"] == "in_channel"
    assert answer.body["blocks"] == post.body["blocks"][:-1] + [answer.body["blocks"][-1]]


def test_govqa_slack_without_tokens_says_what_to_set(sample_index_dir, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GOVQA_"))}
    env["GOVQA_INDEX_DIR"] = str(sample_index_dir)
    result = subprocess.run(
        [sys.executable, "-m", "govqa.cli", "slack"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "error: Slack Socket Mode is not configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN\n",
    )
