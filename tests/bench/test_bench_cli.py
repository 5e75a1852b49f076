"""`govqa bench` end to end through the real CLI: JSONL sets in process and over HTTP,
SQuAD-style and TrecQA files, and the one-line errors."""

import json
import re
from pathlib import Path

import pytest

from bench.policyqa import load_policyqa
from bench.runner import RETRIEVE_K

SAMPLE_PAGE = "/products-and-services/collaborate-with-us/international-collaboration/"
METRIC_KEYS = {
    "questions", "answerable", "unanswerable", "accuracy", "answer_accuracy", "em", "f1",
    "citation_accuracy", "hit@1", "hit@3", "hit@5", "hit@20", "mrr", "abstention_precision",
    "abstention_recall", "false_abstain_rate", "latency_p50_ms", "latency_p95_ms",
    "latency_p99_ms", "latency_mean_ms", "errors",
}  # fmt: skip


def _page_text(index_dir: Path) -> str:
    from retriever.index import read_pages

    (page,) = read_pages(index_dir)
    return page.text


def _check_rates(summary: dict) -> None:
    for key, value in summary.items():
        if value is not None and key not in {"questions", "answerable", "unanswerable", "errors"}:
            assert value >= 0, key
            if not key.startswith("latency"):
                assert value <= 1, key


def test_jsonl_set_with_compare(run_cli, read_outputs, bench_data, sample_index_dir, tmp_path):
    out = tmp_path / "out"
    rc, stdout, err = run_cli(
        "bench", bench_data / "tiny.jsonl", "--index", sample_index_dir, "--out", out, "--compare"
    )
    assert rc == 0, err
    assert "govqa bench · tiny" in stdout and "retrieval MRR" in stdout
    assert f"reports: {out / 'report.html'}" in stdout
    summary, rows, html = read_outputs(out)
    assert list(summary["modes"]) == ["reader", "hybrid", "bm25", "dense", "hybrid-chunk"]
    for mode in summary["modes"].values():
        assert set(mode["overall"]) == METRIC_KEYS
        assert (mode["overall"]["questions"], mode["overall"]["answerable"]) == (6, 5)
        assert sorted(mode["by_type"]) == ["factoid", "howto", "noisy", "unanswerable"]
        assert mode["by_type"]["factoid"]["questions"] == 3
        assert mode["overall"]["errors"] == 0
        _check_rates(mode["overall"])
    assert summary["meta"]["index_version"] and summary["format"] == "jsonl"
    # One row per question per mode, in order, each with answer, gold, verdict and citation.
    assert [(r["mode"], r["id"]) for r in rows] == [
        (m, f"t{i}") for m in summary["modes"] for i in range(1, 7)
    ]
    page_text = _page_text(sample_index_dir)
    gold = {}
    for line in (bench_data / "tiny.jsonl").read_text().splitlines():
        q = json.loads(line)
        gold[q["id"]] = {"answers": q["answers"], "match": q.get("match", "any"),
                         "section": q.get("section"), "page": q.get("page")}  # fmt: skip
    for r in rows:
        assert isinstance(r["correct"], bool)
        assert r["gold"] == gold[r["id"]]
        if r["answered"]:
            assert r["answer"] in page_text  # quoted verbatim from the page
            assert r["citation"]["url"].startswith("https://www.tech.gov.sg" + SAMPLE_PAGE)
            assert r["citation"]["quote"] == r["answer"]
        else:
            assert r["answer"] is None and r["citation"] is None
        if r["id"] == "t6":
            assert r["answer_correct"] is None and r["retrieval_rank"] is None
            assert r["correct"] == (not r["answered"])
        else:
            assert r["retrieval_rank"] in range(0, RETRIEVE_K + 1)
    # The hybrid retriever finds the gold section of these plain questions first.
    assert [r["retrieval_rank"] for r in rows[:5]] == [1, 1, 1, 1, 1]
    assert html.count("<svg") == 1 + 5  # accuracy by type + a latency histogram per mode
    assert not re.search(r"<script|<link|<img|src=|@import|url\(", html)


def test_url_mode_matches_in_process(
    run_cli, read_outputs, bench_data, served_url, sample_index_dir, tmp_path
):
    # The server reads a copy of the sample index: the same answers must come back.
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--url", served_url,
                         "--out", tmp_path / "http")  # fmt: skip
    assert rc == 0, err
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--index", sample_index_dir,
                         "--out", tmp_path / "local")  # fmt: skip
    assert rc == 0, err
    http_summary, http_rows, _ = read_outputs(tmp_path / "http")
    _, local_rows, _ = read_outputs(tmp_path / "local")
    assert http_summary["target"] == served_url
    same = ("id", "answered", "answer", "correct", "em", "f1", "citation", "citation_correct")
    assert [{k: r[k] for k in same} for r in http_rows] == [
        {k: r[k] for k in same} for r in local_rows
    ]


