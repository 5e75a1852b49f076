"""Block Kit formatting of answers and abstentions, on hand-made Answer records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chat_api.slack.blocks import (
    answer_blocks,
    answer_text,
    feedback_value,
    link,
    parse_feedback_value,
    quote,
)
from retriever.records import Answer, Citation, Suggestion

Buttons = Callable[[str, int], dict[str, Any]]
NO_ANSWER = "The site doesn't cover this, as far as I can tell."
PAGE = (
    "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
)


def test_answer_is_a_quote_with_escaped_text_links_confidence_and_buttons(
    feedback_buttons: Buttons,
) -> None:
    answer = Answer(
        question="who runs it?",
        answered=True,
        answer="R&D <labs> run it.\nSee the list.",
        confidence=0.8123,
        citations=[
            Citation(
                title="International Collaboration",
                section="Labs & Partners",
                section_path=["International Collaboration", "Labs & Partners"],
                url=PAGE + "#labs-partners",
                highlight_url=PAGE + "#:~:text=R%26D|x",
                quote="R&D <labs> run it.",
                start=0,
                end=18,
                chunk_id="c1",
            )
        ],
        conversation_id="slack:C1:1.2",
        turn=3,
        resolved_question="who runs it? (Labs & Partners)",
    )
    assert answer_blocks(answer) == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": ">R&amp;D &lt;labs&gt; run it.\n>See the list."},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*Sources*\n• <{PAGE}#labs-partners|Labs &amp; Partners>"
                f" — International Collaboration (<{PAGE}#:~:text=R%26D%7Cx|highlight>)",
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Confidence: 81% · Understood as: _who runs it? (Labs &amp; Partners)_",
                }
            ],
        },
        feedback_buttons("slack:C1:1.2", 3),
    ]
    assert answer_text(answer) == "R&D <labs> run it. See the list."


def test_abstention_says_so_and_lists_suggested_sections(feedback_buttons: Buttons) -> None:
    answer = Answer(
        question="parking fees?",
        answered=False,
        answer=None,
        confidence=0.05,
        suggestions=[
            Suggestion("International Collaboration", "2023", PAGE + "#2023", 0.02),
            Suggestion("Parking", "Parking", "https://example.gov.sg/parking", 0.01),
        ],
        conversation_id="abc",
        turn=1,
    )
    assert answer_blocks(answer) == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": NO_ANSWER,
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*These sections may help:*\n"
                f"• <{PAGE}#2023|2023> — International Collaboration\n"
                "• <https://example.gov.sg/parking|Parking>",
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Confidence: 5%"}]},
        feedback_buttons("abc", 1),
    ]
    assert answer_text(answer) == NO_ANSWER


def test_long_answers_stay_within_slack_limits() -> None:
    answer = Answer("q", True, "word " * 2000, 0.9, conversation_id="c", turn=1)
    blocks = answer_blocks(answer)
    assert len(blocks[0]["text"]["text"]) <= 3000
    assert blocks[0]["text"]["text"].endswith("…")
    assert len(answer_text(answer)) == 3000


def test_feedback_value_round_trips_and_rejects_junk() -> None:
    assert parse_feedback_value(feedback_value("slack:C1:1.2", 4)) == ("slack:C1:1.2", 4)
    for junk in ["", "{}", '{"conversation_id": "", "turn": 1}', '{"conversation_id": "c"}']:
        with pytest.raises((ValueError, KeyError)):
            parse_feedback_value(junk)


def test_links_and_quotes_escape_what_would_break_mrkdwn() -> None:
    assert (
        link("https://x.test/a|b>c", "A <b> & c")
        == "<https://x.test/a%7Cb%3Ec|A &lt;b&gt; &amp; c>"
    )
    assert quote("one\n\ntwo") == ">one\n>\n>two"
