"""Scoring answers, summarising by type, and writing the three report files."""

import json
import re

import pytest
from rich.console import Console

from bench.questions import Question
from bench.report import print_summary, write_reports
from bench.results import Located, score, summarize_by_type
from bench.run import BenchRun

PAGE = (
    "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
)
DGX = Located(
    "Digital Government Exchange (DGX)",
    ["International Collaboration", "Events", "Digital Government Exchange (DGX)"],
    PAGE + "#digital-government-exchange-dgx",
)
OTHER = Located("Bilateral", ["International Collaboration", "Bilateral"], PAGE + "#bilateral")


def _answer(text, section=DGX):
    if text is None:
        return {"answered": False, "answer": None, "confidence": 0.1, "citations": []}
    citation = {
        "title": "International Collaboration",
        "section": section.section,
        "section_path": section.section_path,
        "url": section.url,
    }
    return {"answered": True, "answer": text, "confidence": 0.9, "citations": [citation]}


Q_LIST = Question(
    "q1",
    "Who attends DGX?",
    ["Canada", "Japan"],
    "all",
    "Digital Government Exchange (DGX)",
    "/international-collaboration/",
    "list",
)
Q_FACT = Question(
    "q2",
    "When is DGX?",
    ["every year"],
    "any",
    None,
    "/products-and-services/collaborate-with-us/international-collaboration/",
    "factoid",
)
Q_NONE = Question("q3", "What is the price of a coffee?", [], type="unanswerable")


@pytest.fixture
def results():
    return [
        # right answer, right citation, gold section retrieved second
        score(Q_LIST, "hybrid", _answer("Canada and Japan came."), 10.0, [OTHER, DGX], DGX),
        # only one of two golds -> wrong with match all, yet the citation is right
        score(Q_LIST, "bm25", _answer("Canada came."), 20.0, [DGX], DGX),
        # right answer, page-only gold: any section on the page counts
        score(Q_FACT, "hybrid", _answer("It runs every year."), 30.0, [OTHER], OTHER),
        # abstained on an unanswerable: right
        score(Q_NONE, "hybrid", _answer(None), 40.0, [OTHER], None),
        # answered an unanswerable: wrong
        score(Q_NONE, "bm25", _answer("A coffee is $2.", OTHER), 50.0, [OTHER], OTHER),
    ]


def test_score_records_every_verdict(results):
    r = results[0]
    assert (r.correct, r.answer_correct, r.em, r.citation_correct, r.retrieval_rank) == (
        True,
        True,
        0.0,
        True,
        2,
    )
    # F1 is the max over golds taken one at a time: "canada" vs 4 tokens -> 2*(1/4)*1/(5/4)
    assert r.f1 == pytest.approx(0.4)
    assert r.citation["section"] == "Digital Government Exchange (DGX)"
    assert r.gold == {
        "answers": ["Canada", "Japan"],
        "match": "all",
        "section": "Digital Government Exchange (DGX)",
        "page": "/international-collaboration/",
    }
    assert (results[1].correct, results[1].citation_correct) == (False, True)
    assert (results[2].correct, results[2].retrieval_rank, results[2].citation_correct) == (
        True,
        1,
        True,
    )
    assert (results[3].correct, results[3].em, results[3].f1, results[3].retrieval_rank) == (
        True,
        1.0,
        1.0,
        None,
    )
    assert (results[4].correct, results[4].em, results[4].citation_correct) == (False, 0.0, None)


def test_summary_overall_and_by_type(results):
    hybrid = summarize_by_type([r for r in results if r.mode == "hybrid"])
    overall = hybrid["overall"]
    assert overall["questions"] == 3
    assert (overall["answerable"], overall["unanswerable"]) == (2, 1)
    assert overall["accuracy"] == 1.0
    assert overall["answer_accuracy"] == 1.0
    assert overall["citation_accuracy"] == 1.0
    assert (overall["hit@1"], overall["hit@3"], overall["mrr"]) == (0.5, 1.0, 0.75)
    assert (overall["abstention_precision"], overall["abstention_recall"]) == (1.0, 1.0)
    assert overall["false_abstain_rate"] == 0.0
    assert overall["latency_p50_ms"] == 30.0  # of 10, 30, 40
    assert overall["errors"] == 0
    assert "sentence_mrr" not in overall
    assert sorted(hybrid["by_type"]) == ["factoid", "list", "unanswerable"]
    assert hybrid["by_type"]["unanswerable"]["answer_accuracy"] is None
    assert hybrid["by_type"]["list"]["hit@1"] == 0.0
    bm25 = summarize_by_type([r for r in results if r.mode == "bm25"])["overall"]
    assert (bm25["accuracy"], bm25["abstention_precision"], bm25["abstention_recall"]) == (
        0.0,
        None,
        0.0,
    )


