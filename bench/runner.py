"""Ask a question set of an in-process Engine or a live server, and score every answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.questions import Question
from bench.results import Located, QuestionResult, score
from govqa.errors import GovqaError
from retriever.reader import READER_DIR

DEFAULT_MODE = "reader"
# The baselines of `--compare`: each removes one component of the default pipeline.
COMPARE_MODES = ("reader", "hybrid", "bm25", "dense", "hybrid-chunk")
RETRIEVE_K = 20  # ranked this deep: hit@20 shows what the rerank had to choose from

# (question, what the engine retrieved, the answer JSON) -> result fields to set instead of
# the generic ones: SQuAD-style sets rank paragraphs and sentences by chunk id.
ExtraScorer = Callable[[Question, Sequence[Located], dict[str, Any], str], dict[str, Any]]


class TargetError(GovqaError):
    """The system under test cannot be reached or answers something unusable."""


class Target(Protocol):
    """What a benchmark runs against: answers plus the ranked places it looked at."""

    name: str

    def ask(self, question: str, mode: str) -> tuple[dict[str, Any], list[Located], float]:
        """The answer's JSON, the ranked places looked at, and the answer's latency in ms."""
        ...


def _page_of(url: str) -> str:
    return url.split("#", 1)[0]


def _located_from_answer(answer: dict[str, Any], sources: dict[str, str]) -> list[Located]:
    """The answer's citations, then its suggestions: the best ranking a server shows."""
    located = [
        Located(
            section=c.get("section") or "",
            section_path=list(c.get("section_path") or []),
            url=c.get("url") or "",
            source=sources.get(_page_of(c.get("url") or "")),
        )
        for c in answer.get("citations") or []
    ]
    located += [
        Located(
            section=s.get("section") or "",
            section_path=[s.get("title") or "", s.get("section") or ""],
            url=s.get("url") or "",
            source=sources.get(_page_of(s.get("url") or "")),
        )
        for s in answer.get("suggestions") or []
    ]
    return located


class EngineTarget:
    """An Engine in this process; retrieval is ranked by `engine.search`."""

    def __init__(self, engine: Any, sources: dict[str, str] | None = None) -> None:
        self.engine = engine
        self.sources = sources or {}
        self.name = f"engine (index {getattr(engine, 'index_version', '?')})"

    @classmethod
    def load(cls, index_dir: Path, model: str | None = None,
             reader: Path | None = READER_DIR) -> EngineTarget:
        from retriever.engine import Engine
        from retriever.index import read_pages

        engine = Engine.load(Path(index_dir), model=model, reader=reader)
        sources = {p.url: p.source for p in read_pages(Path(index_dir))}
        return cls(engine, sources)

    def start_mode(self) -> None:
        """A fresh engine over the same loaded index before each mode: the query-vector
        cache of one mode must not make the next one look fast."""
        engine = self.engine
        self.engine = type(engine)(engine.index, scorer=engine.scorer, reranker=engine.reranker)

    def ask(self, question: str, mode: str) -> tuple[dict[str, Any], list[Located], float]:
        start = time.perf_counter()
        answer = self.engine.ask(question, mode=mode)
        latency_ms = (time.perf_counter() - start) * 1000.0
        # Retrieval is ranked separately, outside the timed answer call.
        hits = self.engine.search(question, k=RETRIEVE_K, mode=mode)
        located = [
            Located(
                section=h.chunk.section_title,
                section_path=list(h.chunk.section),
                url=h.chunk.url,
                source=self.sources.get(h.chunk.page_url),
                hit=h,
            )
            for h in hits
        ]
        data = answer.to_dict()
        data["confidence"] = answer.confidence  # unrounded: two runs compare to 1e-6
        return data, located, latency_ms


