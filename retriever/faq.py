"""Questions a page asks itself: an FAQ's answer is the sentence right after its question."""

from __future__ import annotations

import re

from ingest.records import Chunk

_WORD = re.compile(r"\w+")


def same_words(text: str) -> str:
    """The words of a question, case and punctuation aside: how a page's question is matched."""
    return " ".join(_WORD.findall(text.casefold()))


def answers_asked(question: str, chunk: Chunk) -> int | None:
    """The sentence that answers `question` where the section asks it in the same words: the
    first under a heading that asks it, or the one after a line of text that does; else None."""
    wanted = same_words(question)
    if not wanted or not chunk.sentences:
        return None
    if same_words(chunk.section_title) == wanted:
        return 0
    for j, (a, b) in enumerate(chunk.sentences[:-1]):
        line = chunk.text[a:b].rstrip()
        if line.endswith("?") and same_words(line) == wanted:
            return j + 1
    return None
