"""Fixtures for the retriever tests: the sample page as the index holds it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_page(sample_index_dir: Path):  # type: ignore[no-untyped-def]
    from retriever.index import read_pages

    (page,) = read_pages(sample_index_dir)
    return page
