"""What a question asks for, read off its wording: answer type, list, acronym, numbers, tense."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retriever.answer_type import PERSON_OR_ORG, PLACE, AnswerType, asked, asked_broadly, holds

_LIST_QUESTION = re.compile(
    # which countries / what devices, but not "what does", "what was", "what is its status"
    r"^\s*(?:which|what|who)\s+(?!(?:does|did|do|was|is|has)\b)(?:\w+\s+){0,2}?"
    r"\w{3,}(?<![su'])(?<!\bthi)s\b"
    r"|\b(?:list|name|enumerate)\b|\b(?:what|who|which)\s+(?:are|were)\b"
    r"|\b(?:types|kinds|examples|categories)\s+of\b",
    re.IGNORECASE,
)
_EXPANSION_QUESTION = re.compile(
    r"\bstands? for\b|\bfull (?:name|form)\b|\bshort for\b|\bacronym\b|\babbreviat"
    r"|^\s*what(?:'s| is| are) (?:the |an? )?(?-i:[A-Z]{2,})s?\s*\??\s*$", re.I)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b")  # SATIS, GCSOC, DSAID, RMF
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*\d(?![\w])|(?<![\w.])\d(?![\w.])")
# A plain "will" ("which values will they ask about?") is not about what is to come.
_FUTURE_QUESTION = re.compile(
    r"\b(?:next|upcoming|coming|future|going to|planned|plans?)\b|\bwhen will\b", re.I)
_FUTURE_SENTENCE = re.compile(
    r"\b(?:will|upcoming|coming|soon|plans?|planned|future|next|to come|going to|expected"
    r"|aims? to|launching)\b", re.I)
_SKIP_IN_EXPANSION = frozenset({"and", "of", "the", "for", "&", "in", "on", "to"})
_WORD = re.compile(r"[A-Za-z][A-Za-z']*|&")


@dataclass
class Cues:
    """What one question asks for, computed once per question."""

    wanted: list[AnswerType] = field(default_factory=list)  # broad types (type_ok)
    kinds: list[AnswerType] = field(default_factory=list)  # named types (type_exact)
    acronyms: list[str] = field(default_factory=list)  # only for "what does X stand for?"
    numbers: list[str] = field(default_factory=list)  # years and figures the question names
    future: bool = False


def read_question(question: str) -> Cues:
    acronyms: list[str] = []
    if _EXPANSION_QUESTION.search(question):
        for token in _ACRONYM.findall(question):
            # "Open-RMF" asks for RMF's words; lower-case letters inside (GovTech) are kept.
            acronyms.append(token.upper())
    return Cues(
        wanted=asked_broadly(question),
        kinds=_kinds(question),
        acronyms=acronyms,
        numbers=[n.replace(",", "") for n in _NUMBER.findall(question)],
        future=bool(_FUTURE_QUESTION.search(question)),
    )


def _kinds(question: str) -> list[AnswerType]:
    kinds = asked(question)
    if is_list_question(question):
        # A list's lead-in names the kind ("we work with these agencies:"), its items the
        # members: the chosen sentence is the lead-in, so names are not asked of it.
        kinds = [k for k in kinds if k not in (PLACE, PERSON_OR_ORG)]
    return kinds


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def type_ok(wanted: list[AnswerType], sentence: str) -> float:
    """1 if the sentence holds an answer of every type the question asks for."""
    return 1.0 if holds(wanted, sentence) else 0.0


def expands(acronyms: list[str], sentence: str) -> float:
    """1 if the sentence spells out one of the acronyms: consecutive words, small words
    skipped, whose initials give its letters ("Scam Analytics and Tactical Intervention
    System" for SATIS)."""
    if not acronyms:
        return 0.0
    words = _WORD.findall(sentence)  # "Open-Robotics" gives two words
    initials = [w[0].upper() for w in words if w.lower() not in _SKIP_IN_EXPANSION]
    joined = "".join(initials)
    if any(len(a) >= 2 and a in joined for a in acronyms):
        return 1.0
    # "Government Cybersecurity Operations Centre (GCSOC)": a name and its short form.
    return 1.0 if any(re.search(rf"\b[A-Z][\w-]*(?:\s+[\w&-]+){{1,8}}\s*\(\s*{re.escape(a)}\s*\)",
                                sentence, re.I) for a in acronyms) else 0.0


def numbers_missing(numbers: list[str], text: str) -> float:
    """1 if the question names a year or figure that the text never states."""
    plain = text.replace(",", "")
    return 1.0 if any(not re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", plain)
                      for n in numbers) else 0.0


def tense_ok(cues: Cues, sentence: str) -> float:
    """0 when the question asks about what is next or to come and the sentence speaks only
    of what was: a page about last year's event does not say when the next one is."""
    if not cues.future:
        return 1.0
    return 1.0 if _FUTURE_SENTENCE.search(sentence) else 0.0
