"""Named features: each is one function, and a table's columns are looked up by name.

Sentence features score every sentence of the sections the engine reads; section features
order the sections retrieval found (the rerank). A calibration or rerank file stores the
names it was fitted on, in order, and is refused when they differ from these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
class Found:
    """A retrieved section among those found with it: BM25 is scaled within the group."""

    hit: Hit
    section: Section
    top_bm25: float  # the best BM25 score among the group, 1 when none has one

    @property
    def fused(self) -> float:
        """Reciprocal-rank-fusion score, scaled to about [0, 1]: one first place in
        RRF(k=60) is about 0.5."""
        return min(1.0, self.hit.score * 30)

    @property
    def bm25(self) -> float:
        return (self.hit.bm25 or 0.0) / self.top_bm25


def group(ctx: QuestionContext, hits: list[Hit]) -> list[Found]:
    top = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
    return [Found(h, ctx.section(h), top) for h in hits]


Column = np.ndarray | float
SentenceFeature = Callable[[QuestionContext, Found], Column]
SectionFeature = Callable[[QuestionContext, Found], float]


# Sentence features: a column over the section's sentences, or one value for all of them.

def sentence_sim(ctx: QuestionContext, f: Found) -> Column:
    """cosine(question, "section title: sentence")"""
    return f.section.views[:, 0]


def plain_sim(ctx: QuestionContext, f: Found) -> Column:
    """cosine(question, the sentence alone)"""
    return f.section.views[:, 1]


def context_sim(ctx: QuestionContext, f: Found) -> Column:
    """cosine(question, the sentence with its neighbours, under the title)"""
    return f.section.views[:, 2]


def chunk_sim(ctx: QuestionContext, f: Found) -> Column:
    """cosine(question, the whole section)"""
    return f.section.chunk_sim


def neighbour_sim(ctx: QuestionContext, f: Found) -> Column:
    """The best cosine of the sentences either side: answers sit among context."""
    sims = f.section.views[:, 0]
    if len(sims) < 2:
        return 0.0
    pad = np.full(1, -np.inf, dtype=sims.dtype)
    return np.maximum(np.concatenate([pad, sims[:-1]]), np.concatenate([sims[1:], pad]))


def sentence_lex(ctx: QuestionContext, f: Found) -> Column:
    """IDF-weighted share of the question's terms found in the sentence."""
    return np.array(f.section.sentence_cov)


def chunk_cov(ctx: QuestionContext, f: Found) -> Column:
    """The same share over the section's text and titles."""
    return f.section.chunk_cov


def title_cov(ctx: QuestionContext, f: Found) -> Column:
    """The same share over the section path alone."""
    return f.section.title_cov


def fused(ctx: QuestionContext, f: Found) -> Column:
    """The section's reciprocal-rank-fusion score, scaled to about [0, 1]."""
    return f.fused


def bm25(ctx: QuestionContext, f: Found) -> Column:
    """The section's BM25 score over the best among the sections read."""
    return f.bm25


def _sentences(f: Found) -> list[str]:
    chunk = f.section.chunk
    return [chunk.text[s:e] for s, e in chunk.sentences]


def short(ctx: QuestionContext, f: Found) -> Column:
    """1 for fragments under 40 characters, which rarely answer anything."""
    return np.array([1.0 if e - s < SHORT_CHARS else 0.0 for s, e in f.section.chunk.sentences])


def type_ok_(ctx: QuestionContext, f: Found) -> Column:
    """1 unless the question wants a date, figure, frequency, duration or contact that the
    sentence lacks (retriever.question)."""
    return np.array([type_ok(ctx.cues.wanted, s) for s in _sentences(f)])


def missing_idf(ctx: QuestionContext, f: Found) -> Column:
    """Rarest question term absent from the section, as a share of the rarest."""
    return f.section.missing_idf


def oov(ctx: QuestionContext, f: Found) -> Column:
    """Share of the question's terms that no page uses at all."""
    return ctx.oov


def focus_lex(ctx: QuestionContext, f: Found) -> Column:
    """The IDF-weighted share, in the sentence, of the terms the titles lack: the terms that
    say what is asked about this section's topic."""
    focus = {t: w for t, w in ctx.weights.items() if t not in f.section.terms.topic}
    if not focus:
        return 1.0
    return np.array([coverage(focus, s) for s in f.section.terms.sentences])


def caption(ctx: QuestionContext, f: Found) -> Column:
    """1 for a line with no closing punctuation: an image's alt text, a label."""
    return np.array([1.0 if c else 0.0 for c in f.section.terms.captions])


def expands_(ctx: QuestionContext, f: Found) -> Column:
    """1 if a "what does X stand for?" question's X is spelled out here."""
    return np.array([expands(ctx.cues.acronyms, s) for s in _sentences(f)])


