"""Metric functions against hand-computed cases, SQuAD normalisation edge cases first."""

from urllib.parse import urlsplit

import pytest

from bench import metrics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Cat sat on a mat.", "cat sat on mat"),
        # Articles are removed only as whole words: "theatre", "another", "banana" keep theirs.
        ("the theatre", "theatre"),
        ("another banana, an apple", "another banana apple"),
        ("Theatre of The Absurd", "theatre of absurd"),
        # ASCII punctuation goes, even inside words ("U.S." -> "us", "e-mail" -> "email").
        ("U.S. e-mail: (yes!)", "us email yes"),
        ("$1,000.50", "100050"),
        # Like the official script, non-ASCII quotes and dashes stay.
        ("“quoted” — it’s", "“quoted” — it’s"),
        ("  many\t spaces\n\nhere  ", "many spaces here"),
        ("", ""),
        ("The a an", ""),
        ("A.", ""),
        ("ÉCOLE Été", "école été"),
    ],
)
def test_normalize_answer(text, expected):
    assert metrics.normalize_answer(text) == expected


def test_exact_match_and_f1_hand_computed():
    assert metrics.exact_match("The Eiffel Tower!", "eiffel tower") == 1.0
    assert metrics.exact_match("Eiffel Tower in Paris", "Eiffel Tower") == 0.0
    # pred tokens: eiffel tower in paris (4); gold: eiffel tower (2); common 2.
    # precision 2/4, recall 2/2 -> F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert metrics.f1("Eiffel Tower in Paris", "the Eiffel Tower") == pytest.approx(2 / 3)
    # Repeated tokens count by multiplicity: pred "a b b" vs gold "b b c": common {b: 2}.
    # precision 2/3, recall 2/3 -> F1 2/3 ("a" is an article, so use other letters).
    assert metrics.f1("x y y", "y y z") == pytest.approx(2 / 3)
    assert metrics.f1("nothing shared", "completely different") == 0.0
    # Empty against empty agrees; empty against something scores 0 (SQuAD v2.0).
    assert metrics.f1("", "") == 1.0
    assert metrics.f1("the", "") == 1.0  # normalises to empty
    assert metrics.f1("", "Paris") == 0.0
    assert metrics.f1("Paris", "") == 0.0


def test_squad_scores_take_the_max_over_golds():
    em, f1 = metrics.squad_scores("in the 10th century", ["10th century", "in 10th century"])
    assert (em, f1) == (1.0, 1.0)
    # golds "denver broncos" (F1 2/3 vs 3 pred tokens) and "broncos" (F1 2*1/3*1/(4/3)=0.5)
    em, f1 = metrics.squad_scores("the Denver Broncos team", ["Denver Broncos", "Broncos"])
    assert em == 0.0
    assert f1 == pytest.approx(0.8)  # p=2/3, r=1 -> 0.8


def test_unanswerable_scores_one_only_when_abstaining():
    assert metrics.squad_scores(None, []) == (1.0, 1.0)
    assert metrics.squad_scores("", []) == (1.0, 1.0)
    assert metrics.squad_scores("Some answer", []) == (0.0, 0.0)
    # And abstaining on an answerable question scores 0.
    assert metrics.squad_scores(None, ["Paris"]) == (0.0, 0.0)


def test_contains_is_whole_token_after_normalisation():
    assert metrics.contains("GovTech hosts the Digital Government Exchange.", "digital government")
    assert metrics.contains("It costs $2,025.", "2025")
    assert not metrics.contains("In 2025 we met.", "5")
    assert not metrics.contains("a theatre", "the")  # gold normalises to "", never free
    assert metrics.contains("the", "a")


def test_answer_correct_any_and_all():
    answer = "Australia, Canada and Denmark attended."
    assert metrics.answer_correct(answer, ["Finland", "Canada"], "any")
    assert not metrics.answer_correct(answer, ["Finland", "Canada"], "all")
    assert metrics.answer_correct(answer, ["Australia", "Denmark", "canada"], "all")
    assert not metrics.answer_correct(None, ["Canada"], "any")
    assert not metrics.answer_correct(answer, [], "any")


