"""Live sources, served by a real HTTP server on 127.0.0.1: a page URL and a sitemap crawl."""

from __future__ import annotations

from govqa.cli import main
from ingest.pipeline import Skipped, ingest_sources


def test_page_url(site) -> None:
    url = site.url + "/pages/fees/"
    result = ingest_sources([url])
    assert result.skipped == [] and result.scanned == [url]
    [page] = result.pages
    assert (page.url, page.permalink, page.title, page.source, page.format) == (
        url, "/pages/fees/", "Fees", url, "html")
    assert [(c.section, c.anchor, c.text) for c in result.chunks] == [
        (["Fees", "Application fee"], "application-fee",
         "The application fee is $20 and is not refundable."),
    ]
    # Navigation, footer and script are not page text.
    assert page.text == "The application fee is $20 and is not refundable."


def test_sitemap_crawl(site) -> None:
    result = ingest_sources([site.url + "/sitemap.xml"], timeout=1.0)
    assert sorted((p.title, p.url) for p in result.pages) == [
        ("Fees", site.url + "/pages/fees/"),
        ("Opening Hours", site.url + "/pages/opening-hours/"),
    ]
    host = site.url.removeprefix("http://")
    assert result.skipped == [
        Skipped(site.url + "/private/staff-only/", "disallowed by robots.txt"),
        Skipped("http://example.invalid/elsewhere/", f"off-host link (sitemap host is {host})"),
        Skipped(site.url + "/pages/gone/", "HTTP 404 Not Found"),
        Skipped(site.url + "/pages/slow/", "timed out after 1 s"),
        Skipped(site.url + "/files/annual-report.pdf", "not HTML (content type application/pdf)"),
    ]
    assert "/private/staff-only/" not in site.requests
    assert {c.section_title for c in result.chunks} == {"Weekdays", "Application fee"}


def test_url_failures(site) -> None:
    result = ingest_sources([site.url + "/pages/gone/", site.url + "/files/annual-report.pdf",
                             site.url + "/private/staff-only/", "http://[::1/"], timeout=1.0)
    assert result.pages == []
    assert result.skipped == [
        Skipped(site.url + "/pages/gone/", "HTTP 404 Not Found"),
        Skipped(site.url + "/files/annual-report.pdf", "not HTML (content type application/pdf)"),
        Skipped(site.url + "/private/staff-only/", "disallowed by robots.txt"),
        Skipped("http://[::1/", "invalid URL"),
    ]


def test_dns_failure() -> None:
    # ".invalid" is reserved (RFC 6761): it never resolves, and no request is ever sent.
    result = ingest_sources(["http://no-such-host.invalid/page/"], timeout=2.0)
    assert result.skipped == [
        Skipped("http://no-such-host.invalid/page/", "DNS lookup failed: host not found")]


def test_cli_with_a_sitemap(site, tmp_path, capsys) -> None:
    code = main(["ingest", "--dry-run", "--timeout", "1", "--index", str(tmp_path / "ix"),
                 site.url + "/sitemap.xml"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[2] == ("read 2 pages, 2 chunks: 2 added, 0 updated, 0 unchanged, 0 removed, "
                      "5 skipped (dry run: nothing written)")
    assert out[3:] == [
        f"skipped {site.url}/private/staff-only/: disallowed by robots.txt",
        "skipped http://example.invalid/elsewhere/: off-host link "
        f"(sitemap host is {site.url.removeprefix('http://')})",
        f"skipped {site.url}/pages/gone/: HTTP 404 Not Found",
        f"skipped {site.url}/pages/slow/: timed out after 1 s",
        f"skipped {site.url}/files/annual-report.pdf: not HTML (content type application/pdf)",
    ]
