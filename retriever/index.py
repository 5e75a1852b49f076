"""The index directory: versions written atomically, FAISS + BM25 + sentence vectors + manifest."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from govqa.errors import IndexCorrupt, IndexMissing
from ingest.records import Chunk, Page, content_hash
from retriever.embedder import (
    ENCODER_FILES,
    FULL_MODEL,
    QUERY_MODEL,
    OnnxEncoder,
    export_onnx,
    resolve_model,
    sha256_file,
)
from retriever.outline import Outline

log = logging.getLogger(__name__)

FORMAT = 3
CURRENT = "current"  # symlink to the live version: swapping it is the atomic commit
VERSIONS = "versions"
WRITE_LOCK = ".write.lock"
EXACT_SEARCH_LIMIT = 50_000  # above this many chunks, an HNSW graph replaces exact search
KEEP_VERSIONS = 2


def chunk_embedding_text(chunk: Chunk, context: str = "") -> str:
    # The section path gives a chunk the topic its body may never name; the context (its
    # parent's lead-in, its children's titles) what a card or a bare heading leaves unsaid.
    return "\n".join(p for p in (" › ".join(chunk.section), context, chunk.text) if p)


# Each sentence is embedded three ways: under its section title, alone, and with its
# neighbours; the answer scorer learns how much each view counts.
SENTENCE_VIEWS = ("titled", "plain", "context")


def sentence_view_texts(chunk: Chunk) -> list[str]:
    """The texts embedded for a chunk's sentences, SENTENCE_VIEWS per sentence, in order."""
    sents = chunk.sentence_texts()
    title = chunk.section_title
    out: list[str] = []
    for j, sentence in enumerate(sents):
        before = sents[j - 1] if j else ""
        after = sents[j + 1] if j + 1 < len(sents) else ""
        out += [f"{title}: {sentence}", sentence,
                f"{title}: {' '.join(x for x in (before, sentence, after) if x)}"]
    return out


def index_exists(index_dir: Path) -> bool:
    return version_dir(index_dir) is not None


def version_dir(index_dir: Path) -> Path | None:
    """The folder of the live version, or None when there is no index.

    A folder holding a manifest is itself a (shipped, read-only) version.
    """
    index_dir = Path(index_dir)
    current = index_dir / CURRENT
    if current.is_symlink() or current.exists():
        target = current.resolve()
        return target if (target / "manifest.json").is_file() else None
    if (index_dir / "manifest.json").is_file():
        return index_dir
    return None


def current_version(index_dir: Path) -> str | None:
    """The live version id, read cheaply (one readlink) so servers can poll for new indexes."""
    try:
        return os.readlink(Path(index_dir) / CURRENT).rsplit("/", 1)[-1]
    except OSError:
        folder = version_dir(index_dir)
        return read_manifest(folder)["version"] if folder else None


def require_version_dir(index_dir: Path) -> Path:
    folder = version_dir(index_dir)
    if folder is None:
        raise IndexMissing(
            f"no index in {index_dir}; build one with: govqa ingest [SOURCE...] --index {index_dir}"
        )
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"the index manifest in {folder} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise IndexCorrupt(
            f"the index in {folder} has format {manifest.get('format')!r}, expected {FORMAT}; "
            "rebuild it with govqa ingest"
        )
    return manifest


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path} cannot be read: {exc}") from exc


def read_pages(index_dir: Path) -> list[Page]:
    folder = require_version_dir(index_dir)
    return [Page(**row) for row in _read_jsonl(folder / "pages.jsonl")]


def read_chunks(index_dir: Path) -> list[Chunk]:
    folder = require_version_dir(index_dir)
    return [Chunk.from_dict(row) for row in _read_jsonl(folder / "chunks.jsonl")]


def built_with(index_dir: Path) -> tuple[str, str] | None:
    """The model (name, weights sha256) that embedded the live version; None without one."""
    folder = version_dir(Path(index_dir))
    if folder is None:
        return None
    try:
        manifest = read_manifest(folder)
    except IndexCorrupt:
        return None
    return str(manifest.get("model")), str(manifest.get("weights_sha256"))