def test_url_mode_stops_on_a_rate_limit(run_cli, bench_data, serve, tmp_path):
    url = serve(rate_limit="2/minute")
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--url", url, "--out", tmp_path)
    assert rc == 2
    assert err == (
        f"error: {url} rate-limited the benchmark (HTTP 429); "
        "serve it with GOVQA_RATE_LIMIT=off while benchmarking\n"
    )


def test_squad_format_with_limit(run_cli, read_outputs, bench_data, tmp_path):
    out = tmp_path / "squad"
    rc, stdout, err = run_cli("bench", bench_data / "squad-tiny.json", "--format", "squad",
                              "--limit", "4", "--out", out)  # fmt: skip
    assert rc == 0, err
    assert "sentence retrieval MRR" in stdout and "DrQA" in stdout
    summary, rows, html = read_outputs(out)
    assert (out / "index").is_dir()  # the dataset's own index, beside the reports
    assert summary["name"] == "squad-squad-tiny"
    assert summary["meta"]["questions_in_file"] == 6
    assert summary["meta"]["questions_asked"] == 4
    assert (summary["meta"]["pages"], summary["meta"]["chunks"]) == (2, 3)
    assert [r["system"] for r in summary["reference"]][0].startswith("DrQA")
    overall = summary["modes"]["reader"]["overall"]
    assert {"sentence_mrr", "sentence_r@1", "sentence_r@5"} <= set(overall)
    _check_rates(overall)
    # A fixed-seed sample, in file order; the same every run.
    assert [r["id"] for r in rows] == ["sb1", "sb2", "n1", "p1"]
    for r in rows:
        assert r["type"] == "answerable"
        assert r["retrieval_rank"] in range(0, RETRIEVE_K + 1)
        assert r["sentence_rank"] in range(0, 20)
    # Three paragraphs on two topics: the gold paragraph always comes first.
    assert [r["retrieval_rank"] for r in rows] == [1, 1, 1, 1]
    assert "sentence retrieval MRR" in html


def test_trecqa_format(run_cli, read_outputs, bench_data, tmp_path):
    out = tmp_path / "trec"
    rc, stdout, err = run_cli("bench", bench_data / "trecqa-tiny.csv", "--out", out)
    assert rc == 0, err
    assert "MAP" in stdout and "BM25" in stdout
    summary, rows, _ = read_outputs(out)
    # The all-positive question is dropped, as in the standard evaluation.
    assert [r["id"] for r in rows] == ["q1", "q2"]
    overall = summary["modes"]["sentence-ranker"]["overall"]
    assert 0 < overall["map"] <= 1 and 0 < overall["sentence_mrr"] <= 1
    # "The Eiffel Tower stands in Paris" is the only right candidate for q1.
    assert rows[0]["gold"]["answers"] == ["The Eiffel Tower stands in Paris , France ."]


def test_policyqa_each_policy_is_its_own_site(run_cli, read_outputs, tmp_path):
    """The same generic question asked of two policies is answered from each one's own
    index; its repeats within one policy merge into one question with every span."""
    policies = {
        "alpha.example": [
            "Alpha keeps your order history for seven years.",
            "Alpha shares delivery addresses with its courier partners.",
        ],
        "beta.example": [
            "Beta deletes inactive accounts after two years.",
            "Beta never shares your address with anyone.",
        ],
    }
    ask = "How long do you keep my data?"
    golds = {"alpha.example": ["seven years"], "beta.example": ["two years"]}
    data = {"version": "v1.0", "data": []}
    for title, contexts in policies.items():
        paragraphs = []
        for i, ctx in enumerate(contexts):
            qas = [
                {"id": f"{title}-{i}-{n}", "question": ask, "type": "Data Retention|||x|||y",
                 "answers": [{"text": g, "answer_start": ctx.index(g)}]}
                for n, g in enumerate(golds[title]) if g in ctx
            ] + [
                # asked of both paragraphs: one merged question, either span is right
                {"id": f"{title}-{i}-share", "question": "Who do you share my address with?",
                 "type": "Third Party Sharing/Collection|||x|||y",
                 "answers": [{"text": ctx.split()[0], "answer_start": 0}]}
            ]  # fmt: skip
            paragraphs.append({"context": ctx, "index": i, "summary": "", "qas": qas})
        data["data"].append({"title": title, "paragraphs": paragraphs})
    path = tmp_path / "test.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "out"
    rc, stdout, err = run_cli("bench", path, "--format", "policyqa", "--out", out)
    assert rc == 0, err
    summary, rows, _ = read_outputs(out)
    assert [(r["id"], r["gold"]["answers"]) for r in rows] == [
        ("alpha.example-0-0", ["seven years"]),
        ("alpha.example-0-share", ["Alpha"]),
        ("beta.example-0-0", ["two years"]),
        ("beta.example-0-share", ["Beta"]),
    ]
    assert [r["type"] for r in rows] == ["Data Retention", "Third Party Sharing/Collection"] * 2
    assert sorted(p.name for p in (out / "index").iterdir()) == ["001", "002"]
    assert summary["meta"]["scope"] == "each article is a site of its own, with its own index"
    # Each retention question finds its own policy's paragraph first, never the other's.
    assert [r["retrieval_rank"] for r in rows if r["type"] == "Data Retention"] == [1, 1]
    assert "BERT-base" in stdout


