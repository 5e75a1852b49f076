"""Block Kit formatting of an Answer for Slack: quote, citation links, confidence, feedback."""

from __future__ import annotations

import json
from typing import Any

from retriever.records import Answer

FEEDBACK_BLOCK_ID = "govqa_feedback"
ACTION_HELPFUL = "govqa_feedback_up"
ACTION_UNHELPFUL = "govqa_feedback_down"

# Slack rejects a section whose text is longer than 3000 characters.
_SECTION_LIMIT = 3000
# The fallback `text` goes to notifications and screen readers; Slack trims it for display.
_FALLBACK_LIMIT = 3000

NO_ANSWER = "The site doesn't cover this, as far as I can tell."


def escape(text: str) -> str:
    """Escape the three characters that Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link `<url|label>`; `|` and angle brackets in the URL would end it early."""
    safe_url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe_url}|{escape(label)}>"


def quote(text: str) -> str:
    """The answer as a block quote: every line starts with `>`."""
    body = escape(text.strip())
    if len(body) > _SECTION_LIMIT - 200:
        body = body[: _SECTION_LIMIT - 201].rstrip() + "…"
    return "\n".join(f">{line}" if line.strip() else ">" for line in body.splitlines())


def feedback_value(conversation_id: str, turn: int) -> str:
    """The button value: which turn of which conversation the vote is about."""
    return json.dumps({"conversation_id": conversation_id, "turn": turn}, separators=(",", ":"))


def parse_feedback_value(value: str) -> tuple[str, int]:
    """Inverse of feedback_value; raises ValueError on anything else."""
    data = json.loads(value)
    conversation_id, turn = data["conversation_id"], data["turn"]
    if not isinstance(conversation_id, str) or not conversation_id or not isinstance(turn, int):
        raise ValueError(f"not a feedback value: {value!r}")
    return conversation_id, turn


def _button(action_id: str, label: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }


def feedback_block(answer: Answer) -> dict[str, Any]:
    value = feedback_value(answer.conversation_id, answer.turn)
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK_ID,
        "elements": [
            _button(ACTION_HELPFUL, "👍 Helpful", value),
            _button(ACTION_UNHELPFUL, "👎 Not helpful", value),
        ],
    }


def _context(answer: Answer) -> dict[str, Any]:
    parts = [f"Confidence: {answer.confidence:.0%}"]
    if answer.resolved_question and answer.resolved_question != answer.question:
        # Follow-ups are rewritten; showing the rewrite lets staff catch a wrong guess.
        parts.append(f"Understood as: _{escape(answer.resolved_question)}_")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}


def _sources(answer: Answer) -> str:
    lines = ["*Sources*"]
    seen: set[str] = set()
    for c in answer.citations:
        if c.url in seen:
            continue
        seen.add(c.url)
        label = c.section or c.title
        page = f" — {escape(c.title)}" if c.title and c.title != label else ""
        lines.append(f"• {link(c.url, label)}{page} ({link(c.highlight_url, 'highlight')})")
    return "\n".join(lines)


def _items(answer: Answer) -> str:
    """A list assembled from sibling sections: one bullet per item, each linked to it."""
    path = answer.items[0].citation.section_path
    lines = [f"*{escape(path[-2])}* — {escape(path[0])}"]
    if answer.citations[0] is not answer.items[0].citation:
        lines.append(escape(answer.citations[0].quote))  # the heading's lead-in
    for item in answer.items:
        title = item.citation.section
        rest = item.text[len(title):] if item.text.startswith(title) else ""
        lines.append(f"• {link(item.citation.url, title)}{escape(rest)}")
    return "\n".join(lines)


def _suggestions(answer: Answer) -> str:
    lines = ["*These sections may help:*"]
    for s in answer.suggestions:
        label = s.section or s.title
        page = f" — {escape(s.title)}" if s.title and s.title != label else ""
        lines.append(f"• {link(s.url, label)}{page}")
    return "\n".join(lines)


def answer_blocks(answer: Answer) -> list[dict[str, Any]]:
    """The whole message for one answer (or abstention), ready for chat.postMessage."""
    blocks: list[dict[str, Any]] = []
    if answer.answered and answer.items:
        blocks.append(_section(_items(answer)))
    elif answer.answered and answer.answer:
        blocks.append(_section(quote(answer.answer)))
        if answer.citations:
            blocks.append(_section(_sources(answer)))
    else:
        blocks.append(_section(NO_ANSWER))
        if answer.suggestions:
            blocks.append(_section(_suggestions(answer)))
    blocks.append(_context(answer))
    blocks.append(feedback_block(answer))
    return blocks


def answer_text(answer: Answer) -> str:
    """The plain-text fallback Slack shows in notifications and to screen readers."""
    text = answer.answer if answer.answered and answer.answer else NO_ANSWER
    text = " ".join(text.split())
    if len(text) > _FALLBACK_LIMIT:
        text = text[: _FALLBACK_LIMIT - 1].rstrip() + "…"
    return text