def _cached_vectors(index_dir: Path, weights_sha256: str) -> dict[str, np.ndarray]:
    """Vectors of the live version keyed by the content hash of what was embedded; none
    when that version was embedded by other weights."""
    folder = version_dir(index_dir)
    if folder is None:
        return {}
    try:
        if read_manifest(folder).get("weights_sha256") != weights_sha256:
            return {}
        keys = json.loads((folder / "vector_keys.json").read_text())
        vectors = np.load(folder / "chunk_vectors.npy"), np.load(folder / "sentence_vectors.npy")
    except (OSError, ValueError, IndexCorrupt):
        return {}  # an unreadable old version only costs a full re-embed
    cache: dict[str, np.ndarray] = {}
    for kind, matrix in zip(("chunks", "sentences"), vectors, strict=True):
        for key, row in zip(keys[kind], matrix.reshape(-1, matrix.shape[-1]), strict=False):
            cache[key] = row
    return cache


def _embed(
    texts: list[str], encoder: Callable[[], OnnxEncoder], cache: dict[str, np.ndarray],
    dim: int, progress: bool, label: str,
) -> tuple[np.ndarray, list[str], int]:
    keys = [content_hash(t) for t in texts]
    out = np.zeros((len(texts), dim), dtype=np.float32)
    todo = [i for i, k in enumerate(keys) if k not in cache]
    for i, k in enumerate(keys):
        if k in cache:
            out[i] = cache[k]
    if todo:
        step = 256
        batches = range(0, len(todo), step)
        iterator: Iterable[int] = batches
        if progress:
            from rich.progress import track

            iterator = track(batches, description=f"embedding {len(todo)} {label}")
        for lo in iterator:
            idx = todo[lo:lo + step]
            out[idx] = encoder().encode([texts[i] for i in idx])
    log.info("%s: %d embedded, %d reused", label, len(todo), len(texts) - len(todo))
    return out, keys, len(todo)


