"""Fixtures for the reader tests: a tiny SQuAD slice and a reader trained on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def squad_slice(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two articles of SQuAD v1.1 train, three paragraphs each: a few dozen questions."""
    data = json.loads((shared_dir / "train" / "squad" / "train-v1.1.json").read_text())
    articles = [{"title": a["title"], "paragraphs": a["paragraphs"][:3]}
                for a in data["data"][:2]]
    path = tmp_path_factory.mktemp("squad") / "slice.json"
    path.write_text(json.dumps({"version": "1.1", "data": articles}))
    return path


@pytest.fixture(scope="session")
def tiny_reader(squad_slice: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, Path, dict]:  # type: ignore[type-arg]
    """One training step on the slice, exported: (run folder, reader folder, card)."""
    from reader.export import export
    from reader.selection import load_items
    from reader.train import TrainConfig, load_trained, train
    from retriever.embedder import resolve_model

    root = tmp_path_factory.mktemp("reader")
    cfg = TrainConfig(squad=str(squad_slice), base=str(resolve_model().path), questions=24,
                      batch_questions=4, layers=2, max_length=48)
    train(root / "run", cfg, max_steps=1, progress=False, threads=1)
    items = load_items(squad_slice, limit=6, seed=0)
    card = export(*load_trained(root / "run"), root / "reader", "test",
                  [(i.question, i.candidates) for i in items])
    return root / "run", root / "reader", card


@pytest.fixture
def copy_reader(tiny_reader: tuple[Path, Path, dict], tmp_path: Path  # type: ignore[type-arg]
                ) -> Callable[[], Path]:
    """A private copy of the tiny reader folder, free to tamper with."""
    import shutil

    def make() -> Path:
        dst = tmp_path / "reader-copy"
        shutil.copytree(tiny_reader[1], dst)
        return dst

    return make
