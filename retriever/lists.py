"""List answers the page spreads over sibling sections: one line and one citation per item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Chunk
from retriever.citations import cite, highlight_url
from retriever.context import QuestionContext
from retriever.lexicon import coverage
from retriever.outline import Outline
from retriever.records import Citation, Hit, ListItem
from retriever.terms import terms

MAX_LIST_CHARS = 1200
MIN_ITEMS = 3  # two cards are a pair, not a list worth assembling
SHORT_SENTENCE = 160  # an item keeps its first sentence only when it is this short
LEAD_SENTENCES = 2  # a heading with more text of its own answers from that text
HEADING_SHARE = 0.5  # of the best child's term coverage, when several children were found

_HOW_TO = re.compile(r"^\s*(?:how\s+(?:do|can|should|would)\s+(?:i|we|you)|what\s+are\s+the"
                     r"\s+steps|steps?\s+to)\b", re.IGNORECASE)
# A sentence that hands over to what follows: "explore a few of these below", "as follows:".
_POINTS_ON = re.compile(r"\b(?:below|as follows|the following|here are|these include)\b|:\s*$",
                        re.IGNORECASE)
# "Why use TradeTrust?", "Benefits of using Singpass:", "Key Benefits", "Why partner with us?"
_BENEFIT_HEADING = re.compile(r"^\s*(?:why\s+(?:use|choose|partner|join)\b|(?:what\s+are\s+"
                              r"the\s+|key\s+)?(?:benefits|advantages)\b)", re.IGNORECASE)
_BENEFIT_WORDS = frozenset(terms("why use using choose benefits advantages key what are the"))
# Asking what something is good for: "why should I download…", "the advantages of…",
# "in what ways does…", "how can … help me".
_BENEFIT_QUESTION = re.compile(
    r"\b(?:benefits?|advantages?|in\s+what\s+ways|why\s+(?:should|would)\b|why\s+(?:use|choose)"
    r"|how\s+(?:can|does|will|would)\b.*\bhelp)\b", re.IGNORECASE)
_STEP_TITLE = re.compile(r"^\s*(?:step\s*)?\d+\s*[.):\-–]", re.IGNORECASE)


@dataclass
class SiblingList:
    """A heading's lead-in and its children, quoted as a list."""

    text: str  # the whole answer: lead-in, then one line per item
    lead: Citation | None
    items: list[ListItem]

    @property
    def citations(self) -> list[Citation]:
        return ([self.lead] if self.lead else []) + [item.citation for item in self.items]


def _coverage(weights: dict[str, float], text: str) -> float:
    return coverage(weights, set(terms(text)))


def _sentence_at(chunk: Chunk, start: int) -> str:
    return next((chunk.text[s:e] for s, e in chunk.sentences if s == start), "")


def _item(chunk: Chunk, with_sentence: bool) -> ListItem:
    title = chunk.section_title
    if with_sentence and chunk.sentences:
        s, e = chunk.sentences[0]
        if e - s <= SHORT_SENTENCE and chunk.text[s:e] != title:
            return ListItem(text=f"{title} — {chunk.text[s:e]}", citation=cite(chunk, s, e))
    # The title is the heading on the page: the link highlights it there.
    c = cite(chunk, 0, 0)
    c.highlight_url = highlight_url(chunk.page_url, title)
    return ListItem(text=title, citation=c)


def _assemble(outline: Outline, parent: int | None, children: list[int]) -> SiblingList:
    chunks = outline.chunks
    lead_text = outline.opening(parent)
    lead = cite(chunks[parent], *chunks[parent].sentences[0]) if lead_text and parent is not None \
        else None
    for with_sentence in (True, False):
        items: list[ListItem] = []
        size = len(lead_text)
        for pos in children:
            item = _item(chunks[pos], with_sentence)
            if size + len(item.text) + 1 > MAX_LIST_CHARS:
                break
            items.append(item)
            size += len(item.text) + 1
        if len(items) == len(children) or not with_sentence:
            break  # every item fits with its sentence, or titles alone are the best we can do
    text = "\n".join([lead_text] * bool(lead_text) + [i.text for i in items])
    return SiblingList(text=text, lead=lead, items=items)


def benefit_list(outline: Outline, ctx: QuestionContext, hits: list[Hit]) -> SiblingList | None:
    """The page's "Why use X?" cards, when the question asks what X is good for and names X
    (or, for a bare "Key Benefits", the page). Only the best hit's page counts."""
    if not hits or not _BENEFIT_QUESTION.search(ctx.query):
        return None
    asked = set(ctx.terms)
    page = hits[0].chunk
    for path, children in outline.groups(page.page_url):
        if len(children) < MIN_ITEMS or not _BENEFIT_HEADING.search(path[-1]):
            continue
        subject = set(terms(path[-1])) - _BENEFIT_WORDS or set(terms(page.page_title))
        if subject and subject <= asked:
            return _assemble(outline, outline.heading_start(page.page_url, path), children)
    return None


def sibling_list(outline: Outline, ctx: QuestionContext, hits: list[Hit], answer: Chunk,
                 start: int | None = None) -> SiblingList | None:
    """The list a heading's children make, when the question asks for several things (or
    for steps the page numbers as sections) and that heading, not any one child, is what
    it asks about; else None. Only the groups of the section the answer came from count:
    a list elsewhere on the page is not what the best sentence points to."""
    weights = ctx.weights
    how_to = bool(_HOW_TO.search(ctx.query))
    if not (ctx.list_question or how_to) or not weights:
        return None
    chunks = outline.chunks
    pos = outline.positions[answer.id]
    groups: list[tuple[int | None, list[int]]] = []
    own = outline.section_start(pos)
    # The answer is a heading's lead-in ("explore a few of these below"): what it
    # introduces is the list.
    if (pos == own and start is not None and _POINTS_ON.search(_sentence_at(answer, start))
            and len(outline.children(pos)) >= MIN_ITEMS):
        return _assemble(outline, own, outline.children(pos))
    # A heading whose own text is only a lead-in; a longer body answers by itself.
    if len(chunks[own].sentences) <= LEAD_SENTENCES:
        groups.append((own, outline.children(pos)))
    if len(answer.section) >= 3:  # under a real heading, not the page itself
        groups.append((outline.parent_start(pos), outline.siblings(pos)))
    for parent, children in groups:
        if len(children) < MIN_ITEMS:
            continue
        if how_to and not ctx.list_question and not all(
                _STEP_TITLE.match(chunks[c].section_title) for c in children):
            continue
        # The heading must say what is asked about as well as any one child does, or
        # nearly so when retrieval found several of its children: then the question is
        # about the group, not one card of it.
        heading = _coverage(weights, f"{chunks[children[0]].section[-2]} "
                                     f"{outline.opening(parent)}")
        best_child = max(_coverage(weights, f"{chunks[c].section_title} {chunks[c].text}")
                         for c in children)
        found = sum(1 for h in hits
                    if outline.section_start(outline.positions[h.chunk.id]) in children)
        if heading > best_child or (found >= 2 and heading >= HEADING_SHARE * best_child
                                    and heading > 0):
            return _assemble(outline, parent, children)
    return None
