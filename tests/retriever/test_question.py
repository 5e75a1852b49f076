"""What a question asks for: answer types, lists, acronym expansions, named numbers, tense."""

from __future__ import annotations

import pytest

from retriever.question import (
    Cues,
    expands,
    is_list_question,
    numbers_missing,
    read_question,
    tense_ok,
    type_ok,
)


@pytest.mark.parametrize(("question", "sentence", "ok"), [
    # Dates: a year, a capitalised month, an ordinal day; not words that merely start alike.
    ("What year did Parents Gateway launch?", "Parents Gateway was launched in 2019.", 1.0),
    ("What year did Parents Gateway launch?", "Making travel declarations easier.", 0.0),
    ("When did the German ministry visit?", "Hosted a delegation in July 2023", 1.0),
    ("When is the market open?", "The market may reopen soon.", 0.0),
    ("When did it start?", "It started on the 3rd of the month.", 1.0),
    # Counts: a figure or a number word, not a bare year.
    ("How many employees does GovTech have?", "Established in 2021, the group grew.", 0.0),
    ("How many employees does GovTech have?", "GovTech has over 3,000 staff.", 1.0),
    ("How many partners are there?", "It has two partners.", 1.0),
    ("How much does it cost?", "The app is free for residents.", 1.0),
    ("How much does it cost?", "The kit includes a weight scale.", 0.0),
    # Frequencies.
    ("How often is the survey published?", "The UN publishes it biennially.", 1.0),
    ("How often is the survey published?", "The survey ranks 193 states.", 0.0),
    # Durations ("how long ago" is a date question instead).
    ("How long does a session last?", "Sessions last 30 minutes.", 1.0),
    ("How long does a session last?", "Sessions are held online.", 0.0),
    # Contacts.
    ("How do journalists contact GovTech?", "Write to media@tech.gov.sg.", 1.0),
    # No answer type: anything goes.
    ("What is Open-RMF?", "Open-RMF lets robots use lifts.", 1.0),
])
def test_answer_types(question: str, sentence: str, ok: float) -> None:
    assert type_ok(read_question(question).wanted, sentence) == ok


def test_read_question_gives_every_cue() -> None:
    cues = read_question("What does SATIS stand for in the 2024 report?")
    assert (cues.acronyms, cues.numbers, cues.future) == (["SATIS"], ["2024"], False)
    assert cues.wanted == []
    assert read_question("When is the next DGX?").future is True
    assert read_question("how do I renew my passport") == Cues()


@pytest.mark.parametrize(("question", "listy"), [
    ("which countries attended DGX?", True),
    ("what devices are in the Sensei Care Kit?", True),
    ("What are the three layers that make up GALE?", True),
    ("name the partners of the programme", True),
    ("What is Open-RMF?", False),
    ("When did the German ministry visit GovTech?", False),
])
def test_list_questions(question: str, listy: bool) -> None:
    assert is_list_question(question) is listy


@pytest.mark.parametrize(("question", "sentence", "value"), [
    ("What does SATIS stand for?",
     "Protecting users with Scam Analytics and Tactical Intervention System (SATIS)", 1.0),
    ("What is the full name behind the Open-RMF acronym?",
     "Transforming urban living with Open-Robotics Middle Framework", 1.0),
    ("What does DSAID stand for?",
     "The Data Science and Artificial Intelligence Division builds tools.", 1.0),
    ("What does SATIS stand for?", "SATIS provides three key benefits, as follows.", 0.0),
    # Only a question that asks for the expansion looks for one.
    ("Who runs SATIS?", "Scam Analytics and Tactical Intervention System", 0.0),
])
def test_acronym_expansions(question: str, sentence: str, value: float) -> None:
    assert expands(read_question(question).acronyms, sentence) == value


@pytest.mark.parametrize(("question", "text", "missing"), [
    ("What was Singapore's rank in the 2024 UN survey?", "Ranked 12th in 2022.", 1.0),
    ("What was Singapore's rank in the 2022 UN survey?", "Ranked 12th in 2022.", 0.0),
    ("Does it review 100,000 websites?", "It reviews over 100000 websites.", 0.0),
    ("Is episode 2 out?", "Episode 12 is out.", 1.0),
    ("Is episode 2 out?", "Episode 2 is out.", 0.0),
    ("Who organises DGX?", "Anything at all.", 0.0),
])
def test_numbers_named_in_the_question(question: str, text: str, missing: float) -> None:
    assert numbers_missing(read_question(question).numbers, text) == missing


@pytest.mark.parametrize(("question", "sentence", "ok"), [
    ("When is the next TradeTrust Appreciation Day?",
     "TradeTrust's Appreciation Day 2025 marked an important milestone.", 0.0),
    ("What new Singpass features are coming?", "New features to come!", 1.0),
    ("What new Singpass features are coming?", "Upcoming features include bill payments.",
     1.0),
    ("When was Ask Jamie first conceived?", "Ask Jamie was conceived in 2014.", 1.0),
])
def test_tense(question: str, sentence: str, ok: float) -> None:
    assert tense_ok(read_question(question), sentence) == ok
