"""Named features: each is one function, and a table's columns are looked up by name.

Sentence features score every sentence of the sections the engine reads; section features
order the sections retrieval found (the rerank). Each feature is computed for a whole
`Group` of sections at once. A calibration or rerank file stores the names it was fitted on,
in order, and is refused when they differ from these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from retriever.context import QuestionContext, Section
from retriever.lexicon import coverage
from retriever.question import expands, numbers_missing, tense_ok, type_ok
from retriever.records import Hit
from retriever.terms import terms

SHORT_CHARS = 40  # a fragment under this rarely answers anything


@dataclass
class Table:
    """Feature values, one row per candidate and one named column per feature."""

    names: tuple[str, ...]
    values: np.ndarray  # rows x names, float64

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def row(self, i: int) -> dict[str, float]:
        return dict(zip(self.names, self.values[i].tolist(), strict=True))

    def with_column(self, name: str, column: np.ndarray) -> Table:
        return Table((*self.names, name), np.hstack([self.values, column.reshape(-1, 1)]))


@dataclass
class Group:
    """Retrieved sections read together: BM25 is scaled within the group, and a sentence
    feature gives one value per sentence of all of them, in order."""

    hits: list[Hit]
    sections: list[Section]
    top_bm25: float  # the best BM25 score among the group, 1 when none has one
    sizes: list[int] = field(init=False)  # sentences per section

    def __post_init__(self) -> None:
        self.sizes = [len(s.views) for s in self.sections]

    def each(self, values: list[float]) -> np.ndarray:
        """One value per section, repeated for each of its sentences."""
        return np.repeat(np.array(values, dtype=np.float64), self.sizes)

    def sentences(self) -> list[str]:
        return [s.chunk.text[a:b] for s in self.sections for a, b in s.chunk.sentences]

    @property
    def fused(self) -> list[float]:
        """Reciprocal-rank-fusion scores, scaled to about [0, 1]: one first place in
        RRF(k=60) is about 0.5."""
        return [min(1.0, h.score * 30) for h in self.hits]

    @property
    def bm25(self) -> list[float]:
        return [(h.bm25 or 0.0) / self.top_bm25 for h in self.hits]


def group(ctx: QuestionContext, hits: list[Hit]) -> Group:
    top = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
    return Group(hits, [ctx.section(h) for h in hits], top)


Column = np.ndarray | float  # one value per row, or one for all of them
Feature = Callable[[QuestionContext, Group], Column]


# Sentence features: one value per sentence of the group.

def sentence_sim(ctx: QuestionContext, g: Group) -> Column:
    """cosine(question, "section title: sentence")"""
    return np.concatenate([s.views[:, 0] for s in g.sections])


def plain_sim(ctx: QuestionContext, g: Group) -> Column:
    """cosine(question, the sentence alone)"""
    return np.concatenate([s.views[:, 1] for s in g.sections])


def context_sim(ctx: QuestionContext, g: Group) -> Column:
    """cosine(question, the sentence with its neighbours, under the title)"""
    return np.concatenate([s.views[:, 2] for s in g.sections])


def chunk_sim(ctx: QuestionContext, g: Group) -> Column:
    """cosine(question, the whole section)"""
    return g.each([s.chunk_sim for s in g.sections])


def _neighbours(sims: np.ndarray) -> np.ndarray:
    if len(sims) < 2:
        return np.zeros(len(sims))
    pad = np.full(1, -np.inf, dtype=sims.dtype)
    return np.maximum(np.concatenate([pad, sims[:-1]]), np.concatenate([sims[1:], pad]))


def neighbour_sim(ctx: QuestionContext, g: Group) -> Column:
    """The best cosine of the sentences either side: answers sit among context."""
    return np.concatenate([_neighbours(s.views[:, 0]) for s in g.sections])


def sentence_lex(ctx: QuestionContext, g: Group) -> Column:
    """IDF-weighted share of the question's terms found in the sentence."""
    return np.array([c for s in g.sections for c in s.sentence_cov], dtype=np.float64)


def chunk_cov(ctx: QuestionContext, g: Group) -> Column:
    """The same share over the section's text and titles."""
    return g.each([s.chunk_cov for s in g.sections])


