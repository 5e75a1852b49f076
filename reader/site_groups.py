"""Reader groups from the in-domain training groups of `python -m tuning.groups`: government
FAQ answers against the site's near misses, and unanswerables whose every sentence is on topic.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from isomer.faq import MASK
from reader.data import Group
from retriever.reader import candidate_text

KINDS = ("faq", "unanswerable", "squad2-unanswerable")


def _title(path: str) -> str:
    """The heading a sentence is read under: its section's, or the nearest one above it
    when the section's own is a masked question (the serving title would give it away)."""
    parts = [p for p in path.split(" › ") if p != MASK]
    return parts[-1] if parts else ""


def site_groups(folder: Path, split: str = "train",
                kinds: tuple[str, ...] = KINDS) -> tuple[list[Group], Counter[str]]:
    """Every group of `kinds` in `split` with sentences to read: the first answer sentence
    first, then the negatives (none answering: an unanswerable)."""
    sections: dict[str, tuple[str, list[str]]] = {}
    with open(folder / "sections.jsonl", encoding="utf-8") as fh:
        for line in fh:
            s = json.loads(line)
            sections[s["id"]] = (_title(s["title"]), s["sentences"])

    def text(at: list[object]) -> str:
        sid, j = str(at[0]), int(str(at[1]))
        title, sentences = sections[sid]
        return candidate_text(title, sentences[j])

    out: list[Group] = []
    counts: Counter[str] = Counter()
    with open(folder / "groups.jsonl", encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            if g["split"] != split or g["kind"] not in kinds:
                continue
            answers = [text(a) for a in g["answer_sentences"]]
            negatives = [t for t in map(text, g["other_sentences"]) if t not in answers]
            if not negatives or (g["kind"] == "faq" and not answers):
                continue
            out.append(Group(g["question"], tuple(answers[:1] + negatives), min(1, len(answers))))
            counts[g["kind"]] += 1
    return out, counts