def test_policyqa_types_questions_by_practice(tmp_path):
    ctx = "We collect your email address when you register. We never sell your data."
    qa = {
        "id": "a",
        "question": "Do you collect my email?",
        "type": "First Party Collection/Use|||Personal Information Type|||Contact",
        "answers": [{"text": "email address", "answer_start": ctx.index("email")}],
    }
    paragraph = {"context": ctx, "index": 0, "summary": "", "qas": [qa]}
    data = {"version": "v1.0", "data": [{"title": "example.com", "paragraphs": [paragraph]}]}
    path = tmp_path / "test.json"
    path.write_text(json.dumps(data))
    dataset = load_policyqa(path)
    (q,) = dataset.questions
    assert (q.type, q.answers, q.spans) == (
        "First Party Collection/Use",
        ["email address"],
        [(dataset.chunks[0].id, 16)],
    )
    assert dataset.name == "policyqa-test" and "BERT-base" in dataset.reference[0]["system"]
    assert dataset.chunks[0].sentence_texts() == [
        "We collect your email address when you register.",
        "We never sell your data.",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "error: question set not found: missing.jsonl"),
        (["{tmp}/set.txt"], "error: cannot tell the format of set.txt; pass --format"),
        (["{tmp}/set.txt", "--format", "squad"], "cannot read SQuAD JSON"),
        (["{tmp}/empty.json"], "is not SQuAD JSON: expected an object with a 'data' list"),
        (["{tmp}/empty.json", "--format", "policyqa"], "is not PolicyQA JSON"),
        (["{tmp}/set.txt", "--format", "jsonl"], "set.txt:1: invalid JSON"),
        (["{tmp}/set.txt", "--format", "trecqa"], "is not TrecQA CSV"),
        (["{tiny}", "--index", "{tmp}/none"], "error: "),
        (["{tiny}", "--index", "{tmp}", "--url", "http://127.0.0.1:9"], "not both"),
        (["{tiny}", "--url", "http://127.0.0.1:9", "--compare"], "--compare needs"),
        (["{tiny}", "--url", "127.0.0.1"], "--url must look like http://HOST"),
        (["{tiny}", "--url", "http://127.0.0.1:9"], "cannot reach http://127.0.0.1:9/api/chat"),
        (["{squad}", "--index", "{tmp}"], "builds its own index"),
        ([], "missing QUESTIONS"),
    ],
)
def test_errors_are_one_line(run_cli, bench_data, tmp_path, args, message):
    (tmp_path / "set.txt").write_text("not json\n")
    (tmp_path / "empty.json").write_text("{}")
    subs = {"tmp": str(tmp_path), "tiny": str(bench_data / "tiny.jsonl"),
            "squad": str(bench_data / "squad-tiny.json")}  # fmt: skip
    rc, _, err = run_cli("bench", *(a.format(**subs) for a in args), "--out", tmp_path / "o")
    assert rc == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert not (tmp_path / "o").exists()


def test_sentence_ranking_agrees_with_the_engines_answers(sample_engine, bench_data):
    """The ReQA-style sentence ranking scores sentences as the engine does: its top sentence
    is the one the engine's answer was grown from, for every answered question."""
    from bench.sentence_rank import hit_sentence_scores

    checked = 0
    for line in (bench_data / "tiny.jsonl").read_text().splitlines():
        question = json.loads(line)["question"]
        answer = sample_engine.ask(question)
        if not answer.answered:
            continue
        hits = sample_engine.search(question, k=5)
        chunk, j, _ = max(hit_sentence_scores(sample_engine, question, hits), key=lambda x: x[2])
        (citation,) = answer.citations
        s, e = chunk.sentences[j]
        assert chunk.id == citation.chunk_id
        assert citation.start <= s and e <= citation.end
        checked += 1
    assert checked >= 3


def test_one_mode_and_its_limits(run_cli, read_outputs, bench_data, sample_index_dir, tmp_path):
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--index", sample_index_dir,
                         "--out", tmp_path / "h", "--mode", "hybrid")  # fmt: skip
    assert rc == 0, err
    summary, rows, _ = read_outputs(tmp_path / "h")
    assert list(summary["modes"]) == ["hybrid"] and {r["mode"] for r in rows} == {"hybrid"}
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--url", "http://127.0.0.1:9",
                         "--mode", "hybrid")  # fmt: skip
    assert (rc, err) == (2, "error: --mode needs an in-process engine (--index): a server "
                            "answers in the mode it serves\n")
    rc, _, err = run_cli("bench", bench_data / "tiny.jsonl", "--compare", "--mode", "hybrid")
    assert (rc, err) == (2, "error: give --compare or --mode, not both\n")
