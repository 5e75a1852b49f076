"""Only requests signed by Slack, recently, reach the bot; without tokens there is no route."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi.testclient import TestClient

NOT_CONFIGURED = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable /slack/events"
)


def mention_event(ts: str, channel: str) -> dict:
    return {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": "<@U0GOVQA> which countries attended DGX?",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }


def forged(slack, kind: str, body: str, content_type: str):
    """Send `body` the way an attacker or a replaying proxy might."""
    now = int(time.time())
    if kind == "bad signature":
        return slack.post(body, content_type, signature="v0=" + "0" * 64)
    if kind == "missing signature":
        return slack.post(body, content_type, sign=False)
    if kind == "signed with another secret":
        other = type(slack)(slack.url.rsplit("/slack/events", 1)[0], slack.fake, "not-the-secret")
        return other.post(body, content_type)
    if kind == "tampered body":
        signature = slack.verifier.generate_signature(timestamp=str(now), body=body)
        return slack.post(body.replace("DGX", "DGY"), content_type, signature=signature)
    if kind == "replayed timestamp":
        # Correctly signed, but six minutes old: outside Slack's five-minute window.
        return slack.post(body, content_type, timestamp=now - 6 * 60)
    if kind == "timestamp from the future":
        return slack.post(body, content_type, timestamp=now + 6 * 60)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "bad signature",
        "missing signature",
        "signed with another secret",
        "tampered body",
        "replayed timestamp",
        "timestamp from the future",
    ],
)
def test_unsigned_or_stale_requests_get_401_and_nothing_is_posted(slack, fake_slack, kind) -> None:
    event_body = slack.event_body(mention_event("1700006000.000100", "C0FORGED"))
    command_body = slack.command_body("which countries attended DGX?", channel="C0FORGED")
    for body, content_type in [
        (event_body, "application/json"),
        (command_body, "application/x-www-form-urlencoded"),
    ]:
        response = forged(slack, kind, body, content_type)
        assert (response.status_code, response.json()) == (401, {
            "error": "unauthorized",
            "message": "not a request signed by Slack in the last five minutes",
            "request_id": response.headers["x-request-id"],
        })

    # A genuine request afterwards is answered, and it is the only thing Slack ever got.
    genuine_ts = f"{time.time():.6f}"  # a message of its own for every case
    assert slack.event(mention_event(genuine_ts, "C0GENUINE")).status_code == 200
    fake_slack.wait_for(lambda _: fake_slack.posts(), "the genuine request's answer")
    assert [(p.kind, p.body.get("channel")) for p in fake_slack.posts()] == [("api", "C0GENUINE")]


@pytest.mark.parametrize(
    "tokens",
    [{}, {"slack_bot_token": "xoxb-only-a-token"}, {"slack_signing_secret": "only-a-secret"}],
)
def test_without_slack_tokens_the_route_is_absent_and_one_line_says_so(
    make_settings, caplog, tokens
) -> None:
    from chat_api.server.app import create_app

    caplog.set_level(logging.INFO)
    with TestClient(create_app(make_settings(**tokens))) as client:
        response = client.post("/slack/events", json={"type": "url_verification"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert client.get("/healthz").status_code == 200
        # Let the background load finish, so no thread outlives the app mid-load.
        deadline = time.monotonic() + 60
        while (ready := client.get("/readyz")).status_code != 200:
            assert ready.json()["status"] == "loading" and time.monotonic() < deadline, ready.text
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if "Slack" in r.getMessage()]
    assert lines == [NOT_CONFIGURED]
