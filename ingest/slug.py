"""Section anchors: the slug a heading gets as an `id` when the site renders it."""

from __future__ import annotations

import re
import unicodedata

# GitHub/kramdown-style ids (the Jekyll pipeline Isomer sites are built on): lowercase,
# punctuation dropped, each space a hyphen. Digits are kept (kramdown would strip a
# leading "1." and turn "2022" into "section"; GitHub-style keeps them meaningful).
_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).strip().lower()
    text = re.sub(r"\s+", " ", text)
    text = _DROP.sub("", text).replace("_", "")
    text = text.strip().replace(" ", "-")
    return re.sub(r"-{2,}", "-", text).strip("-")


class SlugRegistry:
    """Unique anchors within one page: a repeated slug gets -1, -2, ... as GitHub does."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def anchor(self, title: str) -> str:
        base = slugify(title)
        if not base:
            return ""
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"
