"""PolicyQA (privacy-policy extractive QA): SQuAD-style JSON, questions typed by practice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.questions import Question, read_json
from bench.squad import REFERENCES, Dataset, parse_squad

UNTYPED = "untyped"


def practice_of(qa: dict[str, Any]) -> str:
    """PolicyQA types a question 'practice|||attribute|||value'; the practice is its type."""
    return str(qa.get("type") or UNTYPED).split("|||", 1)[0].strip() or UNTYPED


def merge_repeats(questions: list[Question]) -> list[Question]:
    """One question per (policy, question text), with the answers of all its copies.

    PolicyQA asks the same question of many paragraphs of one policy (up to 24 times),
    each copy with its own paragraph's span. A bot that searches the whole policy answers
    once, so any copy's span is a right answer and any copy's paragraph a right citation.
    """
    merged: dict[tuple[str | None, str], Question] = {}
    for q in questions:
        key = (q.page, q.question.casefold())
        first = merged.get(key)
        if first is None:
            merged[key] = Question(
                q.id, q.question, list(q.answers), q.match, q.section, q.page, q.type,
                list(q.spans),
            )  # fmt: skip
            continue
        first.answers += [a for a in q.answers if a not in first.answers]
        first.spans += q.spans
    return list(merged.values())


def load_policyqa(path: Path) -> Dataset:
    """Each policy is a site of its own (its own index): the questions are generic
    ("for what purpose do you use my data?"), so only the policy they were asked of can
    answer them."""
    data = read_json(path, "PolicyQA")
    dataset = parse_squad(data, f"policyqa-{Path(path).stem}", type_of=practice_of, where=str(path))
    dataset.questions = merge_repeats(dataset.questions)
    dataset.reference = REFERENCES["policyqa"]
    dataset.per_article = True
    return dataset
