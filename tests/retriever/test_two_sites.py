"""Two sites in one index, built by `govqa ingest --site`: each answer cites its own site."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.pipeline import DEFAULT_SOURCE

TECH, TRADETRUST = "https://www.tech.gov.sg", "https://www.tradetrust.io"
SAMPLE = f"{TECH}/products-and-services/collaborate-with-us/international-collaboration/"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture()
def tech_home(tmp_path: Path) -> Path:
    """A home page for www.tech.gov.sg (the bundled sample has none), at the permalink "/"
    that TradeTrust's home page has too."""
    path = tmp_path / "home.md"
    path.write_text("---\ntitle: Government Technology Agency\npermalink: /\nvariant: tiptap\n"
                    "---\n<h2>About GovTech</h2><p>GovTech is the lead agency for Singapore's "
                    "digital government transformation.</p>\n")
    return path


@pytest.fixture()
def tradetrust(shared_dir: Path) -> Path:
    """One Isomer site of its own: IMDA's TradeTrust (www.tradetrust.io)."""
    return shared_dir / "corpus" / "other-isomer" / "isomerpages+imda-tradetrust"


def test_under_one_base_url_the_home_pages_collide(tech_home: Path, tradetrust: Path,
                                                   tmp_path: Path, run_cli: Run) -> None:
    rc, out, err = run_cli("ingest", "--dry-run", "--index", tmp_path / "ix", DEFAULT_SOURCE,
                           tech_home, tradetrust)
    assert (rc, err) == (0, "")
    assert out.splitlines()[-2:] == [
        "read 9 pages, 82 chunks: 9 added, 0 updated, 0 unchanged, 0 removed, 1 skipped "
        "(dry run: nothing written)",
        f"skipped {tradetrust / 'index.md'}: same page URL {TECH}/ as {tech_home} "
        "(kept that one)",
    ]


def test_each_site_answers_with_its_own_urls(tech_home: Path, tradetrust: Path,
                                             tmp_path: Path, run_cli: Run) -> None:
    from retriever.engine import Engine
    from retriever.index import read_pages

    index = tmp_path / "index"
    rc, out, err = run_cli("ingest", "--index", index, "--site", f"{TECH}={DEFAULT_SOURCE}",
                           "--site", f"{TECH}/={tech_home}", "--site", f"{TRADETRUST}={tradetrust}")
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        "read 10 pages, 93 chunks: 10 added, 0 updated, 0 unchanged, 0 removed, 0 skipped"]
    assert [(p.url, p.site) for p in read_pages(index)] == [
        (SAMPLE, TECH),
        (f"{TECH}/", TECH),  # both home pages
        (f"{TRADETRUST}/", TRADETRUST),
        (f"{TRADETRUST}/about/legality-guide/", TRADETRUST),
        (f"{TRADETRUST}/about/what-is-tradetrust/", TRADETRUST),
        (f"{TRADETRUST}/community/trials/", TRADETRUST),
        (f"{TRADETRUST}/developer/technical-guides/", TRADETRUST),
        (f"{TRADETRUST}/common-error-faqs/", TRADETRUST),
        (f"{TRADETRUST}/solution/how-it-works/", TRADETRUST),
        (f"{TRADETRUST}/tradetrust-newsletter-may-2025/", TRADETRUST),
    ]

    engine = Engine.load(index)
    dgx = engine.ask("Which countries attended DGX?")
    dgx_text = (
        "The ninth edition of DGX serves as a significant annual international gathering of "
        "Government Chief Information Officers (CIOs) and public sector leaders from advanced "
        "economies, including Australia, the Netherlands (Amsterdam), Canada, China (Shanghai), "
        "Denmark, Estonia, Finland, France, Israel, Japan, New Zealand, Sweden, the United "
        "Kingdom (UK), and the U.S. (New York).")
    assert (dgx.answered, dgx.answer) == (True, dgx_text)
    assert [(c.url, c.highlight_url, c.quote) for c in dgx.citations] == [(
        f"{SAMPLE}#digital-government-exchange-dgx",
        f"{SAMPLE}#:~:text=The%20ninth%20edition%20of%20DGX,and%20the%20U.S.%20%28New%20York"
        "%29.",
        dgx_text)]

    # Answered from TradeTrust's home page: under one base URL it was www.tech.gov.sg's.
    trade = engine.ask("What is TradeTrust?")
    trade_text = ("What is TradeTrust?\nTo unify the international trade ecosystem, through a "
                  "framework that standardises digital trade, with enhanced security and legal "
                  "certainty.")
    assert (trade.answered, trade.answer) == (True, trade_text)
    assert [(c.url, c.highlight_url, c.quote) for c in trade.citations] == [(
        f"{TRADETRUST}/#tradetrust-framework",
        f"{TRADETRUST}/#:~:text=What%20is%20TradeTrust%3F,enhanced%20security%20and%20legal"
        "%20certainty.",
        trade_text)]
