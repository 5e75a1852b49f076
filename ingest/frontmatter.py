"""YAML front matter: split a page file into its metadata and its body."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ingest.text import repair_surrogate_escapes

MAX_FRONT_MATTER = 64 * 1024  # real pages carry a few hundred bytes of metadata
# The C loader where PyYAML has it: the same safe constructors, parsed in C.
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
    source = repair_surrogate_escapes(match.group(1), combine=True)
    if len(source) > MAX_FRONT_MATTER:
        raise FrontMatterError(f"front matter over {MAX_FRONT_MATTER // 1024} KB "
                               f"({len(source) // 1024} KB)")
    try:
        _refuse_aliases(source)
        data = yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader, aliases refused
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


def _refuse_aliases(source: str) -> None:
    """Page metadata never needs YAML aliases, and a few hundred bytes of nested aliases
    expand to billions of items (the "billion laughs"): refuse them before anything is
    built, from the parser's events alone."""
    for event in yaml.parse(source, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise FrontMatterError("broken front matter: YAML aliases (*name) are not allowed")
