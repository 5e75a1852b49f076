"""The outputs of a bench run: terminal table, results.json, results.jsonl and report.html."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.html_report import render_html
from bench.run import TYPE_COLUMNS, BenchRun, fmt, label, short_label


def summary_tables(run: BenchRun) -> list[Table]:
    """The overall metrics (one column per mode) and, for the first mode, the per-type table."""
    summaries = run.summaries()
    overall = Table(title=f"govqa bench · {run.name}", title_justify="left")
    overall.add_column("metric", no_wrap=True)
    for mode in run.modes:
        overall.add_column(mode, justify="right")
    for key in run.shown_metrics(summaries):
        overall.add_row(
            label(key), *(fmt(key, summaries[m]["overall"].get(key)) for m in run.modes)
        )
    tables = [overall]
    first = run.modes[0] if run.modes else None
    if first is not None and len(summaries[first]["by_type"]) > 1:
        by_type = Table(title=f"by question type ({first})", title_justify="left")
        by_type.add_column("type", no_wrap=True)
        cols = [c for c in TYPE_COLUMNS if c in run.shown_metrics(summaries)]
        for c in cols:
            by_type.add_column(short_label(c), justify="right")
        for qtype, s in summaries[first]["by_type"].items():
            by_type.add_row(qtype, *(fmt(c, s.get(c)) for c in cols))
        tables.append(by_type)
    return tables


def print_summary(run: BenchRun, console: Console) -> None:
    for table in summary_tables(run):
        console.print(table)
    for ref in run.reference:
        console.print(f"[dim]published, for context: {ref['system']} — {ref['figures']}[/dim]")


def write_reports(run: BenchRun, out_dir: Path) -> dict[str, Path]:
    """Write results.json, results.jsonl and report.html into out_dir; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "results.json",
        "jsonl": out_dir / "results.jsonl",
        "html": out_dir / "report.html",
    }
    paths["json"].write_text(json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n")
    with open(paths["jsonl"], "w", encoding="utf-8") as fh:
        for results in run.results.values():
            for r in results:
                fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    paths["html"].write_text(render_html(run), encoding="utf-8")
    return paths