class HttpTarget:
    """A running server: `POST {url}/api/chat`; retrieval is its citations and suggestions."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TargetError(f"--url must look like http://HOST[:PORT], not {url!r}")
        self.url = url.rstrip("/")
        self.name = self.url
        self.client = httpx.Client(base_url=self.url, timeout=timeout)

    def ask(self, question: str, mode: str) -> tuple[dict[str, Any], list[Located], float]:
        # A server answers in its own default mode: `mode` only labels the results.
        start = time.perf_counter()
        try:
            resp = self.client.post("/api/chat", json={"question": question})
            latency_ms = (time.perf_counter() - start) * 1000.0
        except httpx.HTTPError as exc:
            raise TargetError(f"cannot reach {self.url}/api/chat: {exc}") from exc
        if resp.status_code == 429:
            raise TargetError(
                f"{self.url} rate-limited the benchmark (HTTP 429); "
                "serve it with GOVQA_RATE_LIMIT=off while benchmarking"
            )
        if 400 <= resp.status_code < 500:
            # The server refused this one question (say, too long): score it as an error.
            raise QuestionRefused(_error_text(resp))
        if resp.status_code != 200:
            raise TargetError(f"{self.url}/api/chat answered HTTP {resp.status_code}")
        try:
            answer = resp.json()
        except ValueError as exc:
            raise TargetError(f"{self.url}/api/chat did not answer JSON") from exc
        if not isinstance(answer, dict):
            raise TargetError(f"{self.url}/api/chat did not answer a JSON object")
        return answer, _located_from_answer(answer, {}), latency_ms

    def close(self) -> None:
        self.client.close()


class QuestionRefused(Exception):
    """The target rejected one question; the run goes on."""


def _error_text(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    detail = data.get("detail") or data.get("error") if isinstance(data, dict) else None
    return f"HTTP {resp.status_code}: {detail}" if detail else f"HTTP {resp.status_code}"


def progress_bar(console: Console | None = None) -> Progress:
    """A bar on a terminal; nothing when stderr is a file or pipe (CI logs stay clean)."""
    console = console or Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,  # the summary replaces it; a failure leaves just its error line
        disable=not console.is_terminal,
    )


def ask_one(
    target: Target, q: Question, mode: str, extra_scorer: ExtraScorer | None = None
) -> QuestionResult:
    """Ask one question and score it; a question the target refuses is scored as an error."""
    error = None
    start = time.perf_counter()
    try:
        answer, located, latency_ms = target.ask(q.question, mode)
    except (GovqaError, QuestionRefused) as exc:
        if isinstance(exc, TargetError):
            raise
        answer, located, error = {"answered": False, "answer": None}, [], str(exc)
        latency_ms = (time.perf_counter() - start) * 1000.0
    cited = _located_from_answer(answer, getattr(target, "sources", {}))
    result = score(
        q,
        mode,
        answer,
        latency_ms,
        retrieved=located,
        cited=cited[0] if answer.get("citations") else None,
        error=error,
    )
    if extra_scorer is not None and not error:
        for key, value in extra_scorer(q, located, answer, mode).items():
            setattr(result, key, value)
    return result


def warm_up(target: Target, questions: Sequence[Question], mode: str) -> None:
    """Ask the first question once: the first call pays for lazy loading (keep it out of
    the latency figures), and an unreachable server fails here, before any progress bar."""
    if not questions:
        return
    try:
        target.ask(questions[0].question, mode)
    except (GovqaError, QuestionRefused) as exc:
        if isinstance(exc, TargetError):
            raise


def run_questions(
    questions: Sequence[Question],
    target: Target,
    modes: Sequence[str] = (DEFAULT_MODE,),
    extra_scorer: ExtraScorer | None = None,
    progress: Progress | None = None,
    warm: bool = True,
    tasks: dict[str, TaskID] | None = None,
) -> dict[str, list[QuestionResult]]:
    """Every question in every mode: {mode: [result per question, in order]}.

    `tasks` are progress-bar tasks (one per mode) to advance instead of adding new ones,
    for callers that run one set in parts."""
    if warm:
        warm_up(target, questions, modes[0])
    results: dict[str, list[QuestionResult]] = {}
    for i, mode in enumerate(modes):
        if i > 0 and isinstance(target, EngineTarget):
            target.start_mode()
            target.ask(questions[0].question, mode)  # warm this mode's code path too
        task = (
            tasks[mode]
            if tasks
            else (progress.add_task(mode, total=len(questions)) if progress else None)
        )
        out = []
        for q in questions:
            out.append(ask_one(target, q, mode, extra_scorer))
            if progress is not None and task is not None:
                progress.advance(task)
        results[mode] = out
    return results
