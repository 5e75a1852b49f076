"""Fixtures for the ingest tests: real corpus files, ingest results, a local web site."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.pipeline import IngestResult, ingest_sources

HERE = Path(__file__).resolve().parent
SHARED = (HERE.parents[1] / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    assert (SHARED / "corpus").is_dir(), f"../shared/corpus is missing beside the repo ({SHARED})"
    return SHARED


@pytest.fixture(scope="session")
def corpus(shared: Path) -> Path:
    return shared / "corpus"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return HERE / "fixtures"


@pytest.fixture(scope="session")
def sample() -> IngestResult:
    """The bundled sample page, ingested once."""
    return ingest_sources()


@pytest.fixture(scope="session")
def corpus_result(corpus: Path) -> IngestResult:
    """The whole of ../shared/corpus, ingested once."""
    return ingest_sources([str(corpus)])


@pytest.fixture()
def read_one():
    """Ingest one source and return its single page and chunks, failing on any skip."""

    def read(path: Path | str, base_url: str = "https://www.tech.gov.sg"):
        result = ingest_sources([str(path)], base_url=base_url)
        assert result.skipped == [] and len(result.pages) == 1, result.skipped
        return result.pages[0], result.chunks

    return read


@pytest.fixture()
def section_texts():
    """{section title: text of its chunks joined by newlines} of one ingest's chunks."""

    def collect(chunks) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in chunks:
            key = c.section_title
            out[key] = out[key] + "\n" + c.text if key in out else c.text
        return out

    return collect


# -- a local web site -------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>{title} | Test Site</title></head><body>
<header><nav><a href="/">Home</a><a href="/about/">About</a></nav></header>
<main><h1>{title}</h1><h2>{section}</h2><p>{body}</p></main>
<footer><p>Copyright Test Site. Privacy Statement.</p></footer>
<script>var tracking = "{{{{ not text }}}}";</script></body></html>"""


@dataclass
class Site:
    url: str
    requests: list[str]


def _routes(port: int) -> dict[str, tuple[int, str, bytes]]:
    base = f"http://127.0.0.1:{port}"
    html = "text/html; charset=utf-8"
    sitemap = "".join(
        f"<url><loc>{base if not p.startswith('http') else ''}{p}</loc></url>"
        for p in ["/pages/opening-hours/", "/pages/fees/", "/private/staff-only/",
                  "http://example.invalid/elsewhere/", "/pages/gone/", "/pages/slow/",
                  "/files/annual-report.pdf"]
    )
    return {
        "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n"),
        "/sitemap.xml": (200, "application/xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{sitemap}</urlset>").encode()),
        "/pages/opening-hours/": (200, html, PAGE.format(
            title="Opening Hours", section="Weekdays",
            body="The service centre is open from 8am to 6pm on weekdays.").encode()),
        "/pages/fees/": (200, html, PAGE.format(
            title="Fees", section="Application fee",
            body="The application fee is $20 and is not refundable.").encode()),
        "/private/staff-only/": (200, html, PAGE.format(
            title="Staff Only", section="Secret", body="Robots must not read this.").encode()),
        "/pages/slow/": (200, html, PAGE.format(
            title="Slow", section="Slow", body="This page answers too late.").encode()),
        "/files/annual-report.pdf": (200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    }


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """A real HTTP server on 127.0.0.1 (free port) serving a small site with a sitemap, a
    robots.txt disallowing /private/, an off-host link, a 404, a slow page and a PDF."""
    requests: list[str] = []
    routes: dict[str, tuple[int, str, bytes]] = {}
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            requests.append(self.path)
            if self.path == "/pages/slow/":
                stop.wait(3.0)  # longer than the tests' timeout
            status, ctype, body = routes.get(self.path, (404, "text/html", b"<h1>Not found</h1>"))
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    routes.update(_routes(port))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url=f"http://127.0.0.1:{port}", requests=requests)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        time.sleep(0)