def numbers_missing_(ctx: QuestionContext, f: Found) -> Column:
    """1 if a year or figure in the question is absent from the section."""
    if not ctx.cues.numbers:
        return 0.0
    chunk = f.section.chunk
    return numbers_missing(ctx.cues.numbers, " ".join(chunk.section) + " " + chunk.text)


def tense_ok_(ctx: QuestionContext, f: Found) -> Column:
    """0 when a question about what is next meets a sentence about the past."""
    return np.array([tense_ok(ctx.cues, s) for s in _sentences(f)])


SENTENCE_FEATURES: dict[str, SentenceFeature] = {
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
    "missing_idf": missing_idf,
    "oov": oov,
    "focus_lex": focus_lex,
    "caption": caption,
    "expands": expands_,
    "numbers_missing": numbers_missing_,
    "tense_ok": tense_ok_,
}
SENTENCE_FEATURE_NAMES = tuple(SENTENCE_FEATURES)


@dataclass
class Candidates:
    """Every sentence of the sections read, with its named features."""

    where: list[tuple[Hit, int]]  # (hit, sentence index in its chunk)
    features: Table


def candidates(ctx: QuestionContext, hits: list[Hit]) -> Candidates:
    found = [f for f in group(ctx, hits) if len(f.section.views)]
    sizes = [len(f.section.views) for f in found]
    values = np.empty((sum(sizes), len(SENTENCE_FEATURE_NAMES)), dtype=np.float64)
    where: list[tuple[Hit, int]] = []
    row = 0
    for f, n in zip(found, sizes, strict=True):
        block = values[row:row + n]
        for c, fn in enumerate(SENTENCE_FEATURES.values()):
            block[:, c] = fn(ctx, f)  # a column, or one value for every sentence
        where.extend((f.hit, j) for j in range(n))
        row += n
    return Candidates(where, Table(SENTENCE_FEATURE_NAMES, values))


def free_sentences(ctx: QuestionContext, sentences: list[str], vectors: np.ndarray) -> Table:
    """The sentence features that free-standing candidates (answer-sentence selection
    benchmarks) have without a page around them."""
    sims = vectors @ ctx.qvec
    lex = [ctx.coverage(set(terms(s))) for s in sentences]
    return Table(("sentence_sim", "sentence_lex"),
                 np.column_stack([sims.astype(np.float64), np.array(lex, dtype=np.float64)]))


# Section features, for the rerank: one value per section.

def best_sentence(ctx: QuestionContext, f: Found) -> float:
    """Best cosine of a sentence under its title."""
    views = f.section.views
    return float(views[:, 0].max()) if len(views) else 0.0


def best_context(ctx: QuestionContext, f: Found) -> float:
    """Best cosine of a sentence with its neighbours."""
    views = f.section.views
    return float(views[:, 2].max()) if len(views) else 0.0


def best_lex(ctx: QuestionContext, f: Found) -> float:
    """Best IDF-weighted share of the question's terms in one sentence."""
    return max(f.section.sentence_cov, default=0.0)


def page_cov(ctx: QuestionContext, f: Found) -> float:
    """The share of the question's terms in the page title."""
    return ctx.coverage(f.section.terms.page)


def parent_cov(ctx: QuestionContext, f: Found) -> float:
    """... in the headings above the section (cards under one heading)."""
    return ctx.coverage(f.section.terms.parents)


def lead(ctx: QuestionContext, f: Found) -> float:
    """1 for the first section of its parent: intros say what a page is about."""
    return 1.0 if f.section.chunk.order == 0 else 0.0


SECTION_FEATURES: dict[str, SectionFeature] = {
    "fused": lambda ctx, f: f.fused,
    "dense": lambda ctx, f: f.section.chunk_sim,  # cosine(question, the section's embedding)
    "bm25": lambda ctx, f: f.bm25,
    "best_sentence": best_sentence,
    "best_context": best_context,
    "best_lex": best_lex,
    "chunk_cov": lambda ctx, f: f.section.chunk_cov,
    "title_cov": lambda ctx, f: f.section.title_cov,
    "page_cov": page_cov,
    "parent_cov": parent_cov,
    "missing_idf": lambda ctx, f: f.section.missing_idf,
    "lead": lead,
}
SECTION_FEATURE_NAMES = tuple(SECTION_FEATURES)


def sections(ctx: QuestionContext, hits: list[Hit]) -> Table:
    """One row of section features per hit."""
    rows = [[fn(ctx, f) for fn in SECTION_FEATURES.values()] for f in group(ctx, hits)]
    return Table(SECTION_FEATURE_NAMES,
                 np.array(rows, dtype=np.float64).reshape(-1, len(SECTION_FEATURE_NAMES)))
