"""Live sources: one page URL, or a sitemap.xml crawled politely (same host, robots.txt)."""

from __future__ import annotations

import html
import re
import urllib.robotparser
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urldefrag, urlparse

import httpx

from ingest.formats import MAX_BYTES
from ingest.records import Document, Item

DEFAULT_TIMEOUT = 10.0  # seconds, per request
CONCURRENCY = 4  # pages fetched at once during a crawl
MAX_SITEMAP_PAGES = 5000
USER_AGENT = "govqa-ingest/0.1"
_LOC = re.compile(r"<loc>\s*(.*?)\s*</loc>", re.S | re.I)
_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo",
              "temporary failure in name resolution", "no address associated",
              "name resolution")


class FetchError(Exception):
    """A request that failed; the message is the one-line reason."""


class Robots:
    """robots.txt rules per host, fetched once each."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def allowed(self, url: str) -> bool:
        parts = urlparse(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._parsers:
            self._parsers[origin] = self._load(origin)
        parser = self._parsers[origin]
        return parser is None or parser.can_fetch(USER_AGENT, url)

    def _load(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        try:
            response = self.client.get(origin + "/robots.txt")
        except httpx.HTTPError:
            return None  # no reachable robots.txt: nothing is disallowed
        if response.status_code >= 400:
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.text.splitlines())
        return parser


def _reason(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if any(hint in text for hint in _DNS_HINTS):
            return "DNS lookup failed: host not found"
        return f"cannot connect: {str(exc) or 'connection refused'}"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid URL"
    return f"request failed: {str(exc) or type(exc).__name__}"


def get(client: httpx.Client, url: str, timeout: float) -> httpx.Response:
    """GET with a one-line FetchError for every failure (DNS, timeout, HTTP status)."""
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise FetchError(_reason(exc, timeout)) from None
    except ValueError:
        raise FetchError("invalid URL") from None
    if response.status_code >= 400:
        raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
    if len(response.content) > MAX_BYTES:
        raise FetchError("page over 5 MB")
    return response


def _content_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _is_sitemap(url: str, response: httpx.Response) -> bool:
    head = response.content[:2048].lower()
    return (b"<urlset" in head or b"<sitemapindex" in head) and (
        "xml" in _content_type(response) or urlparse(url).path.endswith(".xml")
    )


def page_document(url: str, response: httpx.Response) -> Item:
    ctype = _content_type(response)
    if ctype not in ("text/html", "application/xhtml+xml"):
        return url, f"not HTML (content type {ctype or 'missing'})"
    final = urldefrag(str(response.url))[0]
    path = urlparse(final).path or "/"
    return Document(source=url, data=response.content, rel_path=path or "index.html",
                    content_type=ctype, url=final, permalink=path)


def sitemap_urls(client: httpx.Client, response: httpx.Response, timeout: float,
                 depth: int = 0) -> list[str]:
    """Page URLs listed by a sitemap, following a sitemap index one level down."""
    text = response.text
    locs = [html.unescape(loc) for loc in _LOC.findall(text)]
    if "<sitemapindex" not in text[:2048].lower():
        return locs[:MAX_SITEMAP_PAGES]
    urls: list[str] = []
    for loc in locs:
        if depth >= 1 or len(urls) >= MAX_SITEMAP_PAGES:
            break
        try:
            urls.extend(sitemap_urls(client, get(client, loc, timeout), timeout, depth + 1))
        except FetchError:
            continue
    return urls[:MAX_SITEMAP_PAGES]


def fetch_url_source(url: str, progress: bool = False, timeout: float = DEFAULT_TIMEOUT,
                     concurrency: int = CONCURRENCY) -> Iterator[Item]:
    """The document at a page URL, or every same-host page of a sitemap.xml."""
    try:
        parts = urlparse(url)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        parts = None
    if parts is None or not parts.hostname:
        yield url, "invalid URL"
        return
    with httpx.Client(timeout=timeout, follow_redirects=True,
                      headers={"User-Agent": USER_AGENT}) as client:
        robots = Robots(client)
        if not robots.allowed(url):
            yield url, "disallowed by robots.txt"
            return
        try:
            response = get(client, url, timeout)
        except FetchError as exc:
            yield url, str(exc)
            return
        if not _is_sitemap(url, response):
            yield page_document(url, response)
            return
        host = urlparse(str(response.url)).netloc
        todo: list[str] = []
        seen: set[str] = set()
        for page_url in sitemap_urls(client, response, timeout):
            page_url = urldefrag(page_url)[0]
            if page_url in seen:
                continue
            seen.add(page_url)
            try:
                page_host = urlparse(page_url).netloc
            except ValueError:
                yield page_url, "invalid URL"
                continue
            if page_host != host:
                yield page_url, f"off-host link (sitemap host is {host})"
            elif not robots.allowed(page_url):
                yield page_url, "disallowed by robots.txt"
            else:
                todo.append(page_url)

        def fetch(page_url: str) -> Item:
            try:
                return page_document(page_url, get(client, page_url, timeout))
            except FetchError as exc:
                return page_url, str(exc)

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            if progress and todo:
                from rich.progress import track

                yield from track(pool.map(fetch, todo), total=len(todo),
                                 description=f"Crawling {host}", transient=True)
            else:
                yield from pool.map(fetch, todo)
