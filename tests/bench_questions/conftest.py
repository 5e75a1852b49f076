"""Fixtures for the bundled question-set checks: the sets, and the pages they are about."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ingest.pipeline import DEFAULT_SOURCE, IngestResult, ingest_sources

QUESTIONS_DIR = Path(__file__).resolve().parents[2] / "bench" / "questions"
# revisions/ holds a later copy of the sample page (same permalink): not part of the site.
CORPUS_SITES = ("govtech", "govtech-classic", "other-isomer")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="session")
def questions_dir() -> Path:
    return QUESTIONS_DIR


@pytest.fixture(scope="session")
def question_sets() -> dict[str, list[dict[str, Any]]]:
    """The bundled sets, as raw JSON objects in file order."""
    return {name: _read_jsonl(QUESTIONS_DIR / f"{name}.jsonl")
            for name in ("sample", "corpus", "holdout", "siblings")}


@pytest.fixture(scope="session")
def site_pages(shared_dir: Path) -> IngestResult:
    """The sample page and the corpus pages, read by the real ingest pipeline.

    The corpus licence allows internal testing only, so it is read from ../shared."""
    corpus = shared_dir / "corpus"
    result = ingest_sources([str(DEFAULT_SOURCE)] + [str(corpus / site) for site in CORPUS_SITES])
    assert result.pages, f"ingest produced no pages: {result.skipped}"
    return result


@pytest.fixture(scope="session")
def dev_sites_verify() -> ModuleType:
    """bench/questions/verify_dev_sites.py, loaded as a module (bench/questions is not a
    package, so the script cannot be imported by name)."""
    path = QUESTIONS_DIR / "verify_dev_sites.py"
    spec = importlib.util.spec_from_file_location("verify_dev_sites", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dev_site_pages(dev_sites_verify: ModuleType, shared_dir: Path) -> IngestResult:
    """The five dev sites of ../shared/train/isomer, read as `govqa ingest --sites
    bench/sites/dev-sites.yml` reads them."""
    assert (shared_dir / "train" / "isomer" / "pages").is_dir()
    result = dev_sites_verify.ingest_dev_sites()
    assert result.pages, f"ingest produced no pages: {result.skipped[:3]}"
    return result
