"""Sources: files, directories (recursive), live page URLs and sitemap.xml crawls."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ingest.formats import MAX_BYTES
from ingest.records import Document, Item

PAGE_SUFFIXES = {".md", ".markdown", ".html", ".htm", ".json"}
# Folders of a Jekyll/Isomer checkout that hold templates, styles, data or build output,
# never pages (collections such as _about-us do hold pages, so "_" alone says nothing).
SKIP_DIRS = {"_layouts", "_includes", "_sass", "_site", "_data", "_plugins", "node_modules",
             "vendor", "assets", "misc"}


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "of an unknown kind")


def _read_file(path: Path, rel: str) -> Item:
    """A regular file's bytes, at most MAX_BYTES of them. The read itself is bounded, and the
    check is made on the opened file: a name can point at /dev/zero (whose stat size is 0)
    or at a FIFO, which O_NONBLOCK opens without waiting for a writer."""
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        with contextlib.suppress(OSError):  # a socket cannot be opened at all: say what it is
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                return source, f"not a regular file: {_kind(mode)}"
        return source, f"cannot read file: {exc.strerror or exc}"
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return source, f"not a regular file: {_kind(mode)}"
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            size = max(os.fstat(fd).st_size, len(data))
            return source, f"file over 5 MB ({size / 1_048_576:.1f} MB)"
        return Document(source=source, data=data, rel_path=rel)
    except OSError as exc:
        return source, f"cannot read file: {exc.strerror or exc}"
    finally:
        os.close(fd)


def iter_directory(root: Path) -> Iterator[Item]:
    """Page files under a directory, in a stable order; hidden entries are left out."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in PAGE_SUFFIXES:
                continue
            path = Path(dirpath) / name
            yield _read_file(path, path.relative_to(root).as_posix())


def read_sources(sources: list[str], progress: bool = False, timeout: float | None = None
                 ) -> Iterator[Item]:
    """Every document the sources name, or a (source, reason) for those that fail."""
    for source in sources:
        if source.startswith(("http://", "https://")):
            from ingest.web import DEFAULT_TIMEOUT, fetch_url_source

            yield from fetch_url_source(source, progress=progress,
                                        timeout=timeout or DEFAULT_TIMEOUT)
            continue
        path = Path(source).expanduser()
        if path.is_dir():
            yield from iter_directory(path.resolve())
        elif path.is_file():
            yield _read_file(path.resolve(), path.name)
        elif path.exists():
            yield source, f"not a regular file: {_kind(path.stat().st_mode)}"
        else:
            yield source, "no such file or directory"
