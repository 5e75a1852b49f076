"""Sentence splitting with character offsets, careful with abbreviations and decimals."""

from __future__ import annotations

import re

# Abbreviations that are usually followed by a capitalised word or a number, so a full
# stop after them is not the end of a sentence.
ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "mdm", "prof", "st", "mt", "jr", "sr", "no", "nos", "fig",
    "figs", "vol", "ref", "gen", "col", "capt", "lt", "sgt", "rev", "hon", "gov", "sen",
    "rep", "pte", "e.g", "i.e", "vs", "cf", "approx", "est", "dept", "ave", "rd", "blk",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "a.m", "p.m", "etc", "al", "inc", "ltd", "co", "corp", "tel", "ext",
}
# Of those, the ones that end a sentence often enough that a following capital word
# starts a new one.
_SENTENCE_FINAL = {"etc", "inc", "ltd", "co", "corp", "a.m", "p.m", "al"}

_ENUMERATOR = re.compile(r"^\(?(?:\d{1,3}|[ivxlc]{1,5}|[a-z])[.)]$", re.I)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+([\"'“‘(\[]?)(\S)")


def _previous_word(text: str, end: int) -> str:
    """The token just before the punctuation that ends at `end` (without trailing dots)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].strip("\"'“‘([").rstrip(".").lower()


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one line of text, shifted by `offset`."""
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for match in _END.finditer(text):
        end = match.end()
        nxt = _NEXT_START.match(text, end)
        if nxt is None:
            continue
        following = nxt.group(2)
        if not (following.isupper() or following.isdigit() or nxt.group(1)):
            continue
        punct = match.group(0)
        if punct.startswith(".") and not punct.startswith(".."):
            word = _previous_word(text, match.start())
            if word in ABBREVIATIONS and not (
                word in _SENTENCE_FINAL and following.isupper() and not nxt.group(1)
            ):
                continue
            # Initials such as "J. Tan" or "S. Iswaran": one capital letter then a dot.
            if len(word) == 1 and word.isalpha():
                continue
            # An enumerator opening the sentence: "1. Check the sender".
            if _ENUMERATOR.match(text[start:match.start() + 1].strip()):
                continue
        if text[start:end].strip():
            spans.append((offset + start, offset + end))
        start = nxt.start(1) if nxt.group(1) else nxt.start(2)
    tail = text[start:].rstrip()
    if tail.strip():
        spans.append((offset + start, offset + start + len(tail)))
    return spans


def split_lines(text: str) -> list[tuple[int, int]]:
    """Sentences of a multi-line text: each line (paragraph, list item, table row) is
    split on its own, so a list item is always at least one unit."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        spans.extend(split_sentences(line, pos))
        pos += len(line) + 1
    return spans
