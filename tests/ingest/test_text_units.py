"""Sentences, slugs, alt text and front matter: the small rules chunks are built from."""

from __future__ import annotations

import pytest

from ingest.frontmatter import FrontMatterError, split_front_matter
from ingest.sentences import split_lines, split_sentences
from ingest.slug import SlugRegistry, slugify
from ingest.text import clean_line, informative_alt


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_respect_abbreviations_and_numbers() -> None:
    assert _split(
        "Dr. Tan leads the team, e.g. on U.S. projects. Fees rose 2.5% in 2023. "
        "Call No. 5 now! Is it free? Yes, it is (mostly). “Quotes” start sentences too."
    ) == [
        "Dr. Tan leads the team, e.g. on U.S. projects.",
        "Fees rose 2.5% in 2023.",
        "Call No. 5 now!",
        "Is it free?",
        "Yes, it is (mostly).",
        "“Quotes” start sentences too.",
    ]
    assert _split("Mr. J. Tan met Ms. Lee on Jan. 5 at 3 p.m. in the lobby.") == [
        "Mr. J. Tan met Ms. Lee on Jan. 5 at 3 p.m. in the lobby."]
    assert _split("It covers tools, etc. Then it ends.") == [
        "It covers tools, etc.", "Then it ends."]
    assert _split("1. Check the sender. 2. Report it.") == ["1. Check the sender.", "2. Report it."]
    assert _split("iv. Keep records. Done.") == ["iv. Keep records.", "Done."]


def test_each_line_is_a_unit() -> None:
    text = "The plan has three parts:\nFirst part\nSecond part. It is long.\nThird"
    assert [text[s:e] for s, e in split_lines(text)] == [
        "The plan has three parts:", "First part", "Second part.", "It is long.", "Third"]


def test_slugs() -> None:
    assert slugify("Digital Government Exchange (DGX)") == "digital-government-exchange-dgx"
    assert slugify("1. Transforming urban living with Open-Robotics Middle Framework (Open-RMF)") \
        == "1-transforming-urban-living-with-open-robotics-middle-framework-open-rmf"
    assert slugify("JAGA’s your friend; help him defend!") == "jagas-your-friend-help-him-defend"
    assert slugify("Parking.sg & You") == "parkingsg-you"
    registry = SlugRegistry()
    anchors = [registry.anchor(t) for t in ("FAQ", "FAQ", "faq", "!!")]
    assert anchors == ["faq", "faq-1", "faq-2", ""]


@pytest.mark.parametrize(("alt", "kept"), [
    ("GovTech participated in the Smart City Expo World Congress 2023 in Barcelona.", True),
    ("Transforming urban living with Open-RMF. GovTech leader giving a presentation", True),
    ("", False),
    ("image", False),
    ("Image alt text", False),
    ("placeholder image for hero", False),
    ("IMG_2041.jpg", False),
    ("card_1__resized_", False),
    ("DGX 2024", False),
    ("banner-01.png", False),
    ("Singpass API logo", False),
])
def test_informative_alt(alt: str, kept: bool) -> None:
    assert informative_alt(alt) == (alt if kept else "")


def test_clean_line() -> None:
    assert clean_line("  Fees\u00a0apply {:target=\"_blank\"} {{ site.title }} {% if x %}today ") \
        == "Fees apply today"
    assert clean_line("ready <partners> and<br>more") == "ready partners and more"
    assert clean_line("Fees < $20 and > $5") == "Fees < $20 and > $5"


def test_front_matter() -> None:
    meta, body = split_front_matter(
        "---\ntitle: A\ndescription: one\n  two three\n---\n<p>x</p>\n")
    assert (meta, body) == ({"title": "A", "description": "one two three"}, "<p>x</p>\n")
    assert split_front_matter("no front matter") == (None, "no front matter")
    with pytest.raises(FrontMatterError, match="broken front matter"):
        split_front_matter("---\ntitle: [\n---\nx")
