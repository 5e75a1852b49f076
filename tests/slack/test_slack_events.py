"""The Slack bot over HTTP: signed requests to the real app, answers caught by a fake Slack."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from tests.engines import WrappedEngine

PAGE = (
    "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
)
DGX = "Digital Government Exchange (DGX)"
QUESTION = "which countries attended DGX?"
FOLLOW_UP = "when was it held?"
OFF_TOPIC = "what is the parking fee at the airport?"
NO_ANSWER = "The site doesn't cover this, as far as I can tell."
USAGE = "Ask me about the site: `/ask <question>`, e.g. `/ask which countries attended DGX?`"


def button_value(blocks: list[dict[str, Any]]) -> tuple[str, int]:
    value = json.loads(blocks[-1]["elements"][0]["value"])
    return value["conversation_id"], value["turn"]


def mention(text: str, ts: str, thread_ts: str | None = None, channel: str = "C0GENERAL") -> dict:
    event = {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": f"<@U0GOVQA> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(text: str, ts: str, channel: str = "D0ALICE", **extra: Any) -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "user": "U0ALICE",
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **extra,
    }


def answered_blocks(answer: Any, buttons: dict, understood: bool = False) -> list[dict]:
    """What an answer looks like in Slack, written out from the engine's own answer."""
    c = answer.citations[0]
    context = f"Confidence: {answer.confidence:.0%}"
    if understood:
        context += f" · Understood as: _{answer.resolved_question}_"
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f">{answer.answer}"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Sources*\n• <{c.url}|{c.section}> — {c.title}"
                f" (<{c.highlight_url}|highlight>)",
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        buttons,
    ]


def test_ask_command_acks_at_once_then_posts_the_answer_in_channel(
    slack, fake_slack, sample_engine, feedback_buttons, stored
) -> None:
    response = slack.command(QUESTION)
    assert (response.status_code, response.text) == (200, "")

    [post] = fake_slack.wait_posts(1)
    conversation_id, turn = button_value(post.body["blocks"])
    expected = sample_engine.ask(QUESTION)
    assert expected.answered and "Australia" in expected.answer
    assert expected.citations[0].url == PAGE + "#digital-government-exchange-dgx"
    assert expected.citations[0].section == DGX
    assert post.kind == "response" and post.name.startswith("command-")
    assert post.body == {
        "text": expected.answer,
        "blocks": answered_blocks(expected, feedback_buttons(conversation_id, 1)),
        "response_type": "in_channel",
        "replace_original": False,
    }
    assert turn == 1
    assert stored("questions", conversation_id, 1) == [("slack", conversation_id, 1, QUESTION, 1)]


def test_ask_command_answers_ephemerally_when_configured(
    start_service, make_sender, fake_slack
) -> None:
    service = start_service(slack_ephemeral=True)
    fake_slack.reset()
    assert make_sender(service).command(QUESTION).status_code == 200
    [post] = fake_slack.wait_posts(1)
    assert post.body["response_type"] == "ephemeral"
    assert post.body["blocks"][0]["text"]["text"].startswith(">The ninth edition of DGX")


def test_ask_command_is_acknowledged_before_the_engine_has_answered(
    start_service, make_sender, fake_slack
) -> None:
    from chat_api.answers.engines import load_engine

    asked, release = threading.Event(), threading.Event()

    class HeldEngine(WrappedEngine):
        """The real engine, holding each answer back until the test lets it go."""

        def ask(self, *args: Any, **kwargs: Any) -> Any:
            asked.set()
            release.wait(60)
            return self._engine.ask(*args, **kwargs)

    service = start_service(engine_loader=lambda *a: HeldEngine(load_engine(*a)))
    fake_slack.reset()
    try:
        # The HTTP reply (Slack's 3-second ack) comes back while the engine is still held.
        response = make_sender(service).command(QUESTION)
        assert (response.status_code, response.text) == (200, "")
        assert asked.wait(60)
        assert fake_slack.posts() == []
    finally:
        release.set()
    [post] = fake_slack.wait_posts(1)
    assert post.body["blocks"][0]["text"]["text"].startswith(">The ninth edition of DGX")


