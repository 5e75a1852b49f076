"""The pages' outline: each section's parent, its lead-in and its children, from the chunks."""

from __future__ import annotations

from ingest.records import Chunk

Key = tuple[str, tuple[str, ...]]  # (page URL, section path)


def _key(chunk: Chunk) -> Key:
    return chunk.page_url, tuple(chunk.section)


class Outline:
    """Built once per index version from the chunks, in page order."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.positions = {c.id: i for i, c in enumerate(chunks)}
        self._first: dict[Key, int] = {}  # each section's first chunk
        self._children: dict[Key, list[int]] = {}  # a heading's children's first chunks
        self._headings: dict[str, list[tuple[str, ...]]] = {}  # each page's parent headings
        for pos, chunk in enumerate(chunks):
            key = _key(chunk)
            if key in self._first:
                continue
            self._first[key] = pos
            if len(chunk.section) >= 2:
                parent = (chunk.page_url, tuple(chunk.parent or chunk.section[:-1]))
                if parent not in self._children:
                    self._headings.setdefault(chunk.page_url, []).append(parent[1])
                self._children.setdefault(parent, []).append(pos)

    def section_start(self, pos: int) -> int:
        """The first chunk of the section chunk `pos` belongs to."""
        return self._first[_key(self.chunks[pos])]

    def parent_start(self, pos: int) -> int | None:
        """The first chunk of the parent section, when the parent has text of its own."""
        chunk = self.chunks[pos]
        if len(chunk.section) < 2:
            return None
        return self._first.get((chunk.page_url, tuple(chunk.parent or chunk.section[:-1])))

    def children(self, pos: int) -> list[int]:
        """The first chunk of each direct child section, in page order."""
        return list(self._children.get(_key(self.chunks[pos]), []))

    def siblings(self, pos: int) -> list[int]:
        """The first chunk of each section under the same parent, this one's included."""
        chunk = self.chunks[pos]
        if len(chunk.section) < 2:
            return [self.section_start(pos)]
        parent = (chunk.page_url, tuple(chunk.parent or chunk.section[:-1]))
        return list(self._children.get(parent, []))

    def groups(self, page_url: str) -> list[tuple[tuple[str, ...], list[int]]]:
        """Each heading of a page with sections under it (textless ones too), in page order,
        with its children's first chunks."""
        return [(path, list(self._children[(page_url, path)]))
                for path in self._headings.get(page_url, [])]

    def heading_start(self, page_url: str, path: tuple[str, ...]) -> int | None:
        """The first chunk of a heading's own text, or None for a heading without any."""
        return self._first.get((page_url, path))

    def opening(self, pos: int | None) -> str:
        """The first sentence of chunk `pos` (a heading's lead-in), or "" without one."""
        if pos is None or not self.chunks[pos].sentences:
            return ""
        chunk = self.chunks[pos]
        return chunk.text[slice(*chunk.sentences[0])]

    def lead_in(self, pos: int) -> str:
        """The parent heading's first sentence, for a section under a real heading (the
        page's own intro is every top section's parent, and would blur them all alike)."""
        return self.opening(self.parent_start(pos)) if len(self.chunks[pos].section) >= 3 \
            else ""

    def child_titles(self, pos: int) -> list[str]:
        return [self.chunks[c].section_title for c in self.children(pos)]

    def context_text(self, pos: int) -> str:
        """What retrieval reads of a section beyond its own text: the parent's lead-in,
        and the titles of its own children."""
        parts = [self.lead_in(pos), "; ".join(self.child_titles(pos))]
        return "\n".join(p for p in parts if p)
