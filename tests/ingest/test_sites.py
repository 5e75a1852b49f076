"""Several sites in one index: each source read under its own site's base URL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.pipeline import apply_plan, ingest_sources, plan_update
from ingest.records import Page
from ingest.sites import Site, SiteError, parse_site, read_sites_file

A, B = "https://www.agency-a.gov.sg", "https://www.agency-b.gov.sg"
Run = Callable[..., tuple[int, str, str]]


def _page(folder: Path, name: str, title: str, permalink: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\npermalink: {permalink}\nvariant: tiptap\n---\n"
                    f"<p>{text}</p>\n")
    return path


@pytest.fixture()
def two_sites(tmp_path: Path) -> tuple[Path, Path]:
    """Two sites whose home and contact pages have the same permalinks."""
    a, b = tmp_path / "a", tmp_path / "b"
    _page(a, "index.md", "Agency A", "/", "Agency A grants licences.")
    _page(a, "contact-us.md", "Contact A", "/contact-us/", "Call Agency A at 6123 4567.")
    _page(b, "index.md", "Agency B", "/", "Agency B runs libraries.")
    _page(b, "contact-us.md", "Contact B", "/contact-us/", "Call Agency B at 6765 4321.")
    _page(b, "fees.md", "Fees", "/fees/", "Library cards cost $5.")
    return a, b


def _where(pages: list[Page]) -> list[tuple[str, str, str]]:
    return [(p.title, p.url, p.site) for p in pages]


TWO_SITES = [
    ("Contact A", f"{A}/contact-us/", A), ("Agency A", f"{A}/", A),
    ("Contact B", f"{B}/contact-us/", B), ("Fees", f"{B}/fees/", B), ("Agency B", f"{B}/", B),
]


def test_the_same_permalinks_on_two_sites_are_two_pages_each(two_sites) -> None:
    a, b = two_sites
    result = ingest_sources(sites=[Site(A, [str(a)]), Site(B, [str(b)])])
    assert result.skipped == []
    assert _where(result.pages) == TWO_SITES
    assert {c.url for c in result.chunks} == {url for _, url, _ in TWO_SITES}


def test_under_one_base_url_they_collide(two_sites) -> None:
    a, b = two_sites
    result = ingest_sources([str(a), str(b)], base_url=A)
    assert [(s.source, s.reason) for s in result.skipped] == [
        (str(b / "contact-us.md"),
         f"same page URL {A}/contact-us/ as {a / 'contact-us.md'} (kept that one)"),
        (str(b / "index.md"), f"same page URL {A}/ as {a / 'index.md'} (kept that one)"),
    ]


def test_plain_sources_keep_the_base_url_and_sites_add_their_own(two_sites) -> None:
    a, b = two_sites
    result = ingest_sources([str(a)], base_url=A, sites=[Site(B, [str(b / "fees.md")])])
    assert _where(result.pages) == [TWO_SITES[0], TWO_SITES[1], TWO_SITES[3]]


def test_cli_sites_dry_run_shows_each_pages_site(two_sites, tmp_path: Path, run_cli: Run) -> None:
    a, b = two_sites
    rc, out, err = run_cli("ingest", "--dry-run", "--index", tmp_path / "ix",
                           "--site", f"{A}/={a}", "--site", f"{B}={b / 'index.md'}",
                           "--site", f"{B}={b / 'fees.md'}")
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        f"Contact A <{A}/contact-us/> [tiptap; site {A}]: 1 chunks",
        f"Agency A <{A}/> [tiptap; site {A}]: 1 chunks",
        f"Agency B <{B}/> [tiptap; site {B}]: 1 chunks",
        f"Fees <{B}/fees/> [tiptap; site {B}]: 1 chunks",
        "read 4 pages, 4 chunks: 4 added, 0 updated, 0 unchanged, 0 removed, 0 skipped "
        "(dry run: nothing written)",
    ]


def test_a_sites_file_reads_paths_from_its_own_folder(two_sites, tmp_path: Path,
                                                      run_cli: Run) -> None:
    (tmp_path / "sites.yml").write_text(
        f"- url: {A}\n  sources: a\n- url: {B}/\n  sources:\n    - b/fees.md\n"
        f"    - {tmp_path / 'b' / 'index.md'}\n")
    assert read_sites_file(tmp_path / "sites.yml") == [
        Site(A, [str(tmp_path / "a")]),
        Site(B, [str(tmp_path / "b" / "fees.md"), str(tmp_path / "b" / "index.md")])]
    rc, out, err = run_cli("ingest", "--dry-run", "--index", tmp_path / "ix",
                           "--sites", tmp_path / "sites.yml")
    assert (rc, err) == (0, "")
    assert out.splitlines()[-1] == (
        "read 4 pages, 4 chunks: 4 added, 0 updated, 0 unchanged, 0 removed, 0 skipped "
        "(dry run: nothing written)")


def test_a_site_option_splits_at_the_first_equals_sign() -> None:
    assert parse_site("https://www.tech.gov.sg/=pages/a=b.md") == Site(
        "https://www.tech.gov.sg", ["pages/a=b.md"])


@pytest.mark.parametrize(("value", "message"), [
    ("pages/", "expected URL=SOURCE, e.g. https://www.tech.gov.sg=pages/, not 'pages/'"),
    ("https://www.tech.gov.sg=", "expected URL=SOURCE, e.g. https://www.tech.gov.sg=pages/, "
                                 "not 'https://www.tech.gov.sg='"),
    ("www.tech.gov.sg=pages/", "must start with http:// or https://"),
    ("https://www.tech.gov.sg/?a=b=pages/", "a site address has no ?query or #fragment: "
                                            "https://www.tech.gov.sg/?a"),
])
def test_a_bad_site_option_is_one_line(value: str, message: str, run_cli: Run) -> None:
    with pytest.raises(SiteError, match="^" + message.replace("?", r"\?") + "$"):
        parse_site(value)
    rc, out, err = run_cli("ingest", "--dry-run", "--site", value)
    assert rc == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"Error: Invalid value for --site: {message}"


@pytest.mark.parametrize(("text", "message"), [
    ("url: x\n", "expected a list of sites, each with url and sources"),
    ("- [a, b]\n", "site 1: expected url and sources"),
    (f"- url: {A}\n  source: a\n", "site 1: unknown key 'source' (expected url and sources)"),
    ("- url: ftp://x\n  sources: a\n", "site 1: url must start with http:// or https://"),
    (f"- url: {A}\n  sources: a\n- url: {B}\n  sources: []\n",
     "site 2: sources must be a file, folder or URL, or a list of them"),
    ("- url: [\n", "not valid YAML (line 2)"),
])
def test_a_bad_sites_file_is_one_line(text: str, message: str, tmp_path: Path,
                                      run_cli: Run) -> None:
    path = tmp_path / "sites.yml"
    path.write_text(text)
    rc, out, err = run_cli("ingest", "--dry-run", "--sites", path)
    assert rc == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"Error: Invalid value for --sites: {path}: {message}"


# -- re-ingest, site by site ----------------------------------------------------------------

def test_reingesting_one_site_leaves_the_other_alone(two_sites) -> None:
    a, b = two_sites
    first = ingest_sources(sites=[Site(A, [str(a)]), Site(B, [str(b)])])
    (b / "contact-us.md").unlink()
    _page(b, "fees.md", "Fees", "/fees/", "Library cards cost $6.")
    again = ingest_sources(sites=[Site(B, [str(b)])])
    plan = plan_update(first.pages, again.pages, again.scanned)
    assert (_where(plan.added), _where(plan.updated), _where(plan.unchanged),
            _where(plan.removed)) == ([], [TWO_SITES[3]], [TWO_SITES[4]], [TWO_SITES[2]])
    pages, chunks = apply_plan(first.pages, first.chunks, plan, again.chunks)
    # Site A's contact page, at the same permalink as the one removed, stays.
    assert sorted(_where(pages)) == sorted([*TWO_SITES[:2], TWO_SITES[3], TWO_SITES[4]])
    assert sorted(c.text for c in chunks) == [
        "Agency A grants licences.", "Agency B runs libraries.", "Call Agency A at 6123 4567.",
        "Library cards cost $6."]


def test_a_folder_read_for_another_site_moves_there(two_sites) -> None:
    a, _ = two_sites
    first = ingest_sources([str(a)], base_url=A)
    again = ingest_sources(sites=[Site(B, [str(a)])])
    plan = plan_update(first.pages, again.pages, again.scanned)
    assert [p.url for p in plan.added] == [f"{B}/contact-us/", f"{B}/"]
    assert [p.url for p in plan.removed] == [f"{A}/contact-us/", f"{A}/"]


def test_pages_of_an_index_written_before_sites_load_and_are_updated_once(two_sites) -> None:
    a, _ = two_sites
    now = ingest_sources([str(a)], base_url=A)
    old = [Page(**{k: v for k, v in p.__dict__.items() if k != "site"}) for p in now.pages]
    assert [p.site for p in old] == ["", ""] and [p.id for p in old] == [p.id for p in now.pages]
    plan = plan_update(old, now.pages, now.scanned)
    assert (plan.updated, plan.unchanged) == (now.pages, [])  # the site is recorded
    assert plan_update(now.pages, now.pages, now.scanned).unchanged == now.pages


def test_live_pages_belong_to_their_site(site) -> None:  # noqa: ANN001 - the local web site
    page = site.url + "/pages/fees/"
    named = ingest_sources(sites=[Site(site.url, [page])])
    plain = ingest_sources([page])  # the default base URL is another host
    assert _where(named.pages) == _where(plain.pages) == [("Fees", page, site.url)]