def title_cov(ctx: QuestionContext, g: Group) -> Column:
    """The same share over the section path alone."""
    return g.each([s.title_cov for s in g.sections])


def fused(ctx: QuestionContext, g: Group) -> Column:
    """The section's reciprocal-rank-fusion score, scaled to about [0, 1]."""
    return g.each(g.fused)


def bm25(ctx: QuestionContext, g: Group) -> Column:
    """The section's BM25 score over the best among the sections read."""
    return g.each(g.bm25)


def short(ctx: QuestionContext, g: Group) -> Column:
    """1 for fragments under 40 characters, which rarely answer anything."""
    return np.array([1.0 if b - a < SHORT_CHARS else 0.0
                     for s in g.sections for a, b in s.chunk.sentences])


def type_ok_(ctx: QuestionContext, g: Group) -> Column:
    """1 unless the question wants a date, figure, frequency, duration or contact that the
    sentence lacks (retriever.question)."""
    if not ctx.cues.wanted:
        return 1.0
    return np.array([type_ok(ctx.cues.wanted, t) for t in g.sentences()])


def type_exact(ctx: QuestionContext, g: Group) -> Column:
    """1 unless the question names a kind of answer (a phone number, an e-mail address, a
    sum, an address, a place, a named organisation; retriever.answer_type) that the
    sentence lacks."""
    if not ctx.cues.kinds:
        return 1.0
    return np.array([type_ok(ctx.cues.kinds, t) for t in g.sentences()])


def missing_idf(ctx: QuestionContext, g: Group) -> Column:
    """Rarest question term absent from the section, as a share of the rarest."""
    return g.each([s.missing_idf for s in g.sections])


def oov(ctx: QuestionContext, g: Group) -> Column:
    """Share of the question's terms that no page uses at all."""
    return ctx.oov


def _focus(ctx: QuestionContext, s: Section) -> list[float]:
    # The terms that say what is asked about this section's topic.
    focus = {t: w for t, w in ctx.weights.items() if t not in s.terms.topic}
    if not focus:
        return [1.0] * len(s.terms.sentences)
    return [coverage(focus, terms_) for terms_ in s.terms.sentences]


def focus_lex(ctx: QuestionContext, g: Group) -> Column:
    """The IDF-weighted share, in the sentence, of the terms the titles lack."""
    return np.array([v for s in g.sections for v in _focus(ctx, s)], dtype=np.float64)


def caption(ctx: QuestionContext, g: Group) -> Column:
    """1 for a line with no closing punctuation: an image's alt text, a label."""
    return np.array([1.0 if c else 0.0 for s in g.sections for c in s.terms.captions])


def expands_(ctx: QuestionContext, g: Group) -> Column:
    """1 if a "what does X stand for?" question's X is spelled out here."""
    if not ctx.cues.acronyms:
        return 0.0
    return np.array([expands(ctx.cues.acronyms, t) for t in g.sentences()])


def numbers_missing_(ctx: QuestionContext, g: Group) -> Column:
    """1 if a year or figure in the question is absent from the section."""
    if not ctx.cues.numbers:
        return 0.0
    return g.each([numbers_missing(ctx.cues.numbers,
                                   " ".join(s.chunk.section) + " " + s.chunk.text)
                   for s in g.sections])


def tense_ok_(ctx: QuestionContext, g: Group) -> Column:
    """0 when a question about what is next meets a sentence about the past."""
    if not ctx.cues.future:
        return 1.0
    return np.array([tense_ok(ctx.cues, t) for t in g.sentences()])


SENTENCE_FEATURES: dict[str, Feature] = {
    "sentence_sim": sentence_sim,
    "plain_sim": plain_sim,
    "context_sim": context_sim,
    "chunk_sim": chunk_sim,
    "neighbour_sim": neighbour_sim,
    "sentence_lex": sentence_lex,
    "chunk_cov": chunk_cov,
    "title_cov": title_cov,
    "fused": fused,
    "bm25": bm25,
    "short": short,
    "type_ok": type_ok_,
    "type_exact": type_exact,
    "missing_idf": missing_idf,
    "oov": oov,
    "focus_lex": focus_lex,
    "caption": caption,
    "expands": expands_,
    "numbers_missing": numbers_missing_,
    "tense_ok": tense_ok_,
}
SENTENCE_FEATURE_NAMES = tuple(SENTENCE_FEATURES)


