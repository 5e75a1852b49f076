"""Known answers on the sample page, abstentions, follow-ups and citations, on the real model."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from retriever.engine import Engine
from retriever.terms import terms

PAGE_URL = ("https://www.tech.gov.sg/products-and-services/collaborate-with-us/"
            "international-collaboration/")
DGX = ["International Collaboration", "Digital Government Exchange (DGX)"]


def test_dgx_countries_are_quoted_and_cited(sample_engine: Engine) -> None:
    a = sample_engine.ask("which countries attended DGX?")
    assert a.answered
    assert a.answer is not None
    for country in ("Australia", "Canada", "China (Shanghai)", "Denmark", "Estonia", "Finland",
                    "France", "Israel", "Japan", "New Zealand", "Sweden"):
        assert country in a.answer
    (c,) = a.citations
    assert (c.title, c.section, c.section_path) == (
        "International Collaboration", "Digital Government Exchange (DGX)", DGX)
    assert c.url == PAGE_URL + "#digital-government-exchange-dgx"
    assert c.quote == a.answer
    assert 0.0 <= a.confidence <= 1.0


@pytest.mark.parametrize(("question", "must_contain", "section"), [
    ("what is the purpose of Open-RMF?",
     ["seamless interactions between robots and building systems"],
     "1. Transforming urban living with Open-Robotics Middle Framework (Open-RMF)"),
    ("what devices are in the Sensei Care Kit?",
     ["blood pressure monitors", "weight scales"],
     "3. Tech-Enabled Assisted Living with the Sensei Care Kit"),
    ("when did the German ministry visit GovTech?",
     ["July 2023"], "Hosted delegation from German Ministry"),
])
def test_known_answers(sample_engine: Engine, question: str, must_contain: list[str],
                       section: str) -> None:
    a = sample_engine.ask(question)
    assert a.answered, a.to_dict()
    assert a.answer is not None
    assert all(text in a.answer for text in must_contain), a.answer
    assert [c.section for c in a.citations] == [section]
    assert len(a.answer) <= 400


@pytest.mark.parametrize("question", [
    "how do I renew my passport?",
    "what is the weather like tomorrow?",
    "asdkjh qwe zzzx plonk",
    "¿Dónde está la biblioteca más cercana?",
    "数字政府交流会在哪里举行？",
])
def test_off_topic_questions_abstain_with_suggestions(sample_engine: Engine,
                                                      question: str) -> None:
    a = sample_engine.ask(question)
    assert (a.answered, a.answer, a.citations) == (False, None, [])
    assert a.confidence < sample_engine.calibration.threshold
    assert 1 <= len(a.suggestions) <= 3
    assert all(s.url.startswith(PAGE_URL + "#") for s in a.suggestions)


def test_follow_up_resolves_from_the_previous_turn(sample_engine: Engine) -> None:
    first = sample_engine.ask("which countries attended DGX?")
    follow = sample_engine.ask("who organises it?", conversation_id=first.conversation_id)
    assert follow.conversation_id == first.conversation_id
    assert (first.turn, follow.turn) == (1, 2)
    assert follow.resolved_question is not None
    assert "Digital Government Exchange" in follow.resolved_question
    assert follow.answered
    assert follow.answer is not None
    assert "Smart Nation and Digital Government Group" in follow.answer
    assert follow.citations[0].section_path == DGX


def test_a_new_conversation_does_not_inherit_context(sample_engine: Engine) -> None:
    sample_engine.ask("which countries attended DGX?", conversation_id="thread-a")
    fresh = sample_engine.ask("who organises it?", conversation_id="thread-b")
    assert fresh.resolved_question is None
    assert fresh.turn == 1


@pytest.mark.parametrize("question", [
    "which countries attended DGX?",
    "what devices are in the Sensei Care Kit?",
    "what is the purpose of Open-RMF?",
])
def test_citation_offsets_and_links_match_the_page(sample_engine: Engine, sample_page,  # type: ignore[no-untyped-def]
                                                   question: str) -> None:
    a = sample_engine.ask(question)
    (c,) = a.citations
    chunk = next(ch for ch in sample_engine.index.chunks if ch.id == c.chunk_id)
    assert chunk.text[c.start:c.end] == c.quote == a.answer
    assert sample_page.text[chunk.start + c.start:chunk.start + c.end] == c.quote
    assert c.url == f"{sample_page.url}#{chunk.anchor}"
    prefix = sample_page.url + "#:~:text="
    assert c.highlight_url.startswith(prefix)
    directive = c.highlight_url[len(prefix):]
    parts = [unquote(p) for p in directive.split(",")]
    assert c.quote.startswith(parts[0])
    assert c.quote.rstrip().endswith(parts[-1])
    wanted = set(terms(question))
    assert a.highlights
    for start, end in a.highlights:
        assert terms(a.answer[start:end]) and set(terms(a.answer[start:end])) <= wanted


def test_answer_json_has_the_api_shape(sample_engine: Engine) -> None:
    data = sample_engine.ask("which countries attended DGX?").to_dict()
    assert set(data) == {"question", "answered", "answer", "confidence", "citations", "items",
                         "suggestions", "highlights", "conversation_id", "turn",
                         "index_version", "took_ms", "resolved_question"}
    assert set(data["citations"][0]) == {"title", "section", "section_path", "url",
                                         "highlight_url", "quote", "start", "end", "chunk_id"}
    assert data["index_version"] == sample_engine.index_version
    assert data["took_ms"] > 0


def test_answers_over_sample_plus_corpus(corpus_engine: Engine) -> None:
    dgx = corpus_engine.ask("which countries attended DGX?")
    assert dgx.answered
    assert dgx.citations[0].section_path == DGX
    assert dgx.citations[0].url.startswith(PAGE_URL)
    other = corpus_engine.ask("how do I report a vulnerability in a government system?")
    assert other.answered
    assert other.citations[0].title != "International Collaboration"


@pytest.mark.parametrize(("typed", "meant"), [
    ("wat devices r in the sensei kit", "what devices are in the sensei kit"),
    ("wen did govtech host the german ministry ppl",
     "when did govtech host the german ministry people"),
    ("who did govtech partner w for the expo", "who did govtech partner with for the expo"),
    ("R&D in Generation Y", "R&D in Generation Y"),
])
def test_chat_shorthand_is_spelled_out(typed: str, meant: str) -> None:
    from retriever.terms import spell_out

    assert spell_out(typed) == meant


def test_noisy_question_is_answered(sample_engine: Engine) -> None:
    a = sample_engine.ask("wat devices r in the sensei kit")
    assert a.answered
    assert a.answer is not None and "blood pressure monitors" in a.answer
    assert a.question == "wat devices r in the sensei kit"


@pytest.mark.parametrize(("question", "must_contain"), [
    # A list whose items each run to two sentences is quoted whole, lead-in first.
    ("What errors can show up when verifying a TradeTrust document?",
     ["There are mainly three types of errors", "Document not issued",
      "Document issuer's identity is invalid", "Document has been tampered with"]),
    # Acronyms: spelled out by initials, or as "Name (ACRONYM)".
    ("What does GCSOC stand for?", ["Government Cybersecurity Operations Centre (GCSOC)"]),
    ("What are the DSS?", ["Digital Service Standards (DSS)"]),
    # "how often" wants a frequency.
    ("How often does the UN publish its e-Government Survey?", ["biennially"]),
])
def test_answers_that_follow_the_question_cues(corpus_engine: Engine, question: str,
                                               must_contain: list[str]) -> None:
    a = corpus_engine.ask(question)
    assert a.answered, a.to_dict()
    assert a.answer is not None
    assert [t for t in must_contain if t not in a.answer] == [], a.answer
    (c,) = a.citations
    chunk = next(ch for ch in corpus_engine.index.chunks if ch.id == c.chunk_id)
    assert chunk.text[c.start:c.end] == a.answer
