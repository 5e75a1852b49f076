"""`govqa ask` end to end: answers, JSON, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def govqa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govqa.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_ask_prints_answer_and_citation(sample_index_dir: Path) -> None:
    out = govqa("ask", "which countries attended DGX?", "--index", str(sample_index_dir))
    assert out.returncode == 0, out.stderr
    assert "Australia" in out.stdout
    assert "International Collaboration › Digital Government Exchange (DGX)" in out.stdout
    lines = out.stdout.splitlines()
    assert ("  https://www.tech.gov.sg/products-and-services/collaborate-with-us/"
            "international-collaboration/#digital-government-exchange-dgx") in lines
    assert any(line.startswith("  highlight: https://www.tech.gov.sg/") and "#:~:text=" in line
               for line in lines)


def test_ask_json_is_the_api_answer(sample_index_dir: Path, sample_engine) -> None:  # type: ignore[no-untyped-def]
    out = govqa("ask", "which countries attended DGX?", "--index", str(sample_index_dir),
                "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    expected = sample_engine.ask("which countries attended DGX?").to_dict()
    for volatile in ("conversation_id", "took_ms", "turn"):
        data.pop(volatile)
        expected.pop(volatile)
    assert data == expected


@pytest.mark.parametrize(("question", "message"), [
    ("", "the question is empty"),
    ("   \t ", "the question is empty"),
    ("x" * 1001, "the question is 1001 characters long; the limit is 1000"),
])
def test_bad_questions_get_one_line(sample_index_dir: Path, question: str,
                                    message: str) -> None:
    out = govqa("ask", question, "--index", str(sample_index_dir))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {message}")
    assert "Traceback" not in out.stderr


def test_missing_index_gets_one_line(tmp_path: Path) -> None:
    out = govqa("ask", "what is DGX?", "--index", str(tmp_path / "none"))
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "no index in" in out.stderr and "govqa ingest" in out.stderr
    assert "Traceback" not in out.stderr


def test_corrupt_index_gets_one_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    out = govqa("ask", "what is DGX?", "--index", str(tmp_path))
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "cannot be read" in out.stderr
    assert "Traceback" not in out.stderr
