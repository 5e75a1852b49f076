"""The train-site question sets (the reader's in-domain training groups) are well formed, and
every gold answer is on its page, in its section.

Eighteen writers each read one to nine `train` sites of ../shared/train/isomer
(bench/sites/train-sites-K.yml) and wrote bench/questions/train-sites/K.jsonl, ids tK001…,
by the rules of bench/questions/README.md; the checks are verify_dev_sites.py's.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Later rounds' writers read smaller sites: 25 pages at least, against 30.
MIN_PAGES = {**dict.fromkeys("abcdef", 30), **dict.fromkeys("gijklmnopqrs", 25)}
WRITERS = sorted(MIN_PAGES)


def _paths(writer: str) -> tuple[Path, Path]:
    return (ROOT / "bench" / "questions" / "train-sites" / f"{writer}.jsonl",
            ROOT / "bench" / "sites" / f"train-sites-{writer}.yml")


@cache
def _pages(verify, sites: Path):
    return verify.ingest_dev_sites(sites)


@pytest.mark.parametrize("writer", WRITERS)
def test_train_site_set_is_well_formed_and_spread(dev_sites_verify, writer):
    v = dev_sites_verify
    questions_file, sites_file = _paths(writer)
    questions = v.read_questions(questions_file)
    bases = v.site_urls(sites_file)
    assert v.schema_problems(questions, bases, prefix=f"t{writer}") == {}
    assert v.set_problems(questions, bases, min_questions=100,
                          min_pages=MIN_PAGES[writer]) == []
    assert v.loads_as_bench_set(questions_file, questions)
    by_site = Counter(v.site_of(q["page"], bases) for q in questions if q["answers"])
    assert set(by_site) == set(bases)


@pytest.mark.parametrize("writer", WRITERS)
def test_every_train_site_gold_is_on_its_page_in_its_section(dev_sites_verify, shared_dir,
                                                             writer):
    assert (shared_dir / "train" / "isomer" / "pages").is_dir()
    questions_file, sites_file = _paths(writer)
    pages = _pages(dev_sites_verify, sites_file)
    assert pages.pages
    assert dev_sites_verify.gold_problems(dev_sites_verify.read_questions(questions_file),
                                          pages) == {}


def test_the_checker_reads_a_train_site_set_from_its_command_line(dev_sites_verify, capsys):
    questions_file, sites_file = _paths("a")
    code = dev_sites_verify.main(["--set", str(questions_file), "--sites", str(sites_file),
                                  "--prefix", "ta", "--min-questions", "100",
                                  "--min-pages", "30"])
    assert (code, capsys.readouterr().out.splitlines()[-1]) == (0, "ok: no problems")
    code = dev_sites_verify.main(["--set", str(questions_file), "--sites", str(sites_file),
                                  "--prefix", "tb"])
    assert code == 1
    assert "ta001: id 'ta001' is not tb followed by three digits" in capsys.readouterr().out
