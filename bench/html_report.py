"""The self-contained HTML report: inline CSS and SVG, nothing fetched from elsewhere."""

from __future__ import annotations

from html import escape
from typing import Any

from bench.results import QuestionResult
from bench.run import TYPE_COLUMNS, BenchRun, fmt, label, short_label
from chat_api.insights.charts import Series, bars, histogram, percent

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;
margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#4b5563}table{border-collapse:collapse;margin:.5rem 0}
th,td{border-bottom:1px solid #e5e7eb;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d}.bad{color:#b91c1c}.abst{color:#6b7280}
.answer{max-width:420px}.chart{max-width:100%;height:auto;display:block}
details summary{cursor:pointer;margin:.5rem 0}
"""
ANSWER_CHARS = 300
# Beyond this many rows a page gets slow to open; results.jsonl has every question.
MAX_ROWS = 1000


def _overall_table(run: BenchRun, summaries: dict[str, dict[str, Any]]) -> str:
    head = "".join(f'<th class="n">{escape(m)}</th>' for m in run.modes)
    rows = []
    for key in run.shown_metrics(summaries):
        cells = "".join(
            f'<td class="n">{escape(fmt(key, summaries[m]["overall"].get(key)))}</td>'
            for m in run.modes
        )
        rows.append(f"<tr><td>{escape(label(key))}</td>{cells}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"


def _type_table(mode: str, summary: dict[str, Any], shown: list[str]) -> str:
    extra = ("em", "f1", "hit@5", "sentence_mrr", "map", "latency_p50_ms")
    cols = [c for c in dict.fromkeys((*TYPE_COLUMNS, *extra)) if c in shown]
    head = "".join(
        f'<th class="n" title="{escape(label(c))}">{escape(short_label(c))}</th>' for c in cols
    )
    rows = [
        f"<tr><td>{escape(t)}</td>"
        + "".join(f'<td class="n">{escape(fmt(c, s.get(c)))}</td>' for c in cols)
        + "</tr>"
        for t, s in summary["by_type"].items()
    ]
    return f"<h3>{escape(mode)}</h3><table><tr><th>type</th>{head}</tr>{''.join(rows)}</table>"


def _verdict(r: QuestionResult) -> str:
    if r.error:
        return '<span class="bad">error</span>'
    if r.correct:
        return (
            '<span class="ok">right</span>' if r.answered else '<span class="ok">abstained</span>'
        )
    return '<span class="bad">wrong</span>' if r.answered else '<span class="abst">abstained</span>'


def _question_rows(results: list[QuestionResult]) -> str:
    rows = []
    for r in results[:MAX_ROWS]:
        answer = r.answer or (f"({r.error})" if r.error else "(abstained)")
        if len(answer) > ANSWER_CHARS:
            answer = answer[:ANSWER_CHARS] + "…"
        gold = " | ".join(r.gold.get("answers") or []) or "(unanswerable)"
        cite = ""
        if r.citation:
            ok = {True: " ✓", False: " ✗", None: ""}[r.citation_correct]
            cite = escape(f"{r.citation.get('title', '')} › {r.citation.get('section', '')}{ok}")
        rows.append(
            f"<tr><td>{escape(r.id)}</td><td>{escape(r.type)}</td>"
            f"<td>{escape(r.question)}</td><td>{_verdict(r)}</td>"
            f'<td class="answer">{escape(answer)}</td><td>{escape(gold)}</td>'
            f'<td>{cite}</td><td class="n">{r.latency_ms:.1f}</td></tr>'
        )
    return (
        "<table><tr><th>id</th><th>type</th><th>question</th><th>verdict</th><th>answer</th>"
        '<th>gold</th><th>citation</th><th class="n">ms</th></tr>'
        + "".join(rows)
        + "</table>"
        + (
            f'<p class="meta">first {MAX_ROWS} of {len(results)}; results.jsonl has all</p>'
            if len(results) > MAX_ROWS
            else ""
        )
    )


def render_html(run: BenchRun) -> str:
    """The whole report as one HTML document."""
    summaries = run.summaries()
    shown = run.shown_metrics(summaries)
    types = sorted({t for s in summaries.values() for t in s["by_type"]})
    acc_chart = bars(
        "accuracy by question type",
        types,
        [Series(m, [summaries[m]["by_type"].get(t, {}).get("accuracy") for t in types])
         for m in run.modes],
        top=1.0, fmt=percent,
    )
    hists = "".join(
        f"<h3>{escape(m)}</h3>" + histogram(f"latency histogram ({m})", [r.latency_ms for r in rs])
        for m, rs in run.results.items()
    )
    meta = " · ".join(
        escape(f"{k}: {v}")
        for k, v in {
            "format": run.format,
            "questions": run.source,
            "target": run.target,
            "run": run.created,
            **run.meta,
        }.items()
    )
    reference = ""
    if run.reference:
        items = "".join(
            f"<li>{escape(ref['system'])}: {escape(ref['figures'])}</li>" for ref in run.reference
        )
        reference = f"<h2>Published figures, for context</h2><ul>{items}</ul>"
    per_question = "".join(
        f"<details{' open' if i == 0 and len(rs) <= 200 else ''}><summary>{escape(m)}: "
        f"{len(rs)} questions</summary>{_question_rows(rs)}</details>"
        for i, (m, rs) in enumerate(run.results.items())
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>govqa bench · {escape(run.name)}</title><style>{CSS}</style></head><body>"
        f'<h1>govqa bench · {escape(run.name)}</h1><p class="meta">{meta}</p>'
        f"<h2>Summary</h2>{_overall_table(run, summaries)}{reference}"
        f"<h2>Accuracy by question type</h2>{acc_chart}"
        f"<h2>By question type</h2>"
        + "".join(_type_table(m, summaries[m], shown) for m in run.modes)
        + f"<h2>Latency</h2>{hists}<h2>Questions</h2>{per_question}</body></html>\n"
    )
