"""`govqa insights`: the dashboard's summary as terminal tables or JSON, from a real log."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chat_api.insights.cli import parse_range
from chat_api.store.feedback import FeedbackStore

RunCli = Callable[..., tuple[int, str, str]]
MARKUP = "what does [bold red]x[/] mean?"
COMMENT = "not [link=https://example.com]what[/link] I asked"
ASKED = [  # (question, channel, answered)
    ("which countries attended DGX?", "widget", True),
    ("how do I renew my parking permit?", "widget", False),
    ("parking permit renewal", "slack", False),
    (MARKUP, "api", False),
    ("what is DGX?", "slack", True),
]


@pytest.fixture(scope="module")
def engine(sample_index_dir: Path) -> Any:
    from retriever.engine import Engine

    return Engine.load(sample_index_dir, reader=None)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> dict[str, Any]:
    """A question log of real answers over three channels, with one 👎 on a Slack answer."""
    path = tmp_path_factory.mktemp("insights") / "feedback.sqlite3"
    store = FeedbackStore(path)
    answers = []
    for question, channel, answered in ASKED:
        answer = engine.ask(question)
        assert answer.answered is answered, (question, answer.confidence)
        store.log_question(answer, channel)
        answers.append(answer)
    disliked = answers[-1]
    store.add_feedback(disliked.conversation_id, disliked.turn, False, comment=COMMENT)
    store.close()
    return {"path": path, "answers": answers}


@pytest.fixture
def env(log: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Away from any .env, and from a shell's own database or width.
    monkeypatch.chdir(tmp_path)
    for name in ("GOVQA_DATABASE_URL", "GOVQA_MODEL", "GOVQA_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "240")  # wide enough that no cell of this log wraps
    monkeypatch.setenv("GOVQA_FEEDBACK_DB", str(log["path"]))
    path: Path = log["path"]
    return path


def _lines(out: str) -> list[str]:
    """Printed lines with the table padding squeezed, so rows compare as whole lines."""
    return [" ".join(line.split()) for line in out.splitlines()]


def _minute(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def _place(hit: Any) -> str:
    return f"{hit.chunk.page_title} › {hit.chunk.section_title}"


def test_the_summary_tables(env: Path, run_cli: RunCli, sample_index_dir: Path,
                            engine: Any, log: dict[str, Any]) -> None:
    rc, out, err = run_cli("insights", "--index", sample_index_dir)
    assert (rc, err) == (0, "")
    lines = _lines(out)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    week_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 6 * 86_400))
    for title in ("Summary", "Per day", "Content gaps", "Answers visitors disliked",
                  "Most-cited sections", "Most-cited pages"):
        assert title in lines
    summary = lines[lines.index("Summary") + 1:lines.index("Per day") - 1]
    assert summary == [f"range {week_ago} to {today}", "channel all", "questions 5",
                       "answered 2", "abstained 3", "👍 helpful 0", "👎 not helpful 1"]

    # Seven days are few enough to list the quiet ones too.
    per_day = lines[lines.index("Per day") + 3:lines.index("Content gaps") - 1]
    assert len(per_day) == 7
    assert per_day[:6] == [
        f"{time.strftime('%Y-%m-%d', time.gmtime(time.time() - n * 86_400))} 0 0 0 0 — —"
        for n in range(6, 0, -1)]
    assert per_day[6].startswith(f"{today} 2 3 0 1 ")

    # The two parking questions are one gap, under its latest wording.
    with sqlite3.connect(env) as db:
        (latest, ts), (earlier, _) = db.execute(
            "SELECT question, ts FROM questions WHERE question LIKE '%parking%' "
            "ORDER BY ts DESC").fetchall()
    assert latest == "parking permit renewal"
    # The sections offered for it: one per section, as the dashboard lists them.
    by_url: dict[str, str] = {}
    for hit in engine.search(latest, k=6):
        by_url.setdefault(hit.chunk.url, _place(hit))
    places = list(by_url.values())[:3]
    assert len(places) >= 2
    row = lines.index(f"{latest} 2 {_minute(ts)} {places[0]}")
    assert lines[row + 1] == f"also: {earlier} {places[1]}"
    # A visitor's markup is printed as typed, never rendered.
    assert any(line.startswith(f"{MARKUP} 1 ") for line in lines)

    disliked = log["answers"][-1]
    cite = disliked.citations[0]
    with sqlite3.connect(env) as db:
        (voted,) = db.execute("SELECT ts FROM feedback").fetchone()
    assert (f"{_minute(voted)} slack what is DGX? {cite.title} › {cite.section} {COMMENT}"
            in lines)

    cited = Counter((a.citations[0].title, a.citations[0].section, a.citations[0].url)
                    for a in log["answers"] if a.answered)
    (title, section, url), times = cited.most_common(1)[0]
    row = lines.index(f"{title} › {section} {times}")
    assert lines[row + 1] == url
    page = url.split("#")[0]
    row = lines.index(f"{title} {times}")
    assert lines[row + 1] == page


def test_one_channel_narrows_every_count(env: Path, run_cli: RunCli,
                                         sample_index_dir: Path) -> None:
    rc, out, err = run_cli("insights", "--index", sample_index_dir, "--channel", "slack")
    assert (rc, err) == (0, "")
    lines = _lines(out)
    summary = lines[lines.index("Summary") + 2:lines.index("Per day") - 1]
    assert summary == ["channel slack", "questions 2", "answered 1", "abstained 1",
                       "👍 helpful 0", "👎 not helpful 1"]
    assert any(line.startswith("parking permit renewal 1 ") for line in lines)
    assert "how do I renew my parking permit?" not in out and MARKUP not in out


def test_json_is_the_dashboards(env: Path, run_cli: RunCli, sample_index_dir: Path) -> None:
    rc, out, err = run_cli("insights", "--index", sample_index_dir, "--json", "--since", "24h")
    assert (rc, err) == (0, "")
    data = json.loads(out)
    assert data["totals"] == {"questions": 5, "answered": 2, "abstained": 3, "helpful": 0,
                              "unhelpful": 1}
    assert data["channel"] is None and data["until"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert [(g["question"], g["count"], g["variants"]) for g in data["gaps"]] == [
        ("parking permit renewal", 2, ["how do I renew my parking permit?"]), (MARKUP, 1, [])]
    assert [(d["question"], d["channel"], d["comment"]) for d in data["disliked"]] == [
        ("what is DGX?", "slack", COMMENT)]


def test_without_an_index_gaps_are_grouped_by_their_words(env: Path, run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    rc, out, err = run_cli("insights", "--index", tmp_path / "none", "--top", "5")
    assert rc == 0
    assert err == (f"note: no index in {tmp_path / 'none'}: gaps are grouped by their words "
                   f"only, without suggested sections\n")
    lines = _lines(out)
    for question in ("parking permit renewal", "how do I renew my parking permit?", MARKUP):
        assert any(line.startswith(f"{question} 1 ") and line.endswith(" —") for line in lines)


@pytest.mark.parametrize(("args", "error"), [
    (["--since", "7x"], "Error: Invalid value for --since: '7x' is neither a duration like "
                        "7d, 24h or 2w nor a date like 2024-05-31"),
    (["--until", "2024-02-30"], "Error: Invalid value for --until: '2024-02-30' is not a "
                                "date like 2024-05-31"),
    (["--since", "2024-06-01", "--until", "2024-05-31"],
     "Error: Invalid value for --since: '2024-06-01' starts after --until ends"),
    (["--channel", "email"], "Error: Invalid value for '--channel': 'email' is not one of "
                             "'widget', 'slack', 'api', 'all'."),
])
def test_a_bad_range_or_channel_is_one_line(env: Path, run_cli: RunCli, args: list[str],
                                            error: str) -> None:
    rc, out, err = run_cli("insights", *args)
    assert (rc, out) == (2, "")
    assert [line for line in err.splitlines() if line.startswith("Error")] == [error]
    assert err.strip().splitlines()[-1] == error and "Traceback" not in err


def test_a_missing_log_file_is_one_line_and_left_uncreated(env: Path, run_cli: RunCli,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    missing = tmp_path / "elsewhere" / "feedback.sqlite3"
    monkeypatch.setenv("GOVQA_FEEDBACK_DB", str(missing))
    rc, out, err = run_cli("insights")
    assert (rc, out) == (2, "")
    assert err == (f"error: no question log at {missing}: set GOVQA_FEEDBACK_DB to the file "
                   f"`govqa serve` writes, or GOVQA_DATABASE_URL\n")
    assert not missing.parent.exists()


def test_durations_and_dates() -> None:
    now = 1_717_200_000.0 + 3_600  # 2024-06-01 01:00 UTC
    day = 86_400
    midnight = 1_717_200_000
    assert parse_range("7d", None, now) == (midnight - 6 * day, midnight + day)
    assert parse_range("2w", None, now) == (midnight - 13 * day, midnight + day)
    assert parse_range("24h", None, now) == (now - day, midnight + day)
    assert parse_range("2024-05-01", "2024-05-31", now) == (
        midnight - 31 * day, midnight)
    assert parse_range("3d", "2024-05-31", now) == (midnight - 3 * day, midnight)
