"""Fixtures for the retriever tests: writable copies of the shared sample index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def index_copy(sample_index_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample index, safe to damage or replace."""
    target = tmp_path / "index"
    shutil.copytree(sample_index_dir, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def sample_page(sample_index_dir: Path):  # type: ignore[no-untyped-def]
    from retriever.index import read_pages

    (page,) = read_pages(sample_index_dir)
    return page
