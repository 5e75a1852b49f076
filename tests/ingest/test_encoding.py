"""Text that is not quite UTF-8 keeps its page, with one warning; binary input is skipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.pipeline import PageWarning, Skipped, ingest_sources

# A Latin-1 "é" (0xE9) in an otherwise UTF-8 page: one stray byte.
CANTEEN = (b"---\ntitle: Canteen\npermalink: /canteen/\nvariant: tiptap\n---\n"
           b"<h2>Opening hours</h2><p>The Caf\xe9 at Block 5 opens from 8am to 6pm on "
           b"weekdays.</p><p>Staff pay with their staff cards.</p>\n")
OPENING = "The Caf\ufffd at Block 5 opens from 8am to 6pm on weekdays."
REPLACED = "invalid UTF-8: 1 byte sequence replaced with U+FFFD"


def test_a_bad_byte_is_replaced_and_the_page_kept(tmp_path: Path) -> None:
    path = tmp_path / "canteen.md"
    path.write_bytes(CANTEEN)
    result = ingest_sources([str(path)])
    assert result.skipped == []
    assert [(c.section, c.anchor, c.text) for c in result.chunks] == [
        (["Canteen", "Opening hours"], "opening-hours",
         f"{OPENING}\nStaff pay with their staff cards.")]
    assert result.warnings == [PageWarning(str(path), REPLACED)]


def test_several_bad_bytes_are_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "canteen.md"
    path.write_bytes(CANTEEN.replace(b"Staff", b"Staff\x92s").replace(b"Block", b"Bl\xf6ck"))
    result = ingest_sources([str(path)])
    assert [c.text for c in result.chunks] == [
        "The Caf\ufffd at Bl\ufffdck 5 opens from 8am to 6pm on weekdays.\n"
        "Staff\ufffds pay with their staff cards."]
    assert result.warnings == [PageWarning(
        str(path), "invalid UTF-8: 3 byte sequences replaced with U+FFFD")]


@pytest.mark.parametrize("data", [
    b"---\ntitle: Nul\n---\n<p>Text \x00 with a NUL.</p>\n",
    b"---\ntitle: Controls\n---\n" + bytes(range(1, 9)) * 2 + b"<p>Text.</p>\n",
    b"\x89PNG\r\n" + bytes(range(0x80, 0x100)) * 4,  # no NUL, and hardly any UTF-8
], ids=["nul", "control characters", "not utf-8 at all"])
def test_binary_input_is_still_skipped(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(data)
    result = ingest_sources([str(path)])
    assert (result.pages, result.warnings) == ([], [])
    assert result.skipped == [Skipped(str(path), "binary file, not a text page")]


def test_the_page_with_a_bad_byte_is_indexed_and_answers(
        tmp_path: Path, run_cli: Callable[..., tuple[int, str, str]]) -> None:
    from retriever.engine import Engine

    path = tmp_path / "canteen.md"
    path.write_bytes(CANTEEN)
    rc, out, err = run_cli("ingest", path, "--index", tmp_path / "index")
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        "read 1 page, 1 chunks: 1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped, "
        "1 warning",
        f"warning {path}: {REPLACED}",
    ]
    answer = Engine.load(tmp_path / "index").ask("What time does the canteen at Block 5 open?")
    assert (answer.answered, answer.answer) == (True, OPENING)
    assert [(c.url, c.quote) for c in answer.citations] == [
        ("https://www.tech.gov.sg/canteen/#opening-hours", OPENING)]
