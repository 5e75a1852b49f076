"""PolicyQA (privacy-policy extractive QA): SQuAD-style JSON, questions typed by practice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.squad import REFERENCES, Dataset, parse_squad, read_json

UNTYPED = "untyped"


def practice_of(qa: dict[str, Any]) -> str:
    """PolicyQA types a question 'practice|||attribute|||value'; the practice is its type."""
    return str(qa.get("type") or UNTYPED).split("|||", 1)[0].strip() or UNTYPED


def load_policyqa(path: Path) -> Dataset:
    data = read_json(path, "PolicyQA")
    dataset = parse_squad(data, f"policyqa-{Path(path).stem}", type_of=practice_of, where=str(path))
    dataset.reference = REFERENCES["policyqa"]
    return dataset
