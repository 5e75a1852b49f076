"""Fixtures for the training data: a tiny isomer tree of one train and one dev site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuning.groups import build

HOLDOUT = Path(__file__).resolve().parents[2] / "bench" / "questions" / "holdout.jsonl"
HOLDOUT_QUESTION = "How many countries does the UN e-Government Survey look at?"
DEV_MARKER = "Quokka permits are renewed every ninth moon"

TRAIN_PAGE = """---
title: Grant help
permalink: /grants/help/
variant: markdown
---
## What documents do I need to apply for the grant?

You need your company registration and the latest audited accounts. Upload both in one PDF.

## How many countries does the UN e-Government Survey look at?

The survey ranks every member state of the United Nations on its digital services.

## Opening hours of the service centre

The service centre at Jurong opens from 9am to 5pm on weekdays. It is closed on public holidays.

## Contact the grants team

Write to the grants team through the online feedback form for any question about a grant.
"""

OTHER_PAGE = """---
title: About the grants office
permalink: /about/
variant: markdown
---
## Our mission

The grants office funds small firms that adopt digital tools. It was set up in 2015.

## Eligibility criteria for small firms

A firm qualifies when it has fewer than 200 staff and is registered in Singapore.
"""

DEV_PAGE = f"""---
title: Quokka permits
permalink: /permits/
variant: markdown
---
## How often must a quokka permit be renewed?

{DEV_MARKER}. Apply at the front desk of the permit office.
"""


def _pair(repo: str, permalink: str, question: str, answer: str, split: str) -> dict:
    return {"repo": repo, "path": "x.md", "permalink": permalink, "question": question,
            "answer_html": f"<p>{answer}</p>", "kind": "heading", "split": split}


@pytest.fixture
def isomer(tmp_path: Path) -> Path:
    """Two sites: `isomerpages/train-b` (train, two pages, three FAQ pairs, one of them a
    holdout question) and `isomerpages/dev-site` (dev, one page and pair)."""
    root = tmp_path / "isomer"
    for repo, pages in {"isomerpages+train-b": {"help.md": TRAIN_PAGE, "about.md": OTHER_PAGE},
                        "isomerpages+dev-site": {"permits.md": DEV_PAGE}}.items():
        folder = root / "pages" / repo
        folder.mkdir(parents=True)
        for name, text in pages.items():
            (folder / name).write_text(text)
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [
        {"repo": "isomerpages/train-b", "path": "help.md", "split": "train"},
        {"repo": "isomerpages/train-b", "path": "about.md", "split": "train"},
        {"repo": "isomerpages/dev-site", "path": "permits.md", "split": "dev"},
    ]))
    (root / "faq_pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in [
        _pair("isomerpages/train-b", "/grants/help/",
              "What documents do I need to apply for the grant?",
              "You need your company registration and the latest audited accounts.", "train"),
        _pair("isomerpages/train-b", "/grants/help/", HOLDOUT_QUESTION,
              "The survey ranks every member state of the United Nations.", "train"),
        _pair("isomerpages/dev-site", "/permits/", "How often must a quokka permit be renewed?",
              f"{DEV_MARKER}. Apply at the front desk of the permit office.", "dev"),
    ]))
    return root


def _squad2(tmp_path: Path) -> Path:
    """Two articles: Apollo (even hash: trained on) and Hera (odd: kept for measuring)."""
    def article(title: str) -> dict:
        return {"title": title, "paragraphs": [{
            "context": f"{title} was a figure of myth. Temples to {title} stood in many towns.",
            "qas": [{"id": f"{title}-1", "question": f"Who built the first temple to {title}?",
                     "answers": [], "is_impossible": True}]}]}

    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps({"data": [article("Apollo"), article("Hera")]}))
    return path


@pytest.fixture
def groups_dir(isomer: Path, bench_data: Path, tmp_path: Path) -> Path:
    """The groups `tuning.groups` builds from the tiny tree and SQuAD slice."""
    out = tmp_path / "groups"
    build(isomer, bench_data / "squad-tiny.json", _squad2(tmp_path), out,
          structure_per_site=10, blind=[HOLDOUT])
    return out
