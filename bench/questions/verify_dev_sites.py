"""Check dev-sites.jsonl: its form, and that every gold answer is on its page, in its section.

The set asks about the five `dev` sites of ../shared/train/isomer (bench/sites/dev-sites.yml).
This script reads those sites with govqa's real ingest pipeline, the same multi-site loading
that `govqa ingest --sites` uses, and checks each question:

- the schema and key order of every line, unique ids, at least 110 questions, at least 20%
  unanswerable, every one of the five sites asked about, at least 40 distinct pages;
- that each SQuAD-normalised gold (`bench.metrics.normalize_answer`) occurs in the normalised
  text of a chunk of the gold page (matched by its full URL) whose section title equals the
  gold `section`.

Run it from the repository root (bench/questions is not a package, so this is a plain script):

    .venv/bin/python bench/questions/verify_dev_sites.py

The same checks read the `train`-site sets written for the reader's training
(`bench/questions/train-sites/`), with their own sites file and id prefix:

    .venv/bin/python bench/questions/verify_dev_sites.py \
        --set bench/questions/train-sites/a.jsonl --sites bench/sites/train-sites-a.yml --prefix ta

It prints every problem it finds and exits 1 if there is any, 0 otherwise.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a plain script: make the repo's packages importable
    sys.path.insert(0, str(ROOT))

from bench.metrics import normalize_answer  # noqa: E402
from ingest.pipeline import IngestResult, ingest_sources  # noqa: E402
from ingest.sites import read_sites_file  # noqa: E402

QUESTIONS_FILE = ROOT / "bench" / "questions" / "dev-sites.jsonl"
SITES_FILE = ROOT / "bench" / "sites" / "dev-sites.yml"
KEYS = ["id", "question", "answers", "match", "section", "page", "type"]
TYPES = {"factoid", "list", "howto", "noisy", "unanswerable"}
MIN_QUESTIONS = 110
MIN_UNANSWERABLE = 0.20
MIN_PAGES = 40
MAX_GOLD_WORDS = 8
ID_PREFIX = "d"
# Personal data must stay out of the set: no e-mail addresses, no phone numbers.
EMAIL = re.compile(r"\S+@\S+\.\S+")
PHONE = re.compile(r"(?:\+65\s?)?\b[689]\d{3}\s?\d{4}\b|\b1800\s?\d{3}\s?\d{4}\b")


def read_questions(path: Path = QUESTIONS_FILE) -> list[dict[str, Any]]:
    """The set as raw JSON objects, in file order (key order kept)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def site_urls(sites_file: Path = SITES_FILE) -> list[str]:
    """The base URLs of the dev sites, as the sites file gives them."""
    return [site.url for site in read_sites_file(sites_file)]


def ingest_dev_sites(sites_file: Path = SITES_FILE) -> IngestResult:
    """The dev sites' pages and chunks, read as `govqa ingest --sites FILE` reads them."""
    return ingest_sources(sites=read_sites_file(sites_file))


def site_of(page: str, bases: list[str]) -> str | None:
    """The base URL a page URL belongs to (None: none of them)."""
    for base in bases:
        if page == base or page.startswith(base + "/"):
            return base
    return None


def question_problems(q: dict[str, Any], bases: list[str], prefix: str = ID_PREFIX) -> list[str]:
    """What is wrong with one question's form (empty: nothing)."""
    problems = []
    id_pattern = re.compile(rf"^{re.escape(prefix)}\d{{3}}$")
    if list(q) != KEYS:
        problems.append(f"keys {list(q)}, expected {KEYS}")
    if not isinstance(q.get("id"), str) or not id_pattern.match(q["id"]):
        problems.append(f"id {q.get('id')!r} is not {prefix} followed by three digits")
    question = q.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append("empty question")
    if q.get("type") not in TYPES:
        problems.append(f"type {q.get('type')!r}")
    if q.get("match") not in ("any", "all"):
        problems.append(f"match {q.get('match')!r}")
    answers = q.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        return problems + ["answers must be a list of non-empty strings"]
    texts = [question or ""] + answers
    if any(EMAIL.search(t) or PHONE.search(t) for t in texts):
        problems.append("an e-mail address or phone number in the question or a gold")
    if not answers:
        if (q.get("type"), q.get("section"), q.get("page"), q.get("match")) != (
            "unanswerable",
            None,
            None,
            "any",
        ):
            problems.append(
                "unanswerable needs type unanswerable, match any, null section and page"
            )
        return problems
    if q.get("type") == "unanswerable":
        problems.append("answerable question typed unanswerable")
    if not (isinstance(q.get("section"), str) and q["section"]):
        problems.append("answerable question without section")
    page = q.get("page")
    if not (isinstance(page, str) and site_of(page, bases)):
        problems.append(f"page {page!r} is not a full URL on one of the sites")
    long_golds = [a for a in answers if len(a.split()) > MAX_GOLD_WORDS]
    if long_golds:
        problems.append(f"golds over {MAX_GOLD_WORDS} words: {long_golds}")
    if q.get("match") == "all" and not 2 <= len(answers) <= 4:
        problems.append("match all needs 2 to 4 golds")
    if q.get("type") == "list" and q.get("match") != "all":
        problems.append("list question must use match all")
    return problems


