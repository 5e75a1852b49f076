"""The index directory: manifest, atomic replacement, incremental builds, mismatches."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from govqa.errors import IndexCorrupt, IndexMismatch, IndexMissing, ModelError
from ingest.records import Page
from retriever.embedder import DEFAULT_MODEL, resolve_model
from retriever.engine import Engine
from retriever.index import (
    build_faiss,
    current_version,
    read_chunks,
    read_pages,
    version_dir,
    write_index,
)


def test_manifest_records_the_build(sample_index_dir: Path) -> None:
    folder = version_dir(sample_index_dir)
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text())
    chunks = read_chunks(sample_index_dir)
    default = resolve_model(None)  # the shipped encoder, or the base model where none ships
    assert (manifest["model"], manifest["weights_sha256"]) == (
        default.name, default.weights_sha256)
    assert manifest["dimension"] == 384
    assert manifest["chunk_count"] == len(chunks) > 10
    assert manifest["page_count"] == 1
    assert manifest["search"] == "exact"
    assert manifest["version"] == folder.name == current_version(sample_index_dir)
    assert manifest["built_at"].startswith("20")
    assert {p.name for p in folder.iterdir()} >= {
        "manifest.json", "chunks.jsonl", "pages.jsonl", "chunks.faiss", "bm25",
        "sentence_vectors.npy", "encoder"}


def test_rebuild_embeds_only_what_changed(index_copy: Path) -> None:
    pages, chunks = read_pages(index_copy), read_chunks(index_copy)
    again = write_index(index_copy, pages, chunks)
    assert again["embedded"] == {"chunks": 0, "sentences": 0}
    edited = chunks[0]
    edited.text = edited.text + " A new closing remark."
    edited.sentences = [*edited.sentences, (len(edited.text) - 21, len(edited.text))]
    edited.id = ""
    edited.__post_init__()
    changed = write_index(index_copy, pages, chunks)
    # The new sentence's three views, and the context view of the sentence before it.
    assert changed["embedded"] == {"chunks": 1, "sentences": 4}


def test_vectors_of_other_weights_are_never_reused(index_copy: Path) -> None:
    pages, chunks = read_pages(index_copy), read_chunks(index_copy)
    folder = version_dir(index_copy)
    assert folder is not None
    sentences = int(np.load(folder / "sentence_vectors.npy").shape[0]) * 3
    _edit_manifest(index_copy, weights_sha256="0" * 64)
    again = write_index(index_copy, pages, chunks)
    assert again["embedded"] == {"chunks": len(chunks), "sentences": sentences}


def test_replacement_is_atomic_and_old_engines_keep_serving(index_copy: Path) -> None:
    old = Engine.load(index_copy)
    before = current_version(index_copy)
    pages, chunks = read_pages(index_copy), read_chunks(index_copy)

    # A build that fails half-way (here: a page that cannot be serialised) changes nothing.
    broken = Page(**{**pages[0].__dict__, "description": object()})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        write_index(index_copy, [broken], chunks)
    assert current_version(index_copy) == before
    assert not list((index_copy / "versions").glob(".tmp-*"))
    assert Engine.load(index_copy).index_version == before

    # A half-written version left by a killed process is ignored by readers.
    (index_copy / "versions" / ".tmp-crashed").mkdir()
    assert Engine.load(index_copy).index_version == before

    manifest = write_index(index_copy, pages, chunks[:-1])
    assert current_version(index_copy) == manifest["version"] != before
    assert os.path.islink(index_copy / "current")
    fresh = Engine.load(index_copy)
    assert fresh.index_version == manifest["version"]
    assert len(fresh.index.chunks) == len(chunks) - 1
    assert old.ask("which countries attended DGX?").index_version == before


def _edit_manifest(index_dir: Path, **changes: object) -> None:
    folder = version_dir(index_dir)
    assert folder is not None
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_model_mismatch_is_refused(index_copy: Path) -> None:
    _edit_manifest(index_copy, model="intfloat/e5-small-v2", weights_sha256="0" * 64)
    with pytest.raises(IndexMismatch, match="was built with intfloat/e5-small-v2"):
        Engine.load(index_copy, model=DEFAULT_MODEL)


def test_an_index_of_another_model_is_refused_by_default(index_copy: Path, capsys) -> None:
    from govqa.cli import main

    # Its vectors are not those of the model in use (by default, the shipped encoder).
    _edit_manifest(index_copy, model="intfloat/e5-small-v2", weights_sha256="0" * 64)
    default = resolve_model(None)
    line = (f"the index in {version_dir(index_copy)} was built with intfloat/e5-small-v2 "
            f"(weights 000000000000), not {default.name} (weights "
            f"{default.weights_sha256[:12]}); rebuild it with govqa ingest")
    with pytest.raises(IndexMismatch) as refused:
        Engine.load(index_copy)
    assert str(refused.value) == line
    assert main(["ask", "which countries attended DGX?", "--index", str(index_copy)]) == 2
    assert capsys.readouterr().err == f"error: {line}\n"


def test_dimension_mismatch_is_refused(index_copy: Path) -> None:
    _edit_manifest(index_copy, dimension=768)
    with pytest.raises(IndexMismatch, match="384-d vectors but the manifest says 768-d"):
        Engine.load(index_copy)


def test_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match=r"govqa ingest .*--index"):
        Engine.load(tmp_path / "nowhere")


@pytest.mark.parametrize("damage", ["manifest", "faiss", "chunks", "encoder", "query-encoder"])
def test_corrupt_index_is_reported(index_copy: Path, damage: str) -> None:
    folder = version_dir(index_copy)
    assert folder is not None
    target = {"manifest": "manifest.json", "faiss": "chunks.faiss", "chunks": "chunks.jsonl",
              "encoder": "encoder/model.onnx",
              "query-encoder": "encoder/model-int8.onnx"}[damage]
    (folder / target).unlink()
    (folder / target).write_bytes(b"\x00garbage{")
    with pytest.raises((IndexCorrupt, ModelError)):
        Engine.load(index_copy)


def test_large_indexes_switch_to_hnsw_with_high_recall() -> None:
    import faiss

    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert isinstance(build_faiss(vectors, exact_limit=5000), faiss.IndexFlatIP)
    approx = build_faiss(vectors, exact_limit=1000)
    assert isinstance(approx, faiss.IndexHNSWFlat)
    approx.hnsw.efSearch = 128
    queries = vectors[:100] + 0.05 * rng.standard_normal((100, 64)).astype(np.float32)
    _, exact_ids = build_faiss(vectors).search(queries, 10)
    _, approx_ids = approx.search(queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_ids, exact_ids,
                                                                 strict=True)])
    assert recall >= 0.95
