"""The kind of answer a question asks for (a date, a sum, a phone number …) and whether a
sentence holds one: named types, read off the wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_PHONE = r"\+65|\b(?:1800|1900)[\s-]?\d{3}[\s-]?\d{4}\b|\b[3689]\d{3}[\s-]?\d{4}\b"
_EMAIL = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_POSTAL = (r"\bSingapore\s+\d{6}\b|\(S\)\s*\d{6}\b|#\d{1,2}-\d{1,4}\b|\b\d{1,4}[A-Z]?\s+(?-i:[A-Z])"
           r"\w+\s+(?:Road|Rd|Street|St|Avenue|Ave|Drive|Dr|Crescent|Way|Link|Walk|Lane"
           r"|Boulevard|Central|Park)\b")
_FORM = r"\b(?:online form|feedback form|form at|contact us|write to|reach us)\b"
# A name: a capitalised word after the sentence's first, or anywhere one written in mixed
# case or capitals (GovTech, IMDA) or two capitalised words in a row (Ngee Ann), so that a
# list item that is only a name counts while "The" opening a sentence does not.
_NAME = (r"(?<=[\s(“\"'])(?-i:[A-Z][\w&'.-]*[A-Za-z])"
         r"|(?-i:\b[A-Z][a-z]*[A-Z][\w&]*)|(?-i:\b[A-Z][\w&'-]+\s+[A-Z][\w&'-]+)")


@dataclass(frozen=True)
class AnswerType:
    """One kind of answer: what a question says to ask for it, and what a sentence holds to
    give it (None: nothing to check, e.g. a yes/no question can be answered in any words)."""

    name: str
    asks: re.Pattern[str]
    gives: re.Pattern[str] | None

    def held_by(self, sentence: str) -> bool:
        return self.gives is None or bool(self.gives.search(sentence))


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


DATE = AnswerType(
    "date",
    _re(r"^\s*when\b|\bwhat (?:year|date|month|time|day)\b|\bsince when\b|\bhow long ago\b"
        r"|\bin (?:what|which) year\b|\b(?:closing|opening|start|end) date\b|\bdeadline\b"),
    _re(rf"\b(?:1[89]\d\d|20\d\d)\b|\b{_MONTHS}|\b\d{{1,2}}(?:st|nd|rd|th)\b"
        r"|\b\d{1,2}(?:[.:]\d\d)?\s?(?:am|pm)\b"
        r"|\b(?:annual|yearly|monthly|weekly|daily|today|since)\b"))
MONEY = AnswerType(
    "money",
    _re(r"\bhow much\b.*\b(?:cost|costs|charge|charged|pay|paid|fee|fees|price)\b"
        r"|\b(?:what|is there an?|are there)\b.{0,20}\b(?:fee|fees|price|cost|charge)s?\b"
        r"|\bdoes (?:it|this|that|the \w+) cost\b|\b(?:do|will) i (?:have|need) to pay\b"
        r"|\bis it free\b|\bhow much (?:money|funding)\b"),
    _re(r"\$|\bS\$|\bSGD\b|\bdollars?\b|\bcents?\b|\bfree\b|\bno charge\b|\bwaived\b"
        r"|\bat no cost\b|%"))
NUMBER = AnswerType(
    "number",
    _re(r"\bhow (?:many|much)\b|\bwhat (?:percentage|number of|proportion)\b"),
    _re(_COUNT))
FREQUENCY = AnswerType("frequency", _re(r"\bhow (?:often|frequently)\b"), _re(_FREQUENCY))
DURATION = AnswerType(
    "duration", _re(r"\bhow long\b(?! ago)"),
    _re(_COUNT + r"|\b(?:minutes?|hours?|days?|weeks?|months?|years?)\b"))
PHONE = AnswerType(
    "phone",
    # A number to ring, not a hotline's hours ("is the hotline open on weekends?").
    _re(r"\b(?:phone|telephone|tel|hotline|helpline|contact)\s+(?:number|no)\b|\btelephone\b"
        r"|\bnumber\b.{0,30}\b(?:call|phone|dial|ring)\b"
        r"|\b(?:call|phone|dial|ring)\b.{0,30}\bnumber\b"),
    _re(_PHONE))
EMAIL = AnswerType("email", _re(r"\be-?mail\b"), _re(_EMAIL))
ADDRESS = AnswerType(
    "address",
    # The noun, not the verb ("what challenge does it address?"), nor an e-mail address.
    _re(r"\b(?:what|which|the|an?|your|its|their|postal|mailing|office|street)\s+address\b"
        r"|(?<!mail )\baddress (?:of|for)\b"
        r"|\bwhere\b.*\b(?:office|centre|center|branch|headquarters|hq)\b|\blocated\b"),
    _re(_POSTAL + r"|\b(?:located|level \d+|floor|building|tower|block|blk)\b"))
# "reach net zero" and "call for help" ask for no address; "call us", "reach out" do.
CONTACT = AnswerType(
    "contact",
    _re(r"\bcontact\b|\b(?:call|reach)\s+(?:out|you|them|us|govtech|the\s+\w+\s+team)\b"
        r"|\bget in touch\b|\bspeak to\b"),
    _re(rf"{_PHONE}|{_EMAIL}|@|{_FORM}|\b(?:contact|form|email|e-mail|call|write|hotline)\b"))
PLACE = AnswerType(
    "place",
    # Where something is or happens; "where can I download …?" asks for a website, and
    # "where did Singapore place?" for a rank.
    _re(r"^\s*where (?:is|are|was|were|will)\b(?!.*\b(?:rank|place[ds]? in|position)\b)"
        r"|\bwhere\b.*\b(?:held|hosted|located|based|take place|took place)\b"
        r"|\bin which (?:city|country|town)\b|\bwhich (?:city|country|countries|venue|town)\b"
        r"|\bwhat (?:city|country|venue)\b"),
    _re(_NAME + r"|\b(?:at|in)\s+(?:the\s+)?(?:\w+\s+)?(?:centre|center|hall|office|venue"
        r"|library|branch|island|campus)\b"))
PERSON_OR_ORG = AnswerType(
    "person or organisation",
    # Named organisations, makers and office-holders; "who is it meant for?", "who can
    # apply?" and "who does GovTech team up with?" ask for kinds of people, which pages
    # answer in plain words ("non-profits, overseas governments").
    _re(r"\bwhich (?:company|companies|agency|agencies|organi[sz]ations?|firms?|partners?"
        r"|ministry|ministries|bank|banks|university|universities)\b"
        r"|\bwhat (?:company|agency|organi[sz]ation|ministry)\b"
        r"|^\s*who (?:\w+ )?(?:built|designed|developed|created|founded|organi[sz]es"
        r"|organi[sz]ed|runs|manages|tested|spoke|speaks|gave|wrote|won|leads|led)\b"
        r"|^\s*who (?:is|was) (?:the |its |their |\w+'s )?(?:chief|ceo|director|head|minister"
        r"|chair|chairman|chairperson|founder|president|deputy)\b"),
    _re(_NAME))
YES_NO = AnswerType(
    "yes/no",
    _re(r"^\s*(?:is|are|was|were|can|could|do|does|did|will|would|should|must|may|has|have"
        r"|am)\b"),
    None)

# In the order they are checked; every type a question asks for must be held.
TYPES = (DATE, MONEY, NUMBER, FREQUENCY, DURATION, PHONE, EMAIL, ADDRESS, CONTACT, PLACE,
         PERSON_OR_ORG, YES_NO)

# The five broad types the features began with (`type_ok`): a sum is a count, and any
# e-mail, phone or form answers a contact question.
BROAD_DATE = AnswerType(
    "date", _re(r"^\s*when\b|\bwhat (?:year|date|month|time)\b|\bsince when\b"
                r"|\bhow long ago\b|\bin (?:what|which) year\b"), DATE.gives)
BROAD_COUNT = AnswerType(
    "number", _re(r"\bhow (?:many|much)\b|\bwhat (?:percentage|number)\b"
                  r"|\b(?:cost|price|fee|fees)\b"), NUMBER.gives)
BROAD_CONTACT = AnswerType(
    "contact", _re(r"\b(?:e-?mail|phone|hotline|contact)\b"
                   r"|\b(?:call|reach)\s+(?:out|you|them|us|govtech|the\s+\w+\s+team)\b"),
    _re(r"@|\+65|\b\d{4}\s?\d{4}\b|\b(?:contact|form|email|e-mail|call|write)\b"))
BROAD_TYPES = (BROAD_DATE, BROAD_COUNT, FREQUENCY, DURATION, BROAD_CONTACT)


def asked_broadly(question: str) -> list[AnswerType]:
    """The broad types `question` asks for (what `type_ok` checks)."""
    wanted = [t for t in BROAD_TYPES if t.asks.search(question)]
    if BROAD_DATE in wanted:
        # "until what time can I call?" asks for hours, not a phone number.
        wanted = [t for t in wanted if t is not BROAD_CONTACT]
    return wanted


def asked(question: str) -> list[AnswerType]:
    """The answer types `question` asks for, the narrower ones in place of the broader."""
    wanted = [t for t in TYPES if t.asks.search(question)]
    names = {t.name for t in wanted}
    if "date" in names:
        # "until what time can I call?" asks for hours, not a phone number.
        wanted = [t for t in wanted if t.name not in {"phone", "contact"}]
    if names & {"phone", "email", "address"}:
        wanted = [t for t in wanted if t.name != "contact"]  # the narrower type decides
    if names & {"phone", "email", "address"}:
        wanted = [t for t in wanted if t.name != "place"]
    if "money" in names:
        wanted = [t for t in wanted if t.name != "number"]  # "how much does it cost?"
    if names & {"number", "money", "date", "duration", "frequency"}:
        # "Who can apply, and how much…" is rare; "who" beside a count is usually the topic.
        wanted = [t for t in wanted if t.name not in {"person or organisation", "place"}]
    return wanted


def holds(wanted: list[AnswerType], sentence: str) -> bool:
    return all(t.held_by(sentence) for t in wanted)
