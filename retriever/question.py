"""What a question asks for, read off its wording: answer type, list, acronym, numbers, tense."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Month names as pages write them: capitalised, whole words ("Dec 2023", "March"), so that
# "declarations" or "market" are not dates.
_MONTHS = (r"(?-i:(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
           r"|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b)")
# A count is a number that is not a bare year: "Established in 2021" does not say how many.
_COUNT = (r"(?:\$|%|\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven"
          r"|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million"
          r"|billion|half|third|quarter|percent|per cent|free|no charge)\b)")
_FREQUENCY = (r"\b(?:annual(?:ly)?|yearly|biennial(?:ly)?|biannual(?:ly)?|quarterly|monthly"
              r"|weekly|daily|hourly|every|each (?:year|month|week|day)|once|twice|times a"
              r"|regularly|per (?:year|month|week|day))\b")

_DATE = re.compile(rf"\b(?:1[89]\d\d|20\d\d)\b|\b{_MONTHS}|\b\d{{1,2}}(?:st|nd|rd|th)\b"
                   r"|\b\d{1,2}(?:[.:]\d\d)?\s?(?:am|pm)\b"
                   r"|\b(?:annual|yearly|monthly|weekly|daily|today|since)\b", re.I)
_CONTACT = re.compile(r"@|\+65|\b\d{4}\s?\d{4}\b|\b(?:contact|form|email|e-mail|call|write)\b",
                      re.I)

# (what the question asks for, what a sentence must hold to give it)
_ANSWER_TYPES = (
    (re.compile(r"^\s*when\b|\bwhat (?:year|date|month|time)\b|\bsince when\b|\bhow long ago\b"
                r"|\bin (?:what|which) year\b", re.I), _DATE),
    (re.compile(r"\bhow (?:many|much)\b|\bwhat (?:percentage|number)\b"
                r"|\b(?:cost|price|fee|fees)\b", re.I),
     re.compile(_COUNT, re.I)),
    (re.compile(r"\bhow (?:often|frequently)\b", re.I), re.compile(_FREQUENCY, re.I)),
    (re.compile(r"\bhow long\b(?! ago)", re.I),
     re.compile(_COUNT + r"|\b(?:minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)),
    # "reach net zero" and "call for help" ask for no address; "call us", "reach out" do.
    (re.compile(r"\b(?:e-?mail|phone|hotline|contact)\b"
                r"|\b(?:call|reach)\s+(?:out|you|them|us|govtech|the\s+\w+\s+team)\b", re.I),
     _CONTACT),
)

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

    wanted: list[re.Pattern[str]] = field(default_factory=list)
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
        wanted=_wanted(question),
        acronyms=acronyms,
        numbers=[n.replace(",", "") for n in _NUMBER.findall(question)],
        future=bool(_FUTURE_QUESTION.search(question)),
    )


def _wanted(question: str) -> list[re.Pattern[str]]:
    wanted = [gives for asks, gives in _ANSWER_TYPES if asks.search(question)]
    # "until what time can I call?" asks for hours, not a phone number.
    if _DATE in wanted:
        wanted = [w for w in wanted if w is not _CONTACT]
    return wanted


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def type_ok(wanted: list[re.Pattern[str]], sentence: str) -> float:
    return 1.0 if all(gives.search(sentence) for gives in wanted) else 0.0


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
