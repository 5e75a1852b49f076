"""Shared fixtures: real indexes of the sample page and of sample + ../shared/corpus."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
# The corpus folders that, with the sample page, form one consistent site
# (revisions/ holds a later version of the sample page, for re-ingest tests).
CORPUS_SITES = ("govtech", "govtech-classic", "other-isomer")
BENCH_DATA = REPO / "tests" / "bench" / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"../shared is missing beside the repo ({SHARED})"
    return SHARED


@pytest.fixture(scope="session")
def bench_data() -> Path:
    """tests/bench/data: tiny.jsonl (6 questions on the sample page), squad-tiny.json
    (2 articles, 3 paragraphs) and trecqa-tiny.csv."""
    return BENCH_DATA


def _build(path: Path, sources: list[str] | None) -> Path:
    from ingest.pipeline import ingest_sources
    from retriever.index import write_index

    result = ingest_sources(sources)
    assert result.pages, f"nothing ingested from {sources}: {result.skipped}"
    write_index(path, result.pages, result.chunks)
    return path


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled sample page. Read-only: copy it to change it."""
    return _build(tmp_path_factory.mktemp("sample") / "index", None)


@pytest.fixture
def index_copy(tmp_path: Path, sample_index_dir: Path) -> Path:
    """A writable copy of the sample index (its `current` link is relative, so it copies)."""
    target = tmp_path / "index"
    shutil.copytree(sample_index_dir, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def corpus_index_dir(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """An index of the sample page plus the real pages in ../shared/corpus. Read-only."""
    from ingest.pipeline import DEFAULT_SOURCE

    sources = [str(DEFAULT_SOURCE)] + [str(shared_dir / "corpus" / s) for s in CORPUS_SITES]
    return _build(tmp_path_factory.mktemp("corpus") / "index", sources)


@pytest.fixture(scope="session")
def sample_engine(sample_index_dir: Path):  # type: ignore[no-untyped-def]
    from retriever.engine import Engine

    return Engine.load(sample_index_dir)


@pytest.fixture(scope="session")
def corpus_engine(corpus_index_dir: Path):  # type: ignore[no-untyped-def]
    from retriever.engine import Engine

    return Engine.load(corpus_index_dir)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`run_cli("bench", ...)`: the real `govqa` entry point; returns (rc, stdout, stderr)."""
    from govqa.cli import main

    def run(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err

    return run
