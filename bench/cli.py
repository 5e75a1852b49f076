"""`govqa bench`: run a question set or a public benchmark and write the reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.progress import Progress

    from bench.run import BenchRun

from govqa.errors import GovqaError

FORMATS = ("auto", "jsonl", "squad", "policyqa", "trecqa")


class BenchUsageError(GovqaError):
    """Options that do not go together, or a file whose format cannot be told."""


SUFFIX_FORMATS = {".jsonl": "jsonl", ".csv": "trecqa", ".json": "squad"}


def _format_of(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    found = SUFFIX_FORMATS.get(path.suffix.lower())
    if found is None:
        raise BenchUsageError(
            f"cannot tell the format of {path.name}; pass --format jsonl|squad|policyqa|trecqa"
        )
    return found


@click.command()
@click.argument("questions", type=click.Path(path_type=Path), required=False)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index to ask, for JSONL sets (default: $GOVQA_INDEX_DIR or var/index).",
)
@click.option("--url", default=None, help="Benchmark a running server instead: http://HOST[:PORT].")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the reports go (default: var/bench/<name>).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Question-set format; auto goes by the file extension (.jsonl, .json=squad, .csv).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Also run hybrid (features only) and the baselines bm25, dense and hybrid-chunk "
    "on the same index.",
)
@click.option(
    "--mode",
    type=click.Choice(["reader", "hybrid", "bm25", "dense", "hybrid-chunk"]),
    default=None,
    help="Run this one mode instead of the default (reader); TrecQA: reader or hybrid.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Ask only N questions (a fixed random sample; TrecQA: the first N).",
)
@click.option("--model", default=None, help="Model name or path; must match the index.")
def bench(
    questions: Path | None,
    index_dir: Path | None,
    url: str | None,
    out_dir: Path | None,
    fmt: str,
    compare: bool,
    mode: str | None,
    limit: int | None,
    model: str | None,
) -> None:
    """Ask every question in QUESTIONS and report accuracy, citations, abstention, speed.

    QUESTIONS is a JSONL question set (see the README), or with --format squad/policyqa/
    trecqa a public benchmark file, which gets its own index in OUT/index.
    """
    from rich.console import Console

    from bench.questions import QuestionSetError
    from bench.report import print_summary, write_reports
    from bench.runner import COMPARE_MODES, DEFAULT_MODE, progress_bar
    from govqa.settings import CliSettings
    from retriever.reader import reader_setting

    if questions is None:
        raise BenchUsageError("missing QUESTIONS: a question set (.jsonl) or benchmark file")
    if not questions.exists():
        raise QuestionSetError(f"question set not found: {questions}")
    fmt = _format_of(questions, fmt)
    if url and index_dir:
        raise BenchUsageError("give --index or --url, not both")
    if fmt != "jsonl" and (url or index_dir):
        raise BenchUsageError(
            f"--format {fmt} builds its own index in OUT/index; --index and --url are for "
            "JSONL question sets"
        )
    if compare and (url or fmt == "trecqa"):
        raise BenchUsageError("--compare needs an in-process engine on a JSONL or SQuAD-style set")
    settings = CliSettings()
    model = model or settings.model
    if compare and mode:
        raise BenchUsageError("give --compare or --mode, not both")
    if url and mode:
        raise BenchUsageError("--mode needs an in-process engine (--index): a server answers "
                              "in the mode it serves")
    modes: tuple[str, ...] = COMPARE_MODES if compare else (mode or DEFAULT_MODE,)
    reader = reader_setting(settings.reader)
    if reader is None:  # GOVQA_READER=off: the feature scorer alone
        modes = tuple(m for m in modes if m != "reader") or ("hybrid",)
    name = questions.stem if fmt == "jsonl" else f"{fmt}-{questions.stem}"
    out_dir = out_dir or Path("var") / "bench" / name

    # Everything a user can get wrong (files, index, URL) is checked before the progress
    # bar starts, so a mistake is one line on stderr and nothing else.
    if fmt == "jsonl":
        job = _jsonl_job(questions, index_dir or settings.index_dir, url, model, modes, limit,
                         reader)
    elif fmt == "trecqa":
        from bench.public import run_trecqa
        from bench.trecqa import load_trecqa

        trec = load_trecqa(questions)
        job = lambda progress: run_trecqa(  # noqa: E731
            trec, str(questions), out_dir, limit, model, progress, mode=modes[0], reader=reader
        )
    else:
        from bench.policyqa import load_policyqa
        from bench.public import run_dataset
        from bench.squad import load_squad

        dataset = load_policyqa(questions) if fmt == "policyqa" else load_squad(questions)
        job = lambda progress: run_dataset(  # noqa: E731
            dataset, str(questions), fmt, out_dir, limit, modes, model, progress, reader
        )
    with progress_bar(Console(stderr=True)) as progress:
        run = job(progress)
    print_summary(run, Console())
    paths = write_reports(run, out_dir)
    click.echo(f"reports: {paths['html']}  {paths['json']}  {paths['jsonl']}")


def _jsonl_job(
    questions: Path,
    index_dir: Path,
    url: str | None,
    model: str | None,
    modes: Sequence[str],
    limit: int | None,
    reader: Path | None,
) -> Callable[[Progress], BenchRun]:
    """Load the set and the target, and warm it up; return the run, to start under a bar."""
    from bench.questions import load_questions, sample
    from bench.run import BenchRun
    from bench.runner import EngineTarget, HttpTarget, Target, run_questions, warm_up

    qs = sample(load_questions(questions), limit)
    target: Target = (HttpTarget(url) if url
                      else EngineTarget.load(index_dir, model=model, reader=reader))
    warm_up(target, qs, modes[0])

    def job(progress: Progress) -> BenchRun:
        try:
            results = run_questions(qs, target, modes, progress=progress, warm=False)
        finally:
            if isinstance(target, HttpTarget):
                target.close()
        meta: dict[str, Any] = {"questions_asked": len(qs)}
        if isinstance(target, EngineTarget):
            meta["index_version"] = target.engine.index_version
            meta["index_dir"] = str(index_dir)
        return BenchRun(questions.stem, "jsonl", str(questions), target.name, results, meta)

    return job
