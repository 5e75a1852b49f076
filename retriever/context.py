"""What every answer stage needs about one question, computed once: the question's terms,
weights, cues and vector, and the products of each retrieved section against it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.records import Chunk
from retriever.lexicon import ChunkTerms, Lexicon
from retriever.question import Cues, is_list_question, read_question
from retriever.records import Hit
from retriever.search import LoadedIndex
from retriever.terms import terms


@dataclass
class Section:
    """One retrieved section against the question: the same for the rerank and the reader."""

    pos: int  # the chunk's position in the index
    chunk: Chunk
    views: np.ndarray  # sentences x 3 cosines: under its title, alone, with its neighbours
    chunk_sim: float  # cosine(question, the whole section)
    terms: ChunkTerms
    sentence_cov: list[float]  # per sentence: the IDF-weighted share of the question's terms
    chunk_cov: float  # that share over the section's text and titles
    title_cov: float  # ... over its path below the page title
    missing_idf: float  # rarest question term the section lacks, over the rarest overall


@dataclass
class QuestionContext:
    """One question as the engine reads it. Built by `Engine.context`."""

    text: str  # the question as asked, whitespace normalised
    query: str  # what is searched and read: the follow-up resolved, shorthand spelled out
    resolved: str | None  # the follow-up rewritten with the conversation's topic, if it was
    qvec: np.ndarray
    index: LoadedIndex
    lexicon: Lexicon
    terms: list[str] = field(init=False)
    weights: dict[str, float] = field(init=False)  # IDF per distinct term
    rarest: float = field(init=False)  # the highest IDF among them
    oov: float = field(init=False)  # share of the terms that no page uses at all
    cues: Cues = field(init=False)  # the answer type, acronyms, numbers, tense it asks about
    list_question: bool = field(init=False)
    _sections: dict[int, Section] = field(init=False, repr=False)
    _items: list[tuple[str, float]] = field(init=False, repr=False)
    _total: float = field(init=False, repr=False)
    _on_pages: list[tuple[str, float]] = field(init=False, repr=False)  # terms pages use

    def __post_init__(self) -> None:
        self.terms = terms(self.query)
        self.weights = self.lexicon.weights(self.terms)
        # What every coverage sums over, in the weights' order, so each sum is the same.
        self._items = list(self.weights.items())
        self._total = sum(self.weights.values())
        self._on_pages = [(t, w) for t, w in self._items if self.lexicon.known(t)]
        self.rarest = max(self.weights.values(), default=1.0) or 1.0
        distinct = set(self.terms)
        self.oov = (sum(1 for t in distinct if not self.lexicon.known(t)) / len(distinct)
                    if distinct else 1.0)
        self.cues = read_question(self.query)
        self.list_question = is_list_question(self.query)
        self._sections = {}

    def coverage(self, present: set[str]) -> float:
        """The IDF-weighted share of the question's terms found in `present`."""
        total = self._total
        return sum([w for t, w in self._items if t in present]) / total if total else 0.0

    def section(self, hit: Hit) -> Section:
        """The section's products, computed on first use: the rerank reads twenty sections
        and the sentence scorer reads five of the same."""
        index = self.index
        pos = index.chunk_position(hit.chunk.id)
        found = self._sections.get(pos)
        if found is not None:
            return found
        lo, hi = int(index.sentence_offsets[pos]), int(index.sentence_offsets[pos + 1])
        known = self.lexicon.chunk_terms(pos)
        missing = max([w for t, w in self._on_pages if t not in known.everything], default=0.0)
        # The question's terms this section has, in the weights' order: each coverage below
        # sums the same weights in the same order as ctx.coverage would, over fewer terms.
        local = [(t, w) for t, w in self._items if t in known.everything]
        total = self._total or 1.0
        found = Section(
            pos=pos, chunk=hit.chunk,
            views=index.sentence_vectors[lo:hi] @ self.qvec,
            chunk_sim=float(index.chunk_vectors[pos] @ self.qvec),
            terms=known,
            sentence_cov=[sum([w for t, w in local if t in s]) / total if local else 0.0
                          for s in known.sentences],
            chunk_cov=sum([w for _, w in local]) / total if local else 0.0,
            title_cov=self.coverage(known.titles),
            missing_idf=missing / self.rarest,
        )
        self._sections[pos] = found
        return found
