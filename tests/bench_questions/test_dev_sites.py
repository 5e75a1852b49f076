"""dev-sites.jsonl is well formed, and every gold answer is on its page, in its section.

The checks are those of bench/questions/verify_dev_sites.py (loaded by the
`dev_sites_verify` fixture); the pages are the five dev sites of ../shared/train/isomer,
read with the real ingest pipeline (`dev_site_pages`).
"""

from __future__ import annotations

from collections import Counter


def test_dev_sites_set_is_well_formed(dev_sites_verify):
    v = dev_sites_verify
    questions = v.read_questions()
    bases = v.site_urls()
    assert v.schema_problems(questions, bases) == {}
    assert v.set_problems(questions, bases) == []


def test_dev_sites_set_loads_as_a_bench_set(dev_sites_verify):
    v = dev_sites_verify
    assert v.loads_as_bench_set(v.QUESTIONS_FILE, v.read_questions())


def test_dev_sites_set_covers_every_site(dev_sites_verify):
    v = dev_sites_verify
    questions = v.read_questions()
    bases = v.site_urls()
    by_site = Counter(v.site_of(q["page"], bases) for q in questions if q["answers"])
    assert set(by_site) == set(bases)
    assert min(by_site.values()) >= 12
    unanswerable = sum(1 for q in questions if not q["answers"])
    assert unanswerable / len(questions) >= 0.22


def test_every_dev_sites_gold_is_on_its_page_in_its_section(dev_sites_verify, dev_site_pages):
    v = dev_sites_verify
    assert v.gold_problems(v.read_questions(), dev_site_pages) == {}


def test_gold_check_catches_a_wrong_gold_section_or_page(dev_sites_verify, dev_site_pages):
    v = dev_sites_verify
    q = next(q for q in v.read_questions() if q["answers"])
    wrong = {
        "gold": dict(q, answers=["no such phrase on any page of this site"]),
        "section": dict(q, section="No Such Section"),
        "page": dict(q, page=q["page"] + "no-such-page/"),
    }
    found = {what: v.gold_problems([bad], dev_site_pages) for what, bad in wrong.items()}
    assert {what: list(problems) for what, problems in found.items()} == {
        "gold": [q["id"]],
        "section": [q["id"]],
        "page": [q["id"]],
    }