def build_faiss(vectors: np.ndarray, exact_limit: int = EXACT_SEARCH_LIMIT) -> Any:
    """Exact inner-product search, or an HNSW graph once exact search gets slow."""
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    if len(vectors):
        index.add(vectors)
    return index


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        dfd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_index(
    index_dir: Path,
    pages: list[Page],
    chunks: list[Chunk],
    model: str | None = None,
    progress: bool = False,
    cache_dir: Path | None = None,
    exact_limit: int = EXACT_SEARCH_LIMIT,
) -> dict[str, Any]:
    """Write a complete index of these pages and chunks as a new version, then swap it in.

    The version is built in a temporary folder, fsynced and renamed, and only then does the
    `current` link move, so a crash at any point leaves the previous version serving.
    """
    import bm25s
    import faiss

    from retriever.terms import terms

    started = time.perf_counter()
    index_dir = Path(index_dir)
    source = resolve_model(model)
    encoder_src = export_onnx(source, cache_dir)
    encoder_meta = json.loads((encoder_src / "encoder.json").read_text())
    dim = int(encoder_meta["dimension"])

    cache = _cached_vectors(index_dir, source.weights_sha256)
    # Loaded at most once per build, and not at all when every vector is cached.
    encoder = functools.cache(lambda: OnnxEncoder(encoder_src, threads=os.cpu_count()))
    outline = Outline(chunks)
    contexts = [outline.context_text(i) for i in range(len(chunks))]
    chunk_vecs, chunk_keys, chunks_embedded = _embed(
        [chunk_embedding_text(c, x) for c, x in zip(chunks, contexts, strict=True)],
        encoder, cache, dim, progress, "chunks")
    view_texts = [text for c in chunks for text in sentence_view_texts(c)]
    flat_vecs, sent_keys, sentences_embedded = _embed(
        view_texts, encoder, cache, dim, progress, "sentences")
    sent_vecs = flat_vecs.reshape(-1, len(SENTENCE_VIEWS), dim)
    offsets = np.cumsum([0] + [len(c.sentences) for c in chunks]).astype(np.int64)

    versions = index_dir / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    # One writer at a time: then every leftover temporary folder is a crashed run's.
    with _writer_lock(index_dir):
        _clean_stale(index_dir, versions)
        stamp = datetime.now(UTC)
        version = stamp.strftime("%Y%m%dT%H%M%S%fZ") + "-" + content_hash(
            source.weights_sha256, *(c.id for c in chunks))[:8]
        tmp = Path(tempfile.mkdtemp(dir=versions, prefix=".tmp-"))
        try:
            _write_jsonl(tmp / "pages.jsonl", (p.__dict__ for p in pages))
            _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
            np.save(tmp / "chunk_vectors.npy", chunk_vecs)
            np.save(tmp / "sentence_vectors.npy", sent_vecs)
            np.save(tmp / "sentence_offsets.npy", offsets)
            (tmp / "vector_keys.json").write_text(
                json.dumps({"chunks": chunk_keys, "sentences": sent_keys}))
            faiss_index = build_faiss(chunk_vecs, exact_limit)
            faiss.write_index(faiss_index, str(tmp / "chunks.faiss"))
            bm25 = bm25s.BM25()
            corpus = [terms(" ".join([*c.section, x, c.text])) or ["_"]
                      for c, x in zip(chunks, contexts, strict=True)]
            bm25.index(corpus, show_progress=False)
            bm25.save(str(tmp / "bm25"), show_progress=False)
            enc_dir = tmp / "encoder"
            enc_dir.mkdir()
            for name in ENCODER_FILES:
                _link_or_copy(encoder_src / name, enc_dir / name)
            manifest = {
                "format": FORMAT,
                "version": version,
                "model": source.name,
                "weights_sha256": source.weights_sha256,
                "onnx_sha256": sha256_file(enc_dir / FULL_MODEL),
                "query_onnx_sha256": sha256_file(enc_dir / QUERY_MODEL),
                "dimension": dim,
                "chunk_count": len(chunks),
                "page_count": len(pages),
                "sentence_count": len(sent_vecs),
                "sentence_views": list(SENTENCE_VIEWS),
                "search": "exact" if len(chunks) <= exact_limit else "hnsw",
                # What this build had to embed; the rest came from the previous version.
                "embedded": {"chunks": chunks_embedded, "sentences": sentences_embedded},
                "built_at": stamp.isoformat(timespec="seconds"),
                "build_seconds": round(time.perf_counter() - started, 3),
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
            _fsync_tree(tmp)
            final = versions / version
            os.rename(tmp, final)
            _swap_current(index_dir, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _prune(versions, keep=final)
        return manifest


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _swap_current(index_dir: Path, target: Path) -> None:
    link = index_dir / CURRENT
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(target, index_dir), tmp_link)
    os.replace(tmp_link, link)  # rename(2) over the old link: readers see old or new, never none
    dfd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


@contextlib.contextmanager
def _writer_lock(index_dir: Path) -> Iterator[None]:
    """An exclusive lock on the index for one build; a second `govqa ingest` waits."""
    with open(index_dir / WRITE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel if the writer is killed
        yield


def _clean_stale(index_dir: Path, versions: Path) -> None:
    """Remove what a crashed or killed build left: half-written versions and the temporary
    link of an interrupted swap. Called under the writer lock, so none is in use."""
    for path in versions.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for link in index_dir.glob(f".{CURRENT}.*"):
        link.unlink(missing_ok=True)


def _prune(versions: Path, keep: Path) -> None:
    done = sorted(p for p in versions.iterdir() if not p.name.startswith("."))
    # Servers load a version fully into memory, so older folders can go once superseded.
    for path in done[:-KEEP_VERSIONS]:
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)