def test_section_and_page_matching():
    assert metrics.section_matches(
        "Digital Government Exchange (DGX)", "digital  government exchange (dgx)"
    )
    assert metrics.section_matches(
        "Events", "DGX", ["International Collaboration", "Events", "DGX"]
    )
    # The page title is not an ancestor section.
    assert not metrics.section_matches(
        "International Collaboration", "DGX", ["International Collaboration", "DGX"]
    )
    url = "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/#dgx"
    assert metrics.page_matches(
        "/products-and-services/collaborate-with-us/international-collaboration/", url
    )
    assert metrics.page_matches("international-collaboration", url)
    assert not metrics.page_matches("/collaboration/", url)  # whole segments only
    assert metrics.page_matches(url.split("#")[0], url)
    # A full-URL gold names its site: the same path on another host is another page.
    assert not metrics.page_matches("https://www.other.gov.sg" + urlsplit(url).path, url)
    assert metrics.page_matches("https://www.tech.gov.sg/", "https://www.tech.gov.sg/#a")
    assert not metrics.page_matches("https://www.tech.gov.sg/", "https://www.stp.gov.sg/#a")
    # A file path matches the page's source, or the URL by file stem.
    src = "/work/shared/corpus/govtech/_products-and-services/intl.md"
    assert metrics.page_matches("../shared/corpus/govtech/_products-and-services/intl.md", url, src)
    assert metrics.page_matches("corpus/x/international-collaboration.md", url)
    assert not metrics.page_matches("corpus/x/other.md", url, src)
    assert metrics.location_matches(None, None, "anything", [], url)
    assert not metrics.location_matches("DGX", "/other/", "DGX", [], url)


def test_ranking_metrics():
    assert metrics.first_relevant_rank([False, False, True, True]) == 3
    assert metrics.first_relevant_rank([False, False]) == 0
    assert metrics.first_relevant_rank([]) == 0
    assert [metrics.hit_at(3, k) for k in (1, 3, 5)] == [0.0, 1.0, 1.0]
    assert metrics.hit_at(0, 5) == 0.0
    assert metrics.reciprocal_rank(4) == 0.25
    assert metrics.reciprocal_rank(0) == 0.0
    # relevant at ranks 1 and 3: AP = (1/1 + 2/3) / 2 = 5/6
    assert metrics.average_precision([True, False, True, False]) == pytest.approx(5 / 6)
    assert metrics.average_precision([False, False]) == 0.0


def test_abstention_scores():
    answerable = [True, True, True, True, False, False, False]
    abstained = [False, True, False, False, True, True, False]
    # 3 abstentions, 2 on unanswerable -> precision 2/3; 2 of 3 unanswerable -> recall 2/3;
    # 1 of 4 answerable abstained -> false-abstain 1/4.
    assert metrics.abstention_scores(answerable, abstained) == {
        "abstention_precision": pytest.approx(2 / 3),
        "abstention_recall": pytest.approx(2 / 3),
        "false_abstain_rate": 0.25,
    }
    # No unanswerable question: precision is not measured rather than 0.
    assert metrics.abstention_scores([True, True], [True, False]) == {
        "abstention_precision": None,
        "abstention_recall": None,
        "false_abstain_rate": 0.5,
    }
    assert metrics.abstention_scores([True], [False]) == {
        "abstention_precision": None,
        "abstention_recall": None,
        "false_abstain_rate": 0.0,
    }


def test_percentiles_interpolate_linearly():
    values = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]
    # rank = q/100 * (n-1): p50 -> 4.5 -> 55; p95 -> 8.55 -> 95.5; p99 -> 8.91 -> 99.1
    p50, p95, p99 = metrics.percentiles(values)
    assert p50 == pytest.approx(55.0)
    assert p95 == pytest.approx(95.5)
    assert p99 == pytest.approx(99.1)
    assert metrics.percentiles([7.0]) == [7.0, 7.0, 7.0]
    assert metrics.percentiles([]) == [None, None, None]


def test_containment_folds_curly_quotes_and_unicode_dashes() -> None:
    from bench.metrics import contains, exact_match

    assert contains("JAGA, which means \u2018guard\u2019 in Malay", "guard")
    assert contains("With the \u2018No Wrong Door\u2019 approach", "No Wrong Door")
    assert contains("GovTech\u2019s mission", "GovTech's mission")
    assert contains("from 2016\u20132024", "2016")
    assert not contains("in 2025", "5")
    # EM keeps the official SQuAD normalisation, which leaves curly quotes alone.
    assert exact_match("\u2018guard\u2019", "guard") == 0.0
