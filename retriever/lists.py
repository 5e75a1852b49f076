"""List answers the page spreads over sibling sections: one line and one citation per item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Chunk
from retriever.citations import cite, highlight_url
from retriever.extract import Extractor
from retriever.outline import Outline
from retriever.question import is_list_question
from retriever.records import Citation, Hit, ListItem
from retriever.terms import terms

MAX_LIST_CHARS = 1200
MIN_ITEMS = 3  # two cards are a pair, not a list worth assembling
SHORT_SENTENCE = 160  # an item keeps its first sentence only when it is this short
LEAD_SENTENCES = 2  # a heading with more text of its own answers from that text
HEADING_SHARE = 0.5  # of the best child's term coverage, when several children were found

_HOW_TO = re.compile(r"^\s*(?:how\s+(?:do|can|should|would)\s+(?:i|we|you)|what\s+are\s+the"
                     r"\s+steps|steps?\s+to)\b", re.IGNORECASE)
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
    return Extractor.coverage(weights, set(terms(text)))


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


def sibling_list(outline: Outline, weights: dict[str, float], question: str,
                 hits: list[Hit], answer: Chunk) -> SiblingList | None:
    """The list a heading's children make, when the question asks for several things (or
    for steps the page numbers as sections) and that heading, not any one child, is what
    it asks about; else None. Only the groups of the section the answer came from count:
    a list elsewhere on the page is not what the best sentence points to."""
    how_to = bool(_HOW_TO.search(question))
    if not (is_list_question(question) or how_to) or not weights:
        return None
    chunks = outline.chunks
    pos = outline.positions[answer.id]
    groups: list[tuple[int | None, list[int]]] = []
    # A heading whose own text is only a lead-in; a longer body answers by itself.
    if len(chunks[outline.section_start(pos)].sentences) <= LEAD_SENTENCES:
        groups.append((outline.section_start(pos), outline.children(pos)))
    if len(answer.section) >= 3:  # under a real heading, not the page itself
        groups.append((outline.parent_start(pos), outline.siblings(pos)))
    for parent, children in groups:
        if len(children) < MIN_ITEMS:
            continue
        if how_to and not is_list_question(question) and not all(
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
