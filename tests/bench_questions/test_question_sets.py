"""The bundled question sets are well formed, and every gold answer is on its page."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.metrics import normalize_answer
from bench.questions import load_questions

KEYS = ["id", "question", "answers", "match", "section", "page", "type"]
TYPES = {"factoid", "list", "howto", "noisy", "unanswerable"}
MINIMUM = {"sample": 60, "corpus": 150, "holdout": 120}
SAMPLE_PERMALINK = "/products-and-services/collaborate-with-us/international-collaboration/"


def _schema_problems(q: dict) -> list[str]:
    problems = []
    if list(q) != KEYS:
        problems.append(f"keys {list(q)}")
    if not isinstance(q.get("question"), str) or not q["question"].strip():
        problems.append("empty question")
    if q.get("type") not in TYPES:
        problems.append(f"type {q.get('type')!r}")
    if q.get("match") not in ("any", "all"):
        problems.append(f"match {q.get('match')!r}")
    answers = q.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        problems.append("answers must be a list of non-empty strings")
    elif not answers:
        if (q.get("type"), q.get("section"), q.get("page")) != ("unanswerable", None, None):
            problems.append("unanswerable needs type unanswerable and null section and page")
    else:
        if q.get("type") == "unanswerable":
            problems.append("answerable question typed unanswerable")
        if not (isinstance(q.get("section"), str) and q["section"]):
            problems.append("answerable question without section")
        if not (isinstance(q.get("page"), str) and q["page"].startswith("/")):
            problems.append("answerable question without page")
        if q.get("match") == "all" and not 2 <= len(answers) <= 4:
            problems.append("match all needs 2 to 4 golds")
        if q.get("type") == "list" and q.get("match") != "all":
            problems.append("list question must use match all")
    return problems


@pytest.mark.parametrize("name", ["sample", "corpus", "holdout"])
def test_set_is_well_formed(question_sets, questions_dir, name):
    questions = question_sets[name]
    problems = {q.get("id"): p for q in questions if (p := _schema_problems(q))}
    assert problems == {}
    ids = [q["id"] for q in questions]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert len(questions) >= MINIMUM[name]
    unanswerable = sum(1 for q in questions if not q["answers"])
    assert unanswerable / len(questions) >= 0.15
    assert {q["type"] for q in questions} == TYPES
    # The bench reads the file into the same questions, in the same order.
    loaded = load_questions(questions_dir / f"{name}.jsonl")
    assert [(x.id, x.answers, x.match, x.section, x.page, x.type) for x in loaded] == [
        (q["id"], q["answers"], q["match"], q["section"], q["page"], q["type"]) for q in questions
    ]


def test_ids_are_unique_across_sets(question_sets):
    ids = [q["id"] for qs in question_sets.values() for q in qs]
    assert len(ids) == len(set(ids))


def test_sample_set_is_about_the_sample_page(question_sets):
    pages = {q["page"] for q in question_sets["sample"] if q["answers"]}
    assert pages == {SAMPLE_PERMALINK}


@pytest.mark.parametrize(("name", "at_least"), [("corpus", 35), ("holdout", 50)])
def test_corpus_sets_spread_over_many_corpus_pages(question_sets, name, at_least):
    pages = Counter(q["page"] for q in question_sets[name] if q["answers"])
    assert SAMPLE_PERMALINK not in pages
    assert len(pages) >= at_least


def test_holdout_questions_are_new(question_sets):
    def key(q):
        return " ".join(q["question"].lower().split())

    seen = {key(q) for name in ("sample", "corpus") for q in question_sets[name]}
    assert [q["id"] for q in question_sets["holdout"] if key(q) in seen] == []


def test_sample_set_asks_which_countries_attended_dgx(question_sets):
    dgx = [
        q
        for q in question_sets["sample"]
        if q["section"] == "Digital Government Exchange (DGX)" and q["match"] == "all"
    ]
    assert any({"Australia", "Japan"} & set(q["answers"]) for q in dgx)


@pytest.mark.parametrize("name", ["sample", "corpus", "holdout"])
def test_every_gold_occurs_on_its_page_in_its_section(question_sets, site_pages, name):
    pages = {}
    for page in site_pages.pages:
        pages.setdefault(page.permalink, page)
    chunks_by_url = {}
    for chunk in site_pages.chunks:
        chunks_by_url.setdefault(chunk.page_url, []).append(chunk)

    failures = []
    for q in question_sets[name]:
        page = pages.get(q["page"]) if q["answers"] else None
        if q["answers"] and page is None:
            failures.append((q["id"], "no page with permalink", q["page"]))
            continue
        for gold in q["answers"]:
            want = normalize_answer(gold)
            if want not in normalize_answer(page.text):
                failures.append((q["id"], "gold not on page", gold))
                continue
            sections = [
                c.section_title for c in chunks_by_url[page.url] if want in normalize_answer(c.text)
            ]
            if q["section"] not in sections:
                failures.append((q["id"], f"gold not in section {q['section']!r}", gold, sections))
    assert failures == []


def test_sibling_list_golds_are_children_of_their_heading(question_sets, site_pages):
    """siblings.jsonl asks for lists a heading's child sections make: every gold is a
    child's title or lies in a child's text, and each question's golds span 2+ children."""
    permalink = {p.url: p.permalink for p in site_pages.pages}
    by_page: dict[str, list] = {}
    for chunk in site_pages.chunks:
        by_page.setdefault(permalink[chunk.page_url], []).append(chunk)
    failures = []
    for q in question_sets["siblings"]:
        assert (q["type"], q["match"], list(q)) == ("list", "all", KEYS), q["id"]
        children = [c for c in by_page.get(q["page"], []) if c.section[-2:-1] == [q["section"]]]
        holders = set()
        for gold in q["answers"]:
            want = normalize_answer(gold)
            found = {c.section_title for c in children
                     if want in normalize_answer(c.section_title + " " + c.text)}
            if not found:
                failures.append((q["id"], gold))
            holders |= found
        if len(holders) < 2:
            failures.append((q["id"], "golds from fewer than two children"))
    assert failures == []
    assert len(question_sets["siblings"]) >= 24