def _table(features: dict[str, Feature], ctx: QuestionContext, g: Group, rows: int) -> Table:
    values = np.empty((rows, len(features)), dtype=np.float64)
    if rows:
        for c, fn in enumerate(features.values()):
            values[:, c] = fn(ctx, g)  # a column, or one value for every row
    return Table(tuple(features), values)


@dataclass
class Candidates:
    """Every sentence of the sections read, with its named features."""

    where: list[tuple[Hit, int]]  # (hit, sentence index in its chunk)
    features: Table


def candidates(ctx: QuestionContext, hits: list[Hit]) -> Candidates:
    g = group(ctx, hits)
    # A section without sentences offers nothing to quote (BM25 was scaled with it).
    read = [i for i, n in enumerate(g.sizes) if n]
    if len(read) < len(g.hits):
        g = Group([g.hits[i] for i in read], [g.sections[i] for i in read], g.top_bm25)
    where = [(h, j) for h, n in zip(g.hits, g.sizes, strict=True) for j in range(n)]
    return Candidates(where, _table(SENTENCE_FEATURES, ctx, g, len(where)))


def free_sentences(ctx: QuestionContext, sentences: list[str], vectors: np.ndarray) -> Table:
    """The sentence features that free-standing candidates (answer-sentence selection
    benchmarks) have without a page around them."""
    sims = vectors @ ctx.qvec
    lex = [ctx.coverage(set(terms(s))) for s in sentences]
    return Table(("sentence_sim", "sentence_lex"),
                 np.column_stack([sims.astype(np.float64), np.array(lex, dtype=np.float64)]))


# Section features, for the rerank: one value per section.

def _best(g: Group, view: int) -> list[float]:
    return [float(s.views[:, view].max()) if len(s.views) else 0.0 for s in g.sections]


def best_sentence(ctx: QuestionContext, g: Group) -> Column:
    """Best cosine of a sentence under its title."""
    return np.array(_best(g, 0))


def best_context(ctx: QuestionContext, g: Group) -> Column:
    """Best cosine of a sentence with its neighbours."""
    return np.array(_best(g, 2))


def best_lex(ctx: QuestionContext, g: Group) -> Column:
    """Best IDF-weighted share of the question's terms in one sentence."""
    return np.array([max(s.sentence_cov, default=0.0) for s in g.sections])


def page_cov(ctx: QuestionContext, g: Group) -> Column:
    """The share of the question's terms in the page title."""
    return np.array([ctx.coverage(s.terms.page) for s in g.sections])


def parent_cov(ctx: QuestionContext, g: Group) -> Column:
    """... in the headings above the section (cards under one heading)."""
    return np.array([ctx.coverage(s.terms.parents) for s in g.sections])


def lead(ctx: QuestionContext, g: Group) -> Column:
    """1 for the first section of its parent: intros say what a page is about."""
    return np.array([1.0 if s.chunk.order == 0 else 0.0 for s in g.sections])


SECTION_FEATURES: dict[str, Feature] = {
    "fused": lambda ctx, g: np.array(g.fused),
    "dense": lambda ctx, g: np.array([s.chunk_sim for s in g.sections]),
    "bm25": lambda ctx, g: np.array(g.bm25),
    "best_sentence": best_sentence,
    "best_context": best_context,
    "best_lex": best_lex,
    "chunk_cov": lambda ctx, g: np.array([s.chunk_cov for s in g.sections]),
    "title_cov": lambda ctx, g: np.array([s.title_cov for s in g.sections]),
    "page_cov": page_cov,
    "parent_cov": parent_cov,
    "missing_idf": lambda ctx, g: np.array([s.missing_idf for s in g.sections]),
    "lead": lead,
}
SECTION_FEATURE_NAMES = tuple(SECTION_FEATURES)


def sections(ctx: QuestionContext, hits: list[Hit]) -> Table:
    """One row of section features per hit."""
    return _table(SECTION_FEATURES, ctx, group(ctx, hits), len(hits))
