"""Lexical terms: the one tokenizer shared by BM25 and the answer scorer."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

# Hyphenated names split into parts, so "open rmf" meets "Open-RMF".
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
# English stopwords plus the question words that carry no topic.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves
tell know please find list name give show say said does anyone want need get got us also
much many there's what's who's how's it's i'm im let lets may might must shall via etc
""".split())

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def terms(text: str) -> list[str]:
    """Stemmed content terms, in order, stopwords dropped."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """Content terms with their character offsets in `text`, for highlighting."""
    lowered = text.lower()
    return [
        (stem(m.group()), m.start(), m.end())
        for m in _WORD.finditer(lowered)
        if m.group() not in STOPWORDS
    ]


# Chat shorthand that visitors type, spelled out before the question is encoded or matched.
SHORTHAND = {
    "wat": "what", "wut": "what", "wen": "when", "wher": "where", "hw": "how", "y": "why",
    "r": "are", "u": "you", "ur": "your", "w": "with", "abt": "about",
    "thru": "through", "govt": "government", "gov": "government", "ppl": "people",
    "pls": "please", "plz": "please", "info": "information", "collab": "collaboration",
    "msg": "message", "yr": "year", "yrs": "years", "hv": "have", "cuz": "because",
    "bc": "because", "dept": "department", "org": "organisation", "tmr": "tomorrow",
}
_SHORTHAND = re.compile(r"\b(" + "|".join(map(re.escape, sorted(SHORTHAND, key=len,
                                                                   reverse=True))) + r")\b",
                        re.IGNORECASE)


def spell_out(question: str) -> str:
    """"wat devices r in the sensei kit" -> "what devices are in the sensei kit".

    Single letters are spelled out only in lower case and standing alone, so "R&D" and
    "Generation Y" stay as they are."""
    def expand(m: re.Match[str]) -> str:
        word = m.group(1)
        if len(word) == 1 and (word.isupper() or question[m.end():m.end() + 1] in "&-'’."):
            return word
        return SHORTHAND[word.lower()]

    return _SHORTHAND.sub(expand, question)
