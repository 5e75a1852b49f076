"""Hostile page files: each keeps the run going, and only the bad value is lost, never the page."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from ingest.chunker import MAX_CHARS_PER_PIECE, MAX_TOKENS, token_counter
from ingest.pipeline import Skipped, ingest_sources

GOOD = "---\ntitle: Good Page\npermalink: /good/\nvariant: tiptap\n---\n<p>Real text.</p>\n"


def _page(title: str, permalink: str, body: str) -> str:
    return f"---\ntitle: {title}\npermalink: {permalink}\nvariant: tiptap\n---\n{body}\n"


def _alias_bomb() -> str:
    """The "billion laughs": nine levels of nine aliases, 9**9 items once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "---\n" + "\n".join(lines) + "\ntitle: *i\npermalink: /bomb/\n---\n<p>Boom.</p>\n"


@pytest.mark.timeout(60)
def test_yaml_alias_bomb_and_oversized_front_matter_are_skipped(tmp_path: Path) -> None:
    bomb = _alias_bomb()
    assert len(bomb.encode()) < 400
    (tmp_path / "a-good.md").write_text(GOOD)
    (tmp_path / "bomb.md").write_text(bomb)
    fat = "---\ntitle: Fat\nnotes: " + "x" * 70_000 + "\n---\n<p>x</p>\n"
    (tmp_path / "fat.md").write_text(fat)
    (tmp_path / "fat.md").write_text(fat)
    result = ingest_sources([str(tmp_path)])
    assert [p.title for p in result.pages] == ["Good Page"]
    assert result.skipped == [
        Skipped(str(tmp_path / "bomb.md"),
                "broken front matter: YAML aliases (*name) are not allowed"),
        Skipped(str(tmp_path / "fat.md"), "front matter over 64 KB (68 KB)"),
    ]


@pytest.mark.timeout(60)
def test_devices_fifos_and_sockets_are_skipped_not_read(tmp_path: Path) -> None:
    import socket

    (tmp_path / "a-good.md").write_text(GOOD)
    (tmp_path / "zero.md").symlink_to("/dev/zero")  # stat size 0: only a bounded read is safe
    os.mkfifo(tmp_path / "pipe.md")  # opening it blocking would wait for a writer forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.md"))
    try:
        result = ingest_sources([str(tmp_path), str(tmp_path / "pipe.md")])
    finally:
        sock.close()
    assert [p.title for p in result.pages] == ["Good Page"]
    assert result.skipped == [
        Skipped(str(tmp_path / "pipe.md"), "not a regular file: a FIFO"),
        Skipped(str(tmp_path / "sock.md"), "not a regular file: a socket"),
        Skipped(str(tmp_path / "zero.md"), "not a regular file: a character device"),
        Skipped(str(tmp_path / "pipe.md"), "not a regular file: a FIFO"),
    ]


def test_a_regular_file_over_the_limit_is_measured_by_what_is_read(tmp_path: Path) -> None:
    with open(tmp_path / "huge.md", "wb") as fh:
        fh.write(b"---\ntitle: Huge\n---\n" + b"x" * (5 * 1024 * 1024))
    result = ingest_sources([str(tmp_path / "huge.md")])
    assert result.pages == []
    assert result.skipped == [Skipped(str(tmp_path / "huge.md"), "file over 5 MB (5.0 MB)")]


def test_escaped_emoji_in_front_matter_keeps_the_page(tmp_path: Path) -> None:
    (tmp_path / "pair.md").write_text(_page('"Smile \\ud83d\\ude00"', "/smile/",
                                            "<p>Real text about smiles.</p>"))
    (tmp_path / "lone.md").write_text(_page('"Half \\ud83d only"', "/half/",
                                            "<p>Real text about halves.</p>"))
    result = ingest_sources([str(tmp_path)])
    assert result.skipped == []
    assert sorted(p.title for p in result.pages) == ["Half \ufffd only", "Smile \U0001F600"]
    assert sorted(c.section[0] for c in result.chunks) == ["Half \ufffd only", "Smile \U0001F600"]


def test_isomer_json_with_bad_numbers_and_a_lone_surrogate_keeps_the_page(tmp_path: Path) -> None:
    def text(value: str) -> list[dict[str, str]]:
        return [{"type": "text", "text": value}]

    def cell(kind: str, value: str, **attrs: str) -> dict[str, object]:
        return {"type": kind, "attrs": attrs, "content": [{"type": "paragraph",
                                                          "content": text(value)}]}

    page = {
        "version": "0.1.0", "layout": "content",
        "page": {"title": "Fees", "permalink": "/fees/"},
        "content": [{"type": "prose", "content": [
            {"type": "heading", "attrs": {"level": "two"}, "content": text("What it costs")},
            {"type": "paragraph", "content": text("Each licence costs $50 \ud83d a year.")},
            {"type": "table", "content": [
                {"type": "tableRow", "content": [cell("tableHeader", "Plan", colspan="wide"),
                                                 cell("tableHeader", "Fee")]},
                {"type": "tableRow", "content": [cell("tableCell", "Basic", rowspan="x"),
                                                 cell("tableCell", "$50")]},
            ]},
        ]}],
    }
    (tmp_path / "fees.json").write_text(json.dumps(page))  # ensure_ascii: "\ud83d" escaped
    result = ingest_sources([str(tmp_path / "fees.json")])
    assert result.skipped == []
    assert [(c.section, c.text) for c in result.chunks] == [
        (["Fees", "What it costs"],
         "Each licence costs $50 \ufffd a year.\nPlan: Basic; Fee: $50"),
    ]


@pytest.mark.timeout(60)
def test_ten_thousand_nested_divs_keep_their_text(tmp_path: Path) -> None:
    body = "<div>" * 10_000 + "<p>Deep text is here.</p>" + "</div>" * 10_000
    (tmp_path / "deep.md").write_text(_page("Deep", "/deep/", body))
    result = ingest_sources([str(tmp_path / "deep.md")])
    assert result.skipped == []
    assert [(c.section, c.text) for c in result.chunks] == [(["Deep"], "Deep text is here.")]


def test_a_run_without_spaces_is_split_within_the_window(tmp_path: Path) -> None:
    # 64,000 characters without a space (one [UNK] to the tokenizer), none repeated.
    run = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(1000))
    (tmp_path / "run.md").write_text(_page("Run", "/run/", f"<p>Before. {run} After.</p>"))
    result = ingest_sources([str(tmp_path / "run.md")])
    count = token_counter()
    chunks = result.chunks
    assert [len(c.text) for c in chunks] == [7] + [2000] * 31 + [2007]  # "Before.", …, "… After."
    # Each within the window, and within MAX_CHARS_PER_PIECE characters per word piece.
    assert all(count(c.text) <= MAX_TOKENS for c in chunks)
    assert all(len(c.text) // MAX_CHARS_PER_PIECE <= MAX_TOKENS for c in chunks)
    # Nothing is lost: the chunks, in order, are the paragraph.
    assert "".join(c.text for c in chunks).replace(" ", "") == f"Before.{run}After."