def test_reports_are_written_and_html_is_self_contained(tmp_path, results):
    run = BenchRun(
        name="unit",
        format="jsonl",
        source="set.jsonl",
        target="engine",
        results={
            "hybrid": [r for r in results if r.mode == "hybrid"],
            "bm25": [r for r in results if r.mode == "bm25"],
        },
        meta={"index_version": "abc"},
    )
    paths = write_reports(run, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.html",
        "results.json",
        "results.jsonl",
    ]
    data = json.loads(paths["json"].read_text())
    assert sorted(data["modes"]) == ["bm25", "hybrid"]
    assert data["modes"]["hybrid"]["overall"]["accuracy"] == 1.0
    assert data["meta"] == {"index_version": "abc"}
    lines = [json.loads(x) for x in paths["jsonl"].read_text().splitlines()]
    assert [(x["mode"], x["id"], x["correct"]) for x in lines] == [
        ("hybrid", "q1", True),
        ("hybrid", "q2", True),
        ("hybrid", "q3", True),
        ("bm25", "q1", False),
        ("bm25", "q3", False),
    ]
    assert lines[0]["answer"] == "Canada and Japan came."
    assert lines[0]["gold"]["answers"] == ["Canada", "Japan"]
    assert lines[0]["citation"]["url"].endswith("#digital-government-exchange-dgx")

    html = paths["html"].read_text()
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 3  # accuracy by type + one latency histogram per mode
    assert "accuracy by question type" in html and "latency histogram (hybrid)" in html
    # one bar per (type, mode) with a value: hybrid 3 types, bm25 2 types
    acc_svg = html.split("<svg")[1]
    assert acc_svg.count('class="bar"') == 5
    # Nothing is fetched from elsewhere: no scripts, stylesheets, images or imports.
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|src=", html)
    # Nothing fetched: the only URL is the SVG namespace, a name and never a request.
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert re.findall(r'href="([^"]*)"', html) == []


def test_terminal_summary_lists_metrics_per_mode(results):
    run = BenchRun("unit", "jsonl", "set.jsonl", "engine", {"hybrid": results[:1]})
    console = Console(width=120, record=True)
    print_summary(run, console)
    text = console.export_text()
    assert "answer accuracy" in text
    assert "100.0%" in text
    assert "latency p50" in text and "10.0 ms" in text
    assert "sentence retrieval" not in text  # no SQuAD-style metrics in a JSONL run


def test_bar_chart_keeps_bars_narrow_and_slants_crowded_labels():
    from chat_api.insights.charts import MAX_BAR, Series, bars, percent

    one = bars("one", ["answerable"], [Series("hybrid", [0.75])], top=1.0, fmt=percent)
    (width,) = re.findall(r'class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', one)
    assert float(width) <= MAX_BAR
    assert "rotate(" not in one
    assert "answerable: 75% hybrid" in one
    names = [f"Practice number {i} with a long name" for i in range(9)]
    many = bars("many", names, [Series("hybrid", [0.5] * 9),
                                Series("bm25", [None] * 8 + [0.1])], top=1.0, fmt=percent)
    assert many.count('class="bar"') == 10  # a missing value draws no bar
    assert many.count("rotate(-20") == 9
    assert "Practice number 0 wit…" in many  # truncated, full name in its tooltip
    assert "<title>Practice number 0 with a long name</title>" in many


def test_a_histogram_counts_each_value_once():
    from chat_api.insights.charts import histogram

    svg = histogram("latency", [1.0, 1.5, 2.0, 9.0, 10.0], bins=3)
    counts = re.findall(r'<title>[\d.]+: (\d+) questions by ms</title>', svg)
    assert sorted(map(int, counts)) == [0, 2, 3]  # the empty middle range: a bar of height 0
    assert "no data" in histogram("latency", [])
