"""What the bot reads from Slack: the question text, conversation ids, repeated deliveries."""

from __future__ import annotations

import asyncio

import pytest

from chat_api.slack.bot import SlackConfig, conversation_id_for, question_text
from chat_api.state.seen import RecentKeys


@pytest.mark.parametrize(
    ("raw", "question"),
    [
        ("<@U0GOVQA> which countries attended DGX?", "which countries attended DGX?"),
        ("<@U0GOVQA|govqa>   when was it\nheld? <!here>", "when was it held?"),
        ("what is <https://www.tech.gov.sg/a|this page> about?", "what is this page about?"),
        ("is <https://www.tech.gov.sg/a> right?", "is https://www.tech.gov.sg/a right?"),
        ("R&amp;D at &lt;GovTech&gt; in <#C0GENERAL|general>", "R&D at <GovTech> in general"),
        ("&amp;lt; stays", "&lt; stays"),
        ("<@U0GOVQA>", ""),
        ("", ""),
    ],
)
def test_question_text_drops_mentions_and_undoes_slack_markup(raw: str, question: str) -> None:
    assert question_text(raw) == question


def test_a_thread_is_a_conversation_and_a_dm_without_threads_is_one_too() -> None:
    assert conversation_id_for("C0GENERAL", "1700001000.000100") == (
        "slack:C0GENERAL:1700001000.000100"
    )
    assert conversation_id_for("D0ALICE", None) == "slack:D0ALICE"


def test_recent_keys_remember_repeats_within_a_bounded_size() -> None:
    recent = RecentKeys(max_size=2)

    def seen(keys: list[str]) -> list[bool]:
        async def each() -> list[bool]:
            return [await recent.check_and_add(k) for k in keys]
        return asyncio.run(each())

    assert seen(["a", "a", "b", "a"]) == [False, True, False, True]
    assert seen(["c"]) == [False]  # "a" is the oldest and makes room
    assert seen(["b", "c", "a"]) == [True, True, False]


def test_slack_config_reads_settings_and_needs_both_http_tokens() -> None:
    class Settings:
        slack_bot_token = " xoxb-1 "
        slack_signing_secret = ""
        slack_app_token = None
        slack_api_url = "http://127.0.0.1:9/api"
        slack_ephemeral = True

    config = SlackConfig.from_settings(Settings())
    assert config == SlackConfig(
        bot_token="xoxb-1",
        signing_secret=None,
        app_token=None,
        api_url="http://127.0.0.1:9/api",
        ephemeral=True,
    )
    assert config.http_ready is False
