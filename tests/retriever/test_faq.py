"""A page that asks the visitor's question in the same words answers it with what follows."""

from __future__ import annotations

import pytest

from ingest.records import Chunk
from ingest.sentences import split_sentences
from retriever.faq import answers_asked, same_words


def _chunk(heading: str, text: str) -> Chunk:
    return Chunk(page_url="https://www.example.gov.sg/faq/", page_title="FAQ",
                 section=["FAQ", heading], anchor="faq", text=text, start=0, end=len(text),
                 sentences=split_sentences(text))


FAQ = _chunk("Applications", "How do I apply?\nSubmit the form on the portal. "
             "When will I hear back?\nWithin 14 working days.")


def test_same_words_ignores_case_punctuation_and_spacing() -> None:
    assert same_words("  When will I  hear back?! ") == same_words("when will i hear back")
    assert same_words("When will I hear back?") != same_words("When will you hear back?")


@pytest.mark.parametrize(("question", "answer"), [
    ("How do I apply?", "Submit the form on the portal."),
    ("when will I hear back", "Within 14 working days."),
])
def test_the_sentence_after_the_pages_own_question_answers_it(question: str,
                                                               answer: str) -> None:
    j = answers_asked(question, FAQ)
    assert j is not None
    assert FAQ.sentence_texts()[j] == answer


def test_a_heading_that_asks_the_question_is_answered_by_its_first_sentence() -> None:
    chunk = _chunk("Who can apply?", "Singapore citizens aged 21 and above. "
                   "Permanent residents may apply from 2027.")
    assert answers_asked("Who can apply?", chunk) == 0
    assert answers_asked("who can apply", _chunk("Who can apply", chunk.text)) == 0
    assert answers_asked("Who can apply?", _chunk("Eligibility", chunk.text)) is None


@pytest.mark.parametrize("question", [
    "How do I apply online?",  # other words: left to the reader
    "How long does it take?",
    "",
])
def test_other_words_or_no_answer_after_the_question_match_nothing(question: str) -> None:
    assert answers_asked(question, FAQ) is None


def test_a_question_on_the_last_line_has_no_answer_after_it() -> None:
    assert answers_asked("Any questions?", _chunk("End", "Thank you. Any questions?")) is None
