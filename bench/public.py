"""Public benchmarks end to end: index the dataset's own text, then ask or rank."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench.questions import Question, sample
from bench.results import QuestionResult
from bench.run import BenchRun
from bench.runner import EngineTarget, run_questions
from bench.squad import SQUAD_METRICS, Dataset, SpanScorer
from bench.trecqa import (
    MODE,
    REFERENCE,
    TRECQA_METRICS,
    TrecQuestion,
    pages_and_chunks,
    rank_question,
)
from ingest.records import Chunk, Page
from retriever.reader import READER_DIR


def build_engine(
    index_dir: Path,
    pages: list[Page],
    chunks: list[Chunk],
    model: str | None,
    progress: Progress | None,
    reader: Path | None = READER_DIR,
) -> tuple[Any, dict[str, Any]]:
    """Write (or refresh: unchanged chunks reuse their vectors) an index and load it."""
    from retriever.engine import Engine
    from retriever.index import write_index

    started = time.perf_counter()
    task = None
    if progress is not None:
        n_sent = sum(len(c.sentences) for c in chunks)
        task = progress.add_task(f"indexing {len(chunks)} chunks, {n_sent} sentences", total=1)
    manifest = write_index(index_dir, pages, chunks, model=model)
    if progress is not None and task is not None:
        progress.advance(task)
    index_seconds = time.perf_counter() - started
    engine = Engine.load(index_dir, model=model, reader=reader)
    return engine, {
        "index_version": manifest["version"],
        "index_dir": str(index_dir),
        "pages": manifest["page_count"],
        "chunks": manifest["chunk_count"],
        "sentences": manifest["sentence_count"],
        "index_seconds": round(index_seconds, 1),
    }


def _groups(
    dataset: Dataset, questions: list[Question], index_dir: Path
) -> list[tuple[list[Page], list[Chunk], list[Question], Path]]:
    """What to index together and ask of it: the whole dataset, or each article alone."""
    if not dataset.per_article:
        return [(dataset.pages, dataset.chunks, questions, index_dir)]
    by_page: dict[str, list[Question]] = {}
    for q in questions:
        by_page.setdefault(q.page or "", []).append(q)
    return [
        ([page], [c for c in dataset.chunks if c.page_url == page.url], by_page[page.url],
         index_dir / f"{n:03d}")
        for n, page in enumerate(dataset.pages, start=1)
        if page.url in by_page
    ]  # fmt: skip


def run_dataset(
    dataset: Dataset,
    source: str,
    fmt: str,
    out_dir: Path,
    limit: int | None,
    modes: Sequence[str],
    model: str | None = None,
    progress: Progress | None = None,
    reader: Path | None = READER_DIR,
) -> BenchRun:
    """Index the articles and ask the questions, all of them or `limit` drawn at random
    with a fixed seed. One index holds every article (retrieval searches the whole set),
    unless the dataset is per-article: then each article is a site of its own."""
    questions = sample(dataset.questions, limit)
    tasks = {m: progress.add_task(m, total=len(questions)) for m in modes} if progress else None
    results: dict[str, list[QuestionResult]] = {m: [] for m in modes}
    meta: dict[str, Any] = {}
    index_seconds = 0.0
    started = time.perf_counter()
    groups = _groups(dataset, questions, out_dir / "index")
    for pages, chunks, qs, index_dir in groups:
        engine, built = build_engine(index_dir, pages, chunks, model, progress, reader)
        index_seconds += built.pop("index_seconds")
        for key in ("pages", "chunks", "sentences"):
            meta[key] = meta.get(key, 0) + built.pop(key)
        meta.update(built)
        target = EngineTarget(engine, {p.url: p.source for p in pages})
        part = run_questions(
            qs,
            target,
            modes,
            extra_scorer=SpanScorer(engine, {c.id: c for c in chunks}),
            progress=progress,
            tasks=tasks,
        )
        for mode in modes:
            results[mode].extend(part[mode])
    if dataset.per_article:
        meta["index_dir"] = str(out_dir / "index")
        meta["index_version"] = f"one index per article ({len(groups)})"
        meta["scope"] = "each article is a site of its own, with its own index"
    meta.update(
        {
            "index_seconds": round(index_seconds, 1),
            "questions_in_file": len(dataset.questions),
            "questions_asked": len(questions),
            "sample": f"{len(questions)} drawn at random, seed 0" if limit else "all",
            "run_seconds": round(time.perf_counter() - started - index_seconds, 1),
        }
    )
    return BenchRun(
        name=dataset.name,
        format=fmt,
        source=source,
        target=f"engine (index {meta['index_version']})",
        results=results,
        meta=meta,
        reference=dataset.reference,
        metrics=SQUAD_METRICS,
    )


def run_trecqa(
    questions: list[TrecQuestion],
    source: str,
    out_dir: Path,
    limit: int | None,
    model: str | None = None,
    progress: Progress | None = None,
    mode: str = "reader",
    reader: Path | None = READER_DIR,
) -> BenchRun:
    """Rank every kept question's candidates with the engine's sentence scorer."""
    pages, chunks = pages_and_chunks(questions)
    engine, meta = build_engine(out_dir / "index", pages, chunks, model, progress, reader)
    if limit is not None:
        questions = questions[:limit]  # the first ones: the file has no natural sample order
    engine.rank_sentences(questions[0].question, questions[0].candidates[:1], mode)  # warm up
    task = progress.add_task(MODE, total=len(questions)) if progress else None
    started = time.perf_counter()
    results = []
    for q in questions:
        results.append(rank_question(engine, q, mode))
        if progress is not None and task is not None:
            progress.advance(task)
    meta.update(
        {
            "questions_asked": len(questions),
            "candidates": sum(len(q.candidates) for q in questions),
            "kept": "questions with at least one right and one wrong candidate",
            "run_seconds": round(time.perf_counter() - started, 1),
        }
    )
    return BenchRun(
        name=f"trecqa-{Path(source).stem}",
        format="trecqa",
        source=source,
        target=f"engine sentence scorer (index {meta['index_version']})",
        results={MODE: results},
        meta=meta,
        reference=REFERENCE,
        metrics=TRECQA_METRICS,
    )
