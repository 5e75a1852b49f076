"""Per-question scores: SQuAD answer metrics, citation matching and ranking metrics."""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import numpy as np

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace.

    A line-for-line copy of `normalize_answer` in the official SQuAD v1.1 (and v2.0)
    evaluation script, so EM and F1 are comparable with published figures. Like the
    original, it removes ASCII punctuation only: curly quotes and dashes stay.
    """

    def remove_articles(text: str) -> str:
        return _ARTICLES.sub(" ", text)

    def white_space_fix(text: str) -> str:
        return " ".join(text.split())

    def remove_punc(text: str) -> str:
        return "".join(ch for ch in text if ch not in _PUNCTUATION)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    """Token F1 as in the SQuAD v2.0 script: two empty answers agree, one empty scores 0."""
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_scores(prediction: str | None, golds: Sequence[str]) -> tuple[float, float]:
    """(EM, F1), each the maximum over the gold answers.

    No gold answers marks an unanswerable question: as in SQuAD v2.0 the gold is then
    the empty answer, so the score is 1 exactly when the bot abstained (prediction None
    or empty).
    """
    pred = prediction or ""
    targets = list(golds) or [""]
    return (
        max(exact_match(pred, g) for g in targets),
        max(f1(pred, g) for g in targets),
    )


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
    }
)


def fold_unicode_punctuation(text: str) -> str:
    """Curly quotes become straight ones and other non-ASCII punctuation a space, so that
    "GovTech\u2019s" on a page matches "GovTech's" in a gold answer. EM and F1 keep the
    official normalisation; only answer accuracy (containment) folds first."""
    text = text.translate(_QUOTES)
    return "".join(
        " " if ord(ch) > 127 and unicodedata.category(ch).startswith("P") else ch for ch in text
    )


def contains(answer: str, gold: str) -> bool:
    """Whether the normalised gold occurs in the normalised answer as whole tokens.

    Whole tokens, so gold "5" is not found in "2025". A gold that normalises to nothing
    (say "the") is found only in an answer that also normalises to nothing, never for free.
    Curly quotes and other Unicode punctuation are folded first (fold_unicode_punctuation).
    """
    norm_gold = normalize_answer(fold_unicode_punctuation(gold))
    norm_answer = normalize_answer(fold_unicode_punctuation(answer))
    if not norm_gold:
        return not norm_answer
    return f" {norm_gold} " in f" {norm_answer} "


def answer_correct(answer: str | None, golds: Sequence[str], match: str = "any") -> bool:
    """Answer accuracy for an answerable question: the gold string(s) occur in the answer.

    `match="any"` needs one of the golds, `match="all"` every one of them. An abstention
    (no answer) is never correct here; unanswerable questions are scored by abstention.
    """
    if answer is None or not golds:
        return False
    found = [contains(answer, g) for g in golds]
    return all(found) if match == "all" else any(found)


# --- citations ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case- and whitespace-insensitive form of a section title."""
    return " ".join(text.casefold().split())


def section_matches(gold: str, section: str, section_path: Sequence[str] = ()) -> bool:
    """The cited section is the gold one, or lies inside it (the gold is an ancestor).

    The page title (first element of the path) does not count as an ancestor: a gold
    section that is just the page title is matched only by a citation of that name.
    """
    want = _fold(gold)
    if not want:
        return True
    if _fold(section) == want:
        return True
    return any(_fold(s) == want for s in list(section_path)[1:])


def _path_parts(value: str) -> tuple[str, ...]:
    """The path of a URL or file path as non-empty parts, without fragment or query."""
    value = value.strip()
    if "://" in value:
        value = urlsplit(value).path
    value = unquote(value.split("#", 1)[0].split("?", 1)[0])
    return tuple(p for p in value.replace("\\", "/").split("/") if p not in ("", ".", ".."))


def page_matches(gold: str, url: str, source: str | None = None) -> bool:
    """The cited page is the gold page.

    The gold is a permalink (or full URL) or a file path. It matches when it is a
    whole-segment suffix of the citation URL's path or of the page's source path; a
    gold file path also matches a URL whose last segment is the file's stem, since
    Isomer permalinks are usually the file name. A full-URL gold must also be on the
    citation's host: an index of several sites has a `/` and a `/contact-us/` on each.
    """
    host = urlsplit(gold.strip()).netloc if "://" in gold else ""
    if host and "://" in url and urlsplit(url).netloc != host:
        return False
    gold_parts = _path_parts(gold)
    if not gold_parts:
        return True
    for candidate in (url, source or ""):
        parts = _path_parts(candidate)
        if parts and parts[-len(gold_parts) :] == gold_parts:
            return True
    stem = PurePosixPath(gold_parts[-1]).stem
    url_parts = _path_parts(url)
    return bool(stem) and stem != gold_parts[-1] and bool(url_parts) and url_parts[-1] == stem


def location_matches(
    gold_section: str | None,
    gold_page: str | None,
    section: str,
    section_path: Sequence[str],
    url: str,
    source: str | None = None,
) -> bool:
    """Both the gold section and the gold page match, where the gold gives them."""
    if gold_section and not section_matches(gold_section, section, section_path):
        return False
    return not gold_page or page_matches(gold_page, url, source)


# --- ranking -----------------------------------------------------------------------------


def first_relevant_rank(relevant: Sequence[bool]) -> int:
    """1-based rank of the first relevant item, or 0 when none is relevant."""
    for i, rel in enumerate(relevant, start=1):
        if rel:
            return i
    return 0


def hit_at(rank: int, k: int) -> float:
    return float(0 < rank <= k)


def reciprocal_rank(rank: int) -> float:
    return 1.0 / rank if rank > 0 else 0.0


def average_precision(relevant: Sequence[bool]) -> float:
    """Average precision of one ranked list; 0 when nothing in it is relevant."""
    hits = 0
    total = 0.0
    for i, rel in enumerate(relevant, start=1):
        if rel:
            hits += 1
            total += hits / i
    return total / hits if hits else 0.0


# --- abstention and latency --------------------------------------------------------------


def abstention_scores(
    answerable: Sequence[bool], abstained: Sequence[bool]
) -> dict[str, float | None]:
    """Precision and recall of abstaining on the unanswerable questions, and the rate of
    abstaining on answerable ones. A rate with nothing to count over is None, and so is
    precision when the set has no unanswerable question."""
    pairs = list(zip(answerable, abstained, strict=True))
    abstentions = [a for a, ab in pairs if ab]
    unanswerable = [ab for a, ab in pairs if not a]
    answerable_abst = [ab for a, ab in pairs if a]
    return {
        # Without unanswerable questions every abstention is wrong by construction, and a
        # precision of 0 would say less than "not measured".
        "abstention_precision": (
            sum(1 for a in abstentions if not a) / len(abstentions)
            if abstentions and unanswerable
            else None
        ),
        "abstention_recall": (sum(unanswerable) / len(unanswerable) if unanswerable else None),
        "false_abstain_rate": (
            sum(answerable_abst) / len(answerable_abst) if answerable_abst else None
        ),
    }


def percentiles(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> list[float | None]:
    """Percentiles with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return [None for _ in qs]
    return [float(v) for v in np.percentile(np.asarray(values, dtype=float), list(qs))]
