"""Faults during `govqa ingest`: kill -9 at several points, a write that fails. The previous
version keeps serving, and the next run clears what the broken one left."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import DEFAULT_SOURCE
from retriever.engine import Engine

EXTRA = ("---\ntitle: Extra Page\npermalink: /extra/\nvariant: tiptap\n---\n"
         "<h2>Opening hours</h2><p>The extra office opens at 9 am on weekdays.</p>\n")


def _ingest(index: Path, extra: Path, **popen: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "govqa.cli", "ingest", str(DEFAULT_SOURCE), str(extra),
         "--index", str(index)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def _wait_for(proc: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float = 120.0
              ) -> bool:
    """Poll until `ready()`; False if the run ended first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None:
        if ready():
            return True
        assert time.monotonic() < deadline, "the ingest neither reached the point nor ended"
        time.sleep(0.002)
    return False


def _live_version(index: Path) -> str:
    return os.readlink(index / "current")


def _one_line_write_error(proc: subprocess.Popen[bytes], err: bytes, index: Path) -> None:
    # What failed in the middle depends on which write hit the wall (numpy says how many
    # bytes it got out, the OS says "No space left on device").
    assert proc.returncode == 2
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith(f"error: could not write the index in {index}: ")
    assert line.endswith("; the previous version is still the live one")


def _leftovers(index: Path) -> list[str]:
    return sorted([p.name for p in (index / "versions").glob(".tmp-*")]
                  + [p.name for p in index.glob(".current.*")])


@pytest.fixture
def extra_page(tmp_path: Path) -> Path:
    path = tmp_path / "extra.md"
    path.write_text(EXTRA)
    return path


KILL_POINTS = {
    # While pages are read and embedded: nothing is written yet.
    "reading": lambda index: True,
    # A temporary version folder exists and is being filled.
    "writing": lambda index: any((index / "versions").glob(".tmp-*/pages.jsonl")),
    # The encoder is being linked in, the manifest comes next.
    "finishing": lambda index: any((index / "versions").glob(".tmp-*/encoder")),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_leaves_the_old_version_serving(index_copy: Path, extra_page: Path,
                                              point: str) -> None:
    before = _live_version(index_copy)
    proc = _ingest(index_copy, extra_page)
    reached = _wait_for(proc, lambda: KILL_POINTS[point](index_copy))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    if reached:
        assert _live_version(index_copy) == before, "current moved before the build finished"
    # Whatever was live serves: it loads whole and answers.
    engine = Engine.load(index_copy)
    assert engine.ask("which countries attended DGX?").answered
    # The next run clears the broken run's folders and links, and goes live.
    done = _ingest(index_copy, extra_page)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()
    assert _leftovers(index_copy) == []
    assert _live_version(index_copy) != before
    assert Engine.load(index_copy).ask("when does the extra office open?").answered


def test_a_failed_write_is_one_line_and_changes_nothing(index_copy: Path, extra_page: Path
                                                        ) -> None:
    """A write that fails part-way (here RLIMIT_FSIZE, so a file over 64 KB cannot be written:
    the same OSError path a full disk takes, without needing root for a small tmpfs)."""
    before = _live_version(index_copy)

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write(2), not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = _ingest(index_copy, extra_page, preexec_fn=limit_file_size)
    _out, err = proc.communicate(timeout=300)
    _one_line_write_error(proc, err, index_copy)
    assert _live_version(index_copy) == before
    assert _leftovers(index_copy) == []
    assert Engine.load(index_copy).ask("which countries attended DGX?").answered


@pytest.fixture
def small_disk(tmp_path: Path, sample_index_dir: Path) -> Iterator[Path]:
    """A tmpfs with room for the index as it is and 4 MB more: a new version cannot fit."""
    size = sum(p.stat().st_size for p in sample_index_dir.rglob("*") if p.is_file())
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size + 4 * 1024 * 1024}",
                           "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.strip()}); "
                    "test_a_failed_write_is_one_line_and_changes_nothing covers the path")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_during_the_write_changes_nothing(small_disk: Path, sample_index_dir: Path,
                                                      extra_page: Path) -> None:
    index = small_disk / "index"
    shutil.copytree(sample_index_dir, index, symlinks=True)
    before = _live_version(index)
    proc = _ingest(index, extra_page)
    _out, err = proc.communicate(timeout=300)
    _one_line_write_error(proc, err, index)
    assert _live_version(index) == before
    assert _leftovers(index) == []
    assert Engine.load(index).ask("which countries attended DGX?").answered
