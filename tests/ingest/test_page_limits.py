"""Pages built to exhaust ingest: the sections and sentences kept per page are capped, with
one warning naming the page, and every sectioning path stays linear in the page's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.chunker import MAX_SENTENCES
from ingest.html_blocks import MAX_SECTIONS
from ingest.pipeline import PageWarning, ingest_sources

HEADINGS = 100_000
SECTIONS_CAPPED = f"over {MAX_SECTIONS:,} sections: only the first {MAX_SECTIONS:,} are indexed"


def _front(title: str, permalink: str, variant: str) -> str:
    return f"---\ntitle: {title}\npermalink: {permalink}\nvariant: {variant}\n---\n"


def markdown_page(n: int) -> tuple[str, str]:
    return "many.md", _front("Many", "/many/", "markdown") + "".join(
        f"## H\n\nText {i}.\n\n" for i in range(n))


def isomer_json_page(n: int) -> tuple[str, str]:
    def text(value: str) -> list[dict[str, str]]:
        return [{"type": "text", "text": value}]

    blocks = []
    for i in range(n):
        blocks += [{"type": "heading", "attrs": {"level": 2}, "content": text("H")},
                   {"type": "paragraph", "content": text(f"Text {i}.")}]
    page = {"layout": "content", "page": {"title": "Many", "permalink": "/many/"},
            "content": [{"type": "prose", "content": blocks}]}
    return "many.json", json.dumps(page, separators=(",", ":"))


def rendered_page(n: int) -> tuple[str, str]:
    body = "".join(f"<h2>H</h2><p>Text {i}.</p>" for i in range(n))
    return "many.html", ("<!DOCTYPE html><html><head><title>Many</title></head><body><main>"
                         f"<h1>Many</h1>{body}</main></body></html>")


def _first_sections(n: int) -> list[tuple[list[str], str, str]]:
    return [(["Many", "H"], "h" if i == 0 else f"h-{i}", f"Text {i}.") for i in range(n)]


def _write(folder: Path, page: tuple[str, str]) -> Path:
    path = folder / page[0]
    path.write_text(page[1])
    return path


@pytest.mark.timeout(300)
def test_a_hundred_thousand_markdown_headings_are_capped_with_one_warning(
        tmp_path: Path) -> None:
    path = _write(tmp_path, markdown_page(HEADINGS))
    assert 1_800_000 < path.stat().st_size < 2_000_000  # the probe's page: 1.9 MB
    # The real CLI in a process of its own, so that its peak memory is its own.
    out, err = tmp_path / "out", tmp_path / "err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "govqa.cli", "ingest", str(path), "--dry-run", "--json",
             "--index", str(tmp_path / "ix")], stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, err.read_text()
    chunks = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(c["section"], c["anchor"], c["text"]) for c in chunks] == \
        _first_sections(MAX_SECTIONS)
    assert err.read_text().splitlines() == [
        f"read 1 page, {MAX_SECTIONS} chunks: 1 added, 0 updated, 0 unchanged, 0 removed, "
        "0 skipped, 1 warning (dry run: nothing written)",
        f"warning {path}: {SECTIONS_CAPPED}",
    ]
    # A bound far from what it takes (about 0.4 GiB): the page is parsed whole, once.
    assert usage.ru_maxrss * 1024 < 1.5 * 1024 ** 3


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("make", "headings"), [(isomer_json_page, 30_000),  # 4.4 MB
                                                (rendered_page, HEADINGS)])
def test_many_headings_are_capped_in_every_format(
        tmp_path: Path, make: Callable[[int], tuple[str, str]], headings: int) -> None:
    path = _write(tmp_path, make(headings))
    result = ingest_sources([str(path)])
    assert result.skipped == []
    assert [(c.section, c.anchor, c.text) for c in result.chunks] == \
        _first_sections(MAX_SECTIONS)
    assert result.warnings == [PageWarning(str(path), SECTIONS_CAPPED)]


def test_the_sentence_cap_cuts_at_a_sentence(tmp_path: Path) -> None:
    # Two sections of short sentences, the second crossing the cap.
    first = " ".join(f"First {i} ends." for i in range(MAX_SENTENCES - 3))
    second = " ".join(f"Second {i} ends." for i in range(20))
    path = tmp_path / "long.md"
    path.write_text(_front("Long", "/long/", "markdown") + f"## A\n\n{first}\n\n## B\n\n{second}\n")
    result = ingest_sources([str(path)])
    sentences = [s for c in result.chunks for s in c.sentence_texts()]
    assert sentences == [f"First {i} ends." for i in range(MAX_SENTENCES - 3)] + [
        f"Second {i} ends." for i in range(3)]
    assert result.chunks[-1].text.endswith("Second 2 ends.")
    (page,) = result.pages
    assert page.text.endswith("Second 2 ends.")  # the page holds what is indexed, no more
    assert all(page.text[c.start:c.end] == c.text for c in result.chunks)
    assert result.warnings == [PageWarning(
        str(path), f"over {MAX_SENTENCES:,} sentences: only the first {MAX_SENTENCES:,} "
                   "are indexed")]


def test_a_page_within_the_caps_has_no_warning(sample) -> None:
    assert sample.warnings == []


# -- linear time: shapes whose sectioning once went quadratic ---------------------------------

def _accordions(n: int) -> str:
    # CSS-only accordions: a hidden checkbox, its label, then the content.
    return _front("Questions", "/questions/", "markdown") + "".join(
        f'<input type="checkbox" id="q{i}"><label for="q{i}">Question {i}</label>'
        f"<div><p>Answer {i}.</p></div>\n" for i in range(n))


@pytest.mark.timeout(60)
def test_twenty_thousand_checkbox_accordions_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "questions.md"
    path.write_text(_accordions(20_000))
    result = ingest_sources([str(path)])
    assert [(c.section, c.anchor, c.text) for c in result.chunks] == [
        (["Questions", f"Question {i}"], f"question-{i}", f"Answer {i}.")
        for i in range(MAX_SECTIONS)]
    assert result.warnings == [PageWarning(str(path), SECTIONS_CAPPED)]


@pytest.mark.timeout(60)
def test_two_hundred_thousand_navigation_blocks_are_stripped_in_linear_time(
        tmp_path: Path) -> None:
    path = tmp_path / "chrome.html"
    # Each removed element sits after the kept ones before it (a <br>), so finding its place
    # among its siblings, as bs4 does, is a scan that grows along the page.
    path.write_text(
        "<!DOCTYPE html><html><head><title>Chrome</title></head><body><main><h1>Chrome</h1>"
        "<p>Before the menus.</p>" + "<nav>m</nav><br>" * 120_000
        + "<div class='share'>s</div><br>" * 80_000
        + "<p>After the menus.</p></main></body></html>")
    result = ingest_sources([str(path)])
    assert [(c.section, c.text) for c in result.chunks] == [
        (["Chrome"], "Before the menus.\nAfter the menus.")]
    assert result.warnings == []


@pytest.mark.timeout(60)
def test_deep_and_wide_nesting_is_flattened_in_linear_time(tmp_path: Path) -> None:
    # 70 levels (over the nesting cap of 64) holding 40,000 paragraphs side by side: past the
    # cap their text runs together, as it always has.
    body = "<div>" * 70 + "".join(f"<p>Text {i}.</p>" for i in range(40_000)) + "</div>" * 70
    path = tmp_path / "wide.md"
    path.write_text(_front("Wide", "/wide/", "tiptap") + body)
    result = ingest_sources([str(path)])
    assert result.skipped == [] and result.warnings == []
    assert "".join(c.text for c in result.chunks).replace(" ", "") == "".join(
        f"Text{i}." for i in range(40_000))
    assert {tuple(c.section) for c in result.chunks} == {("Wide",)}
