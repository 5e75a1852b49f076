"""The JSONL question-set format: one question per line, loaded and checked."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govqa.errors import GovqaError

MATCH_MODES = ("any", "all")
UNTYPED = "untyped"
# Free-text fields a question writer may add for humans; the bench ignores them.
NOTE_FIELDS = ("note", "notes", "comment")
KNOWN_FIELDS = {"id", "question", "answers", "match", "section", "page", "type", *NOTE_FIELDS}


class QuestionSetError(GovqaError):
    """A question set that cannot be read: missing file, bad JSON, or a bad field."""


@dataclass
class Question:
    """One benchmark question with its gold answers and, optionally, where they are."""

    id: str
    question: str
    answers: list[str]  # empty: unanswerable, the bot should abstain
    match: str = "any"  # "any": one gold must occur in the answer; "all": every gold
    section: str | None = None  # gold section title
    page: str | None = None  # gold page permalink or file path
    type: str = UNTYPED
    # For SQuAD-style sets: (paragraph chunk id, answer_start) of each gold span.
    spans: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def gold_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "match": self.match,
            "section": self.section,
            "page": self.page,
        }


def _optional_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise QuestionSetError(f"{where}: '{key}' must be a string, not {type(value).__name__}")
    return value.strip() or None


def parse_question(data: Any, where: str) -> Question:
    """One question from its JSON object; `where` ("file:line") prefixes every error."""
    if not isinstance(data, dict):
        raise QuestionSetError(f"{where}: expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise QuestionSetError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"expected {', '.join(sorted(KNOWN_FIELDS - set(NOTE_FIELDS)))}"
        )
    for key in ("id", "question", "answers"):
        if key not in data:
            raise QuestionSetError(f"{where}: missing '{key}'")
    qid = data["id"]
    if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        raise QuestionSetError(f"{where}: 'id' must be a non-empty string")
    question = data["question"]
    if not isinstance(question, str) or not question.strip():
        raise QuestionSetError(f"{where}: 'question' must be a non-empty string")
    answers = data["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise QuestionSetError(
            f"{where}: 'answers' must be a list of non-empty strings ([] if unanswerable)"
        )
    match = data.get("match", "any")
    if match not in MATCH_MODES:
        raise QuestionSetError(f"{where}: 'match' must be 'any' or 'all', not {match!r}")
    qtype = _optional_str(data, "type", where) or UNTYPED
    return Question(
        id=str(qid).strip(),
        question=question.strip(),
        answers=list(answers),
        match=match,
        section=_optional_str(data, "section", where),
        page=_optional_str(data, "page", where),
        type=qtype,
    )


def load_questions(path: Path) -> list[Question]:
    """Every question of a JSONL file, in file order; blank lines are skipped."""
    path = Path(path)
    if not path.exists():
        raise QuestionSetError(f"question set not found: {path}")
    if not path.is_file():
        raise QuestionSetError(f"question set is not a file: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"cannot read question set {path}: {exc}") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{where}: invalid JSON ({exc.msg})") from exc
        q = parse_question(data, where)
        if q.id in seen:
            raise QuestionSetError(f"{where}: duplicate id {q.id!r} (first on line {seen[q.id]})")
        seen[q.id] = lineno
        questions.append(q)
    if not questions:
        raise QuestionSetError(f"question set is empty: {path}")
    return questions


def sample(questions: Sequence[Question], limit: int | None, seed: int = 0) -> list[Question]:
    """`limit` questions drawn at random (fixed seed), kept in file order; all if no limit."""
    if limit is None or limit >= len(questions):
        return list(questions)
    picked = sorted(random.Random(seed).sample(range(len(questions)), limit))
    return [questions[i] for i in picked]


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A SQuAD-layout JSON file (an object with a 'data' list), or one clear error."""
    path = Path(path)
    if not path.is_file():
        raise QuestionSetError(f"{what} file not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuestionSetError(f"cannot read {what} JSON {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise QuestionSetError(
            f"{path} is not {what} JSON: expected an object with a 'data' list of articles"
        )
    return data
