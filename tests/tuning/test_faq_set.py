"""The train-site FAQ set the rerank is fitted on: train sites only, headings masked."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tuning.conftest import HOLDOUT
from tuning.faq_set import build


def test_train_site_questions_over_a_masked_index_of_train_sites_only(isomer: Path,
                                                                      tmp_path: Path) -> None:
    from retriever.index import read_chunks, read_pages

    out = tmp_path / "train-faq"
    repos, items, left = build(isomer, out, min_pairs=1, max_pages=10, blind=[HOLDOUT])
    assert repos == ["isomerpages/train-b"]
    assert left == {"a blind set's question": 1}
    page = "https://train-b.train.invalid/grants/help/"
    assert [json.loads(line) for line in (out / "faq.jsonl").read_text().splitlines()] == [{
        "id": "f001", "question": "What documents do I need to apply for the grant?",
        "answers": ["You need your company registration and"], "match": "any",
        "section": None, "page": page, "type": "faq"}]
    assert [i.page.url for i in items] == [page]
    assert {p.url for p in read_pages(out / "index")} == {
        page, "https://train-b.train.invalid/about/"}
    titles = {c.section_title for c in read_chunks(out / "index")}
    assert "Question" in titles  # the asked question's heading, masked
    assert "What documents do I need to apply for the grant?" not in titles
    # The holdout question was left out, so its heading stays as the page shows it.
    assert "How many countries does the UN e-Government Survey look at?" in titles


def test_without_folds_writes_an_index_without_the_answer_page_and_its_question_unanswerable(
        isomer: Path, tmp_path: Path) -> None:
    from retriever.index import read_pages

    out = tmp_path / "train-faq"
    build(isomer, out, min_pairs=1, max_pages=10, blind=[HOLDOUT], folds=3)
    written = sorted(p.name for p in out.glob("faq-without-*.jsonl"))
    assert len(written) == 1  # one answer page: one group holds it, the others are empty
    k = written[0].removeprefix("faq-without-").removesuffix(".jsonl")
    assert [json.loads(line) for line in (out / written[0]).read_text().splitlines()] == [{
        "id": "f001", "question": "What documents do I need to apply for the grant?",
        "answers": [], "match": "any", "section": None, "page": None, "type": "unanswerable"}]
    assert {p.url for p in read_pages(out / f"index-without-{k}")} == {
        "https://train-b.train.invalid/about/"}
    assert {p.url for p in read_pages(out / "index")} == {
        "https://train-b.train.invalid/grants/help/", "https://train-b.train.invalid/about/"}
