"""What every format's parser gives back: a page cut into sections, or the reason to skip it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ingest.html_blocks import Section


class SkipPage(Exception):  # noqa: N818 - it is a reason to skip, not an error
    """The source is not a page we can read; the message is the one-line reason."""


@dataclass
class ParsedPage:
    title: str
    permalink: str
    description: str
    format: str
    sections: list[Section]


def permalink_from_path(rel_path: str) -> str:
    """A permalink for a file without one: its path, slugged, as Jekyll would."""
    path = PurePosixPath(rel_path.replace("\\", "/"))
    parts = [p.lstrip("_") for p in path.with_suffix("").parts if p not in ("", ".", "/")]
    if parts and parts[-1].lower() == "index":
        parts = parts[:-1]
    slugged = [re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts]
    slugged = [p for p in slugged if p]
    return "/" + "/".join(slugged) + ("/" if slugged else "")


def norm_permalink(value: Any) -> str:
    link = str(value or "").strip()
    if not link:
        return ""
    if not link.startswith(("/", "http://", "https://")):
        link = "/" + link
    return link
