"""The index's lexical side for answer scoring: each section's terms, cached, and IDF weights."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from retriever.search import LoadedIndex
from retriever.terms import terms


@dataclass
class ChunkTerms:
    """A chunk's lexical terms, computed once per index version rather than per question."""

    titles: set[str]  # the section path below the page title
    everything: set[str]  # titles and text
    sentences: list[set[str]]
    topic: set[str]  # the whole section path, page title included
    page: set[str]  # the page title
    parents: set[str]  # the headings between the page title and the section's own
    captions: list[bool]  # per sentence: a line with no closing punctuation


def coverage(weights: dict[str, float], present: set[str]) -> float:
    """The IDF-weighted share of the question's terms found in `present`."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def _is_line(text: str, s: int, e: int) -> bool:
    before = text[:s].rstrip(" \t")
    after = text[e:].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))


def is_caption(text: str, s: int, e: int) -> bool:
    """A line of its own without closing punctuation: alt text, a label, a heading-like line."""
    line = text[s:e].rstrip()
    return _is_line(text, s, e) and not line.endswith((".", "!", "?", ":", ";", ")")) \
        and len(line.split()) <= 12


class Lexicon:
    """Term statistics of one loaded index, and each chunk's terms on first use."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self._terms: dict[int, ChunkTerms] = {}

    def chunk_terms(self, pos: int) -> ChunkTerms:
        cached = self._terms.get(pos)
        if cached is None:
            chunk = self.index.chunks[pos]
            titles = set(terms(" ".join(chunk.section[1:])))
            cached = ChunkTerms(titles, titles | set(terms(chunk.text)),
                                [set(terms(t)) for t in chunk.sentence_texts()],
                                set(terms(" ".join(chunk.section))),
                                set(terms(chunk.page_title)),
                                set(terms(" ".join(chunk.section[1:-1]))),
                                [is_caption(chunk.text, s, e) for s, e in chunk.sentences])
            self._terms[pos] = cached  # racing threads compute the same value: harmless
        return cached

    def weights(self, qterms: Iterable[str]) -> dict[str, float]:
        """Each distinct question term's IDF: how much finding it says."""
        return {t: self.index.idf(t) for t in set(qterms)}

    def known(self, term: str) -> bool:
        """Whether any page uses the term at all."""
        return term in self.index.doc_freq
