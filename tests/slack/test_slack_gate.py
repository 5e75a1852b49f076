"""Malformed or replayed requests to /slack/events: a 4xx or a silent 200, never a 500 or a post."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.parse

import pytest

from tests.slack.conftest import SIGNING_SECRET
from tests.slack.test_slack_events import QUESTION, mention

UNAUTHORIZED = "not a request signed by Slack in the last five minutes"


def _error(response, status: int, message: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.json() == {
        "error": {401: "unauthorized", 400: "bad_request"}[status],
        "message": message,
        "request_id": response.headers["x-request-id"],
    }


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    yield
    # The service runs in a thread of this process: its log records reach caplog.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"\xff\xfe{", "application/json", "the body is not UTF-8"),
    (b"payload=%ff", FORM, "the body is neither a Slack event, command nor interaction"),
    (b"payload=%7Bnot-json", FORM, "the body is neither a Slack event, command nor interaction"),
    (b"[1, 2]", "application/json", "the body is neither a Slack event, command nor interaction"),
    (b"text=hello", FORM, "the body is neither a Slack event, command nor interaction"),
])
def test_signed_but_unreadable_bodies_get_400(slack, fake_slack, no_errors_logged, body: bytes,
                                              content_type: str, message: str) -> None:
    ts = str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + body  # Slack's v0 scheme, over bytes
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    response = slack.post_bytes(body, content_type, timestamp=ts, signature=signature)
    _error(response, 400, message)
    assert fake_slack.posts() == []


@pytest.mark.parametrize(("body", "headers"), [
    (b"\xff\xfe{", {}),  # unsigned, and not UTF-8: refused before any decoding
    (b"{}", {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
    (b"{}", {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"}),
    (b"{}", {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}),
    (b"{}", {"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=00"}),
])
def test_malformed_signature_headers_get_401(slack, fake_slack, no_errors_logged, body: bytes,
                                             headers: dict[str, str]) -> None:
    response = slack.post_bytes(body, "application/json", headers=headers)
    _error(response, 401, UNAUTHORIZED)
    assert fake_slack.posts() == []


def test_a_replayed_ask_command_posts_once(slack, fake_slack) -> None:
    body = slack.command_body(QUESTION, channel="C0REPLAY")
    ts = int(time.time())
    first = slack.post(body, FORM, timestamp=ts)
    again = slack.post(body, FORM, timestamp=ts)  # the same signed bytes, within five minutes
    assert (first.status_code, again.status_code, again.text) == (200, 200, "")
    fake_slack.wait_posts(1)
    time.sleep(0.5)  # a second answer, if one were coming, would be on its way by now
    assert [p.kind for p in fake_slack.posts()] == ["response"]
    # Asked again by the user (a new request, newly signed), it is answered again.
    assert slack.command(QUESTION, channel="C0REPLAY").status_code == 200
    fake_slack.wait_posts(2)


def test_a_replayed_feedback_click_stores_one_vote(slack, fake_slack, stored) -> None:
    root = "1700007000.000100"
    slack.event(mention(QUESTION, root, channel="C0VOTES"))
    [answer] = fake_slack.wait_posts(1)
    click = slack.action_body(answer.body["blocks"], "govqa_feedback_up", channel="C0VOTES")
    ts = int(time.time())
    assert slack.post(click, FORM, timestamp=ts).status_code == 200
    assert slack.post(click, FORM, timestamp=ts).status_code == 200
    fake_slack.wait_posts(2)
    time.sleep(0.5)
    assert len(fake_slack.posts()) == 2  # the answer, and one "thanks"
    assert stored("feedback", f"slack:C0VOTES:{root}") == [
        ("slack", f"slack:C0VOTES:{root}", 1, 1, None)]


def test_ssl_check_is_accepted(slack, fake_slack) -> None:
    body = urllib.parse.urlencode({"ssl_check": "1", "token": "legacy-verification-token"})
    assert slack.post(body, FORM).status_code == 200
    assert fake_slack.posts() == []


def test_a_click_on_an_answer_never_given_stores_nothing(slack, fake_slack, stored) -> None:
    from chat_api.slack.blocks import feedback_value

    blocks = [{"type": "actions", "block_id": "govqa_feedback", "elements": [
        {"type": "button", "action_id": "govqa_feedback_up",
         "value": feedback_value("slack:C0MADEUP:1.0", 1)}]}]
    assert slack.action(blocks, "govqa_feedback_up", channel="C0MADEUP").status_code == 200
    [sorry] = fake_slack.wait_posts(1)
    assert (sorry.kind, sorry.body) == ("response", {
        "text": "Sorry, that answer can no longer be rated.",
        "response_type": "ephemeral", "replace_original": False})
    assert stored("feedback", "slack:C0MADEUP:1.0") == []
