"""List answers assembled from sibling sections of real corpus pages, one citation per item."""

from __future__ import annotations

import json
from pathlib import Path

from chat_api.slack_blocks import answer_blocks

QUESTION = "List the data and AI tools available to public officers."
PAGE = "https://www.tech.gov.sg/products-and-services/for-government-agencies/data-and-ai/"
HEADING = ["Data and AI", "Explore our data and AI tools"]
ITEMS = [
    ("Analytics.gov", "analyticsgov",
     "Analytics.gov provides a space for public officers to collaborate on data projects"),
    ("Video Analytics System", "video-analytics-system",
     "GovTech's Video Analytics System monitors and analyses video data"),
    ("WOGAA", "wogaa",
     "The Whole-of-Government-Application-Analytics (WOGAA) monitors performances of "
     "government digital services and provides data for benchmarking."),
    ("Data.gov.sg", "datagovsg",
     "This is a repository of real-time datasets uploaded by government agencies, and comes "
     "complete with dashboards, shareable charts and blogs."),
    ("GovText", "govtext",
     "GovText's topic modelling and summarisation features help public officers analyse "
     "their textual data"),
]


def test_a_list_spread_over_cards_is_answered_item_by_item(corpus_engine) -> None:
    answer = corpus_engine.ask(QUESTION)
    assert answer.answered
    lines = [f"{title} — {sentence}" for title, _, sentence in ITEMS]
    assert answer.answer == "\n".join(lines)
    data = answer.to_dict()
    assert [i["text"] for i in data["items"]] == lines
    for item, (title, anchor, sentence) in zip(data["items"], ITEMS, strict=True):
        c = item["citation"]
        assert (c["title"], c["section"], c["section_path"]) == (
            "Data and AI", title, [*HEADING, title])
        assert c["url"] == f"{PAGE}#{anchor}"
        assert c["quote"] == sentence and (c["start"], c["end"]) == (0, len(sentence))
        assert c["highlight_url"].startswith(f"{PAGE}#:~:text=")
    # One citation per item, in the items' order: the heading has no lead-in of its own.
    assert data["citations"] == [i["citation"] for i in data["items"]]


def test_a_question_about_one_card_still_gets_one_sentence(corpus_engine) -> None:
    answer = corpus_engine.ask("What information can I get from the myENV app?")
    assert answer.items == []
    assert answer.answer == (
        "The myENV app provides essential environment-related information, from weather "
        "forecasts to PSI readings and food recalls, to citizens in real time.")
    assert [c.section for c in answer.citations] == ["Environment"]


def test_slack_renders_the_items_as_linked_bullets(corpus_engine) -> None:
    blocks = answer_blocks(corpus_engine.ask(QUESTION))
    bullets = [f"• <{PAGE}#{anchor}|{title}> — {sentence}" for title, anchor, sentence in ITEMS]
    assert blocks[0] == {"type": "section", "text": {
        "type": "mrkdwn",
        "text": "\n".join(["*Explore our data and AI tools* — Data and AI", *bullets])}}
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]


def test_govqa_ask_prints_the_list(run_cli, corpus_index_dir: Path) -> None:
    rc, out, err = run_cli("ask", QUESTION, "--index", corpus_index_dir)
    assert rc == 0, err
    lines = out.splitlines()
    expected = []
    for title, anchor, sentence in ITEMS:
        expected += [f"  • {title} — {sentence}", f"    {PAGE}#{anchor}"]
    assert lines[:len(expected)] == expected
    assert lines[len(expected):len(expected) + 3] == [
        "", "— Data and AI › Explore our data and AI tools", ""]
    assert lines[-1].startswith("confidence ")


def test_ingest_dry_run_shows_each_sections_place(run_cli, shared_dir: Path) -> None:
    page = shared_dir / "corpus/govtech/_products-and-services/For Government Agencies"
    page = page / "Data and AI.md"
    rc, out, err = run_cli("ingest", page, "--dry-run", "--json")
    assert rc == 0, err
    chunks = [json.loads(line) for line in out.splitlines()]
    cards = [(c["section"][-1], c["parent"], c["order"], c["siblings"]) for c in chunks
             if c["parent"] == HEADING]
    assert cards == [(title, HEADING, n, len(ITEMS)) for n, (title, _, _) in enumerate(ITEMS)]