def test_an_engine_failure_gets_an_apology_and_no_details(
    start_service, make_sender, fake_slack
) -> None:
    from chat_api.answers.engines import load_engine

    class BrokenEngine(WrappedEngine):
        def ask(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internals")

    service = start_service(engine_loader=lambda *a: BrokenEngine(load_engine(*a)))
    fake_slack.reset()
    sender = make_sender(service)
    sender.command(QUESTION)
    sender.event(mention(QUESTION, "1700010000.000100", channel="C0BROKEN"))
    fake_slack.wait_posts(2)
    sorry = "Sorry, something went wrong on our side; it has been logged."
    assert sorted((p.kind, p.body["text"]) for p in fake_slack.posts()) == [
        ("api", sorry),
        ("response", sorry),
    ]


def test_ask_command_without_a_question_explains_itself(slack, fake_slack) -> None:
    response = slack.command("   ")
    assert response.status_code == 200
    assert response.json() == {"text": USAGE, "response_type": "ephemeral"}


def test_mention_is_answered_in_a_thread_and_follow_ups_keep_the_conversation(
    slack, fake_slack, sample_engine, feedback_buttons, stored
) -> None:
    root = "1700001000.000100"
    conversation_id = f"slack:C0GENERAL:{root}"
    expected = sample_engine.ask(QUESTION, conversation_id="reference-thread")
    expected_follow_up = sample_engine.ask(FOLLOW_UP, conversation_id="reference-thread")
    assert expected_follow_up.resolved_question  # the engine reads it as a follow-up

    assert slack.event(mention(QUESTION, root)).status_code == 200
    [first] = fake_slack.wait_posts(1)
    assert first.body == {
        "channel": "C0GENERAL",
        "thread_ts": root,
        "text": expected.answer,
        "blocks": answered_blocks(expected, feedback_buttons(conversation_id, 1)),
        "unfurl_links": False,
        "unfurl_media": False,
        "team_id": "T0TEAM",
    }
    assert first.headers["Authorization"] == "Bearer xoxb-test-govqa"

    reply = mention(FOLLOW_UP, "1700001060.000200", thread_ts=root)
    assert slack.event(reply).status_code == 200
    [_, second] = fake_slack.wait_posts(2)
    assert second.body == {
        "channel": "C0GENERAL",
        "thread_ts": root,
        "text": expected_follow_up.answer,
        "blocks": answered_blocks(
            expected_follow_up, feedback_buttons(conversation_id, 2), understood=True
        ),
        "unfurl_links": False,
        "unfurl_media": False,
        "team_id": "T0TEAM",
    }
    assert stored("questions", conversation_id, 2) == [
        ("slack", conversation_id, 1, QUESTION, 1),
        ("slack", conversation_id, 2, FOLLOW_UP, int(expected_follow_up.answered)),
    ]


def test_direct_messages_are_answered_and_bot_echoes_ignored(
    slack, fake_slack, sample_engine, feedback_buttons
) -> None:
    # The bot's own post and an edit arrive as message.im events too; neither is a question.
    # All are acknowledged with 200: anything else would make Slack send them again.
    ignored = [
        dm(QUESTION, "1700002000.000050", bot_id="B0GOVQA", subtype="bot_message"),
        dm(QUESTION, "1700002000.000055", user="U0GOVQA"),
        dm(QUESTION, "1700002000.000060", subtype="message_changed"),
        {**dm(QUESTION, "1700002000.000070"), "channel_type": "channel"},
        {"type": "reaction_added", "user": "U0ALICE", "reaction": "+1", "event_ts": "1.2"},
    ]
    assert [slack.event(event).status_code for event in ignored] == [200] * len(ignored)
    assert slack.event(dm(QUESTION, "1700002000.000100")).status_code == 200

    posts = fake_slack.wait_posts(1)
    expected = sample_engine.ask(QUESTION)
    assert [p.body for p in posts] == [
        {
            "channel": "D0ALICE",
            "text": expected.answer,
            "blocks": answered_blocks(expected, feedback_buttons("slack:D0ALICE", 1)),
            "unfurl_links": False,
            "unfurl_media": False,
            "team_id": "T0TEAM",
        }
    ]


def test_abstention_says_the_site_does_not_cover_it_and_lists_sections(
    slack, fake_slack, sample_engine, feedback_buttons
) -> None:
    root = "1700003000.000100"
    assert slack.event(mention(OFF_TOPIC, root, channel="C0RANDOM")).status_code == 200
    [post] = fake_slack.wait_posts(1)
    expected = sample_engine.ask(OFF_TOPIC)
    assert not expected.answered and expected.suggestions
    links = "\n".join(f"• <{s.url}|{s.section}> — {s.title}" for s in expected.suggestions)
    assert post.body["thread_ts"] == root
    assert post.body["text"] == NO_ANSWER
    assert post.body["blocks"] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": NO_ANSWER,
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*These sections may help:*\n{links}"},
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Confidence: {expected.confidence:.0%}"}],
        },
        feedback_buttons(f"slack:C0RANDOM:{root}", 1),
    ]


