"""Rendered HTML from a live site: navigation, header, footer and scripts stripped."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from bs4 import BeautifulSoup, Tag

from ingest.html_blocks import html_sections
from ingest.parsed import ParsedPage, SkipPage, permalink_from_path
from ingest.text import clean_line
from ingest.tree import outermost, remove_all

_CHROME_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer",
                "aside", "form", "iframe", "svg", "button"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_CHROME_CLASS = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|footer|header|masthead|sidebar|"
    r"skip-link|cookie|masthead|banner|social|share|pagination|toc|search)([\s_-]|$)", re.I
)
_MAIN_SELECTORS = ["main", "[role=main]", "article", "#main-content", "#content", ".content"]
_TITLE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]+$")


def _is_chrome(tag: Tag) -> bool:
    if tag.name in _CHROME_TAGS or str(tag.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if tag.name in ("main", "article", "body", "html"):
        return False
    classes = " ".join(tag.get("class") or [])
    return bool(_CHROME_CLASS.search(classes)) and "card" not in classes


def _strip_chrome(root: Tag) -> None:
    # Found in one walk and removed parent by parent: a page of a hundred thousand <nav>s
    # is linear work (see ingest.tree).
    remove_all(outermost(root, _is_chrome))


def parse_rendered(text: str, rel_path: str) -> ParsedPage:
    soup = BeautifulSoup(text, "lxml")
    head_title = clean_line(soup.title.get_text()) if soup.title else ""
    canonical = soup.find("link", rel="canonical")
    description_tag = soup.find("meta", attrs={"name": "description"})
    description = clean_line(str(description_tag.get("content") or "")) if description_tag else ""
    main: Tag | None = None
    for selector in _MAIN_SELECTORS:
        found = soup.select_one(selector)
        if isinstance(found, Tag):
            main = found
            break
    root = main or soup.body or soup
    h1 = root.find("h1") or soup.find("h1")
    title = clean_line(h1.get_text(" ")) if h1 else ""
    if h1 is not None:
        h1.decompose()  # the page title heads the section path, it is not a section
    _strip_chrome(root)
    if not title:
        title = _TITLE_SUFFIX.sub("", head_title) or head_title
    if not title:
        raise SkipPage("HTML page without a title (no <h1> or <title>)")
    permalink = ""
    if canonical is not None and canonical.get("href"):
        href = str(canonical["href"]).strip()
        # An absolute canonical address is where the site itself says the page lives.
        permalink = href if urlparse(href).scheme in ("http", "https") else urlparse(href).path
    if not permalink:
        permalink = permalink_from_path(rel_path)
    return ParsedPage(title, permalink, description, "html", html_sections(str(root)))
