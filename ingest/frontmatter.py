"""YAML front matter: split a page file into its metadata and its body."""

from __future__ import annotations

import re
from typing import Any

import yaml

_FENCE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                    re.S | re.M)


class FrontMatterError(ValueError):
    """The front matter is present but is not valid YAML (or not a mapping)."""


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str]:
    """(metadata, body); metadata is None when the file has no front matter at all."""
    match = _FENCE.match(text)
    if match is None:
        if text.lstrip("\ufeff").startswith("---"):
            raise FrontMatterError("broken front matter: not closed by a '---' line")
        return None, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise FrontMatterError(f"broken front matter{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError("broken front matter: not a mapping of keys to values")
    return data, text[match.end():]