def test_feedback_buttons_record_votes_in_the_widgets_store(slack, fake_slack, stored) -> None:
    root = "1700004000.000100"
    conversation_id = f"slack:C0GENERAL:{root}"
    slack.event(mention(QUESTION, root))
    [answer] = fake_slack.wait_posts(1)
    blocks = answer.body["blocks"]

    response = slack.action(blocks, "govqa_feedback_up")
    assert (response.status_code, response.text) == (200, "")
    [_, thanks] = fake_slack.wait_posts(2)
    assert thanks.kind == "response"
    assert thanks.body == {
        "text": "Thanks, your feedback was recorded.",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    assert stored("feedback", conversation_id) == [("slack", conversation_id, 1, 1, None)]

    # The same user changing their mind replaces their vote.
    assert slack.action(blocks, "govqa_feedback_down").status_code == 200
    fake_slack.wait_posts(3)
    assert stored("feedback", conversation_id) == [("slack", conversation_id, 1, 0, None)]


def test_a_retried_event_gives_no_second_answer(slack, fake_slack) -> None:
    event = mention(QUESTION, "1700005000.000100")
    assert slack.event(event, event_id="Ev0RETRIED").status_code == 200
    fake_slack.wait_posts(1)
    for attempt, reason in [(1, "http_timeout"), (2, "http_error"), (3, "connection_failed")]:
        response = slack.event(event, event_id="Ev0RETRIED", retry_num=attempt, retry_reason=reason)
        assert (response.status_code, response.text) == (200, "")

    # A later question is answered, so anything the retries had started would be in by now.
    slack.event(dm(QUESTION, "1700005100.000100", channel="D0SENTINEL"))
    fake_slack.wait_for(
        lambda _: any(p.body.get("channel") == "D0SENTINEL" for p in fake_slack.posts()),
        "the sentinel's answer",
    )
    assert [(p.body["channel"], p.body.get("thread_ts")) for p in fake_slack.posts()] == [
        ("C0GENERAL", "1700005000.000100"),
        ("D0SENTINEL", None),
    ]


def test_a_retry_is_answered_only_when_the_first_delivery_never_arrived(slack, fake_slack) -> None:
    # After a timeout the first copy did arrive (perhaps at another worker), which answers it.
    timed_out = mention(QUESTION, "1700005200.000100", channel="C0TIMEOUT")
    assert slack.event(timed_out, event_id="Ev0TIMEOUT", retry_num=1).status_code == 200
    # After a failed connection nobody got it: this process answers the retry, once.
    failed = mention(QUESTION, "1700005300.000100", channel="C0FAILED")
    slack.event(failed, event_id="Ev0FAILED", retry_num=1, retry_reason="connection_failed")
    slack.event(failed, event_id="Ev0FAILED", retry_num=2, retry_reason="http_timeout")
    slack.event(failed, event_id="Ev0FAILED", retry_num=3, retry_reason="connection_failed")

    slack.event(dm(QUESTION, "1700005400.000100", channel="D0SENTINEL"))
    fake_slack.wait_for(
        lambda _: any(p.body.get("channel") == "D0SENTINEL" for p in fake_slack.posts()),
        "the sentinel's answer",
    )
    assert sorted(p.body["channel"] for p in fake_slack.posts()) == ["C0FAILED", "D0SENTINEL"]


def test_url_verification_challenge_is_echoed(slack) -> None:
    # Slack sends this, signed, when an admin pastes the request URL into the app's settings.
    body = json.dumps({"token": "x", "challenge": "c0ffee", "type": "url_verification"})
    response = slack.post(body, "application/json")
    assert (response.status_code, response.json()) == (200, {"challenge": "c0ffee"})


def test_unusable_questions_get_a_short_explanation(slack, fake_slack) -> None:
    slack.command("x" * 1001)
    [post] = fake_slack.wait_posts(1)
    assert post.body == {
        "text": "Sorry: the question is 1001 characters long; the limit is 1000",
        "response_type": "ephemeral",
    }

    slack.event(mention("", "1700008000.000100", channel="C0EMPTY"))
    [_, usage] = fake_slack.wait_posts(2)
    assert usage.body == {
        "channel": "C0EMPTY",
        "thread_ts": "1700008000.000100",
        "text": USAGE,
        "team_id": "T0TEAM",
    }


def slack_answer_counts(base_url: str) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(base_url + "/metrics").text
    return {
        s.labels["outcome"]: s.value
        for family in text_string_to_metric_families(text)
        if family.name == "govqa_answers"
        for s in family.samples
        if s.name == "govqa_answers_total" and s.labels["source"] == "slack"
    }


def test_slack_answers_and_abstentions_are_counted_in_metrics(
    slack, slack_service, fake_slack
) -> None:
    before = slack_answer_counts(slack_service.url)
    slack.event(dm(QUESTION, "1700009000.000100", channel="D0METRICS"))
    slack.event(mention(OFF_TOPIC, "1700009000.000200", channel="C0METRICS"))
    fake_slack.wait_posts(2)
    after = slack_answer_counts(slack_service.url)
    assert {k: after[k] - before.get(k, 0) for k in after} == {"answered": 1, "abstained": 1}


def test_slack_answers_run_on_the_workers_answer_thread(
    start_service, make_sender, fake_slack
) -> None:
    from chat_api.answers.engines import load_engine

    threads: list[str] = []

    class WatchedEngine(WrappedEngine):
        """The real engine, noting the thread each answer is worked out on."""

        def ask(self, *args: Any, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return self._engine.ask(*args, **kwargs)

    service = start_service(engine_loader=lambda *a: WatchedEngine(load_engine(*a)))
    fake_slack.reset()
    sender = make_sender(service)
    sender.command(QUESTION)
    sender.event(mention("who takes part in DGX?", "1700020000.000100", channel="C0THREADS"))
    fake_slack.wait_posts(2)
    # The same single thread as /api/chat's answers, not one of asyncio's default pool.
    assert len(threads) == 2
    assert all(name.startswith("govqa-answer_") for name in threads), threads
    assert service.app.state.answers.executor._max_workers == 1