def schema_problems(
    questions: list[dict[str, Any]], bases: list[str], prefix: str = ID_PREFIX
) -> dict[str, list[str]]:
    """Problems with each question's form, by id."""
    return {str(q.get("id")): p for q in questions if (p := question_problems(q, bases, prefix))}


def set_problems(
    questions: list[dict[str, Any]],
    bases: list[str],
    min_questions: int = MIN_QUESTIONS,
    min_pages: int = MIN_PAGES,
) -> list[str]:
    """Problems with the set as a whole: ids, size, share unanswerable, spread."""
    problems = []
    duplicates = sorted(i for i, n in Counter(q.get("id") for q in questions).items() if n > 1)
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    if len(questions) < min_questions:
        problems.append(f"{len(questions)} questions, fewer than {min_questions}")
    unanswerable = sum(1 for q in questions if not q.get("answers"))
    if questions and unanswerable / len(questions) < MIN_UNANSWERABLE:
        problems.append(f"{unanswerable} unanswerable of {len(questions)}: under 20%")
    if {q.get("type") for q in questions} != TYPES:
        problems.append(f"types used: {sorted({str(q.get('type')) for q in questions})}")
    pages = {q["page"] for q in questions if q.get("answers") and isinstance(q.get("page"), str)}
    asked = {site_of(page, bases) for page in pages}
    missing = [base for base in bases if base not in asked]
    if missing:
        problems.append(f"no question about {missing}")
    if len(pages) < min_pages:
        problems.append(f"{len(pages)} distinct pages, fewer than {min_pages}")
    return problems


def gold_problems(questions: list[dict[str, Any]], result: IngestResult) -> dict[str, list[str]]:
    """For each question, the golds that are not in a chunk of its page with its section."""
    chunks_by_url: dict[str, list[Any]] = {}
    for chunk in result.chunks:
        chunks_by_url.setdefault(chunk.page_url, []).append(chunk)
    problems: dict[str, list[str]] = {}
    for q in questions:
        if not q.get("answers"):
            continue
        chunks = chunks_by_url.get(q.get("page") or "")
        if not chunks:
            problems[q["id"]] = [f"no ingested page at {q.get('page')!r}"]
            continue
        in_section = [c for c in chunks if c.section_title == q.get("section")]
        if not in_section:
            problems[q["id"]] = [f"no section {q.get('section')!r} on {q['page']}"]
            continue
        texts = [normalize_answer(c.text) for c in in_section]
        missing = []
        for gold in q["answers"]:
            want = normalize_answer(gold)
            if not want or not any(want in text for text in texts):
                elsewhere = sorted(
                    {c.section_title for c in chunks if want and want in normalize_answer(c.text)}
                )
                missing.append(
                    f"gold {gold!r} not in section {q['section']!r}"
                    + (f" (found in {elsewhere})" if elsewhere else "")
                )
        if missing:
            problems[q["id"]] = missing
    return problems


def loads_as_bench_set(path: Path, questions: list[dict[str, Any]]) -> bool:
    """`govqa bench` reads the file into the same questions, in the same order."""
    from bench.questions import load_questions

    loaded = load_questions(path)
    return [(x.id, x.answers, x.match, x.section, x.page, x.type) for x in loaded] == [
        (q["id"], q["answers"], q["match"], q["section"], q["page"], q["type"]) for q in questions
    ]


def summary(questions: list[dict[str, Any]], bases: list[str]) -> list[str]:
    """A few lines on the set: counts by type, answerable questions by site, pages."""
    types = Counter(q.get("type") for q in questions)
    by_site = Counter(site_of(q["page"], bases) for q in questions if q.get("answers"))
    pages = {q["page"] for q in questions if q.get("answers")}
    return [
        f"{len(questions)} questions: " + ", ".join(f"{t} {types[t]}" for t in sorted(TYPES)),
        "answerable by site: " + ", ".join(f"{b} {by_site[b]}" for b in bases),
        f"{len(pages)} distinct pages",
    ]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Check a site question set against its pages.")
    parser.add_argument("--set", type=Path, default=QUESTIONS_FILE, help="the question set")
    parser.add_argument("--sites", type=Path, default=SITES_FILE, help="its sites file")
    parser.add_argument("--prefix", default=ID_PREFIX, help="what every id starts with")
    parser.add_argument("--min-questions", type=int, default=MIN_QUESTIONS)
    parser.add_argument("--min-pages", type=int, default=MIN_PAGES)
    args = parser.parse_args(argv)
    bases = site_urls(args.sites)
    questions = read_questions(args.set)
    problems: list[str] = []
    problems += [
        f"{qid}: {p}"
        for qid, ps in schema_problems(questions, bases, args.prefix).items()
        for p in ps
    ]
    problems += set_problems(questions, bases, args.min_questions, args.min_pages)
    if not problems and not loads_as_bench_set(args.set, questions):
        problems.append("bench.questions.load_questions reads the file differently")
    result = ingest_dev_sites(args.sites)
    if not result.pages:
        problems.append("ingest read no page of the sites (is ../shared there?)")
    problems += [f"{qid}: {p}" for qid, ps in gold_problems(questions, result).items() for p in ps]
    for line in summary(questions, bases):
        print(line)
    for line in problems:
        print(f"problem: {line}")
    print(f"{len(problems)} problem(s)" if problems else "ok: no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
