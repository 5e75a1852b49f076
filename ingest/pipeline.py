"""Ingest orchestration: sources to pages and chunks, and the plan for re-ingesting."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunker import MAX_SENTENCES, chunk_sections
from ingest.formats import decode, parse_document
from ingest.html_blocks import MAX_SECTIONS
from ingest.parsed import SkipPage
from ingest.records import Chunk, Document, Page, content_hash
from ingest.sites import Site, merge, page_site
from ingest.sources import read_sources

log = logging.getLogger(__name__)

DEFAULT_SOURCE = Path(__file__).resolve().parent / "data" / "international-collaboration.md"
DEFAULT_BASE_URL = "https://www.tech.gov.sg"


@dataclass
class Skipped:
    source: str
    reason: str


@dataclass
class PageWarning:
    """A page that was kept, but not whole or not as written (one line each)."""

    source: str
    message: str


@dataclass
class IngestResult:
    pages: list[Page] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[PageWarning] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)  # the sources looked at, as given


@dataclass
class UpdatePlan:
    added: list[Page] = field(default_factory=list)
    updated: list[Page] = field(default_factory=list)
    unchanged: list[Page] = field(default_factory=list)
    removed: list[Page] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def page_from_document(doc: Document, base_url: str) -> tuple[Page, list[Chunk], list[str]]:
    """Parse one fetched/read document into its page, chunks and warnings (SkipPage if it
    is none). The page belongs to the site at `base_url`, which comes before its permalink."""
    text, warnings = decode(doc.data)
    parsed = parse_document(text, doc.rel_path, doc.content_type)
    if doc.url and not parsed.permalink.startswith(("http://", "https://")):
        # A live page is cited at the address it was fetched from.
        url = doc.url
        permalink = doc.permalink or parsed.permalink
    elif parsed.permalink.startswith(("http://", "https://")):
        url = permalink = parsed.permalink
    else:
        permalink = parsed.permalink
        url = base_url.rstrip("/") + permalink
    sections = parsed.sections
    if len(sections) > MAX_SECTIONS:
        warnings.append(f"over {MAX_SECTIONS:,} sections: only the first {MAX_SECTIONS:,} "
                        "are indexed")
        sections = sections[:MAX_SECTIONS]
    page_text, chunks, capped = chunk_sections(url, parsed.title, sections)
    if capped:
        warnings.append(f"over {MAX_SENTENCES:,} sentences: only the first {MAX_SENTENCES:,} "
                        "are indexed")
    if not chunks:
        raise SkipPage("no text content")
    page = Page(
        url=url, permalink=permalink, title=parsed.title, source=doc.source, text=page_text,
        source_hash=content_hash(text), description=parsed.description, format=parsed.format,
        site=page_site(url, base_url),
    )
    return page, chunks, warnings


def ingest_sources(
    sources: list[str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    progress: bool = False,
    timeout: float | None = None,
    sites: list[Site] | None = None,
) -> IngestResult:
    """Read every source (file, directory, page URL, sitemap URL) into pages and chunks.

    Plain `sources` are pages of the site at `base_url`; each of `sites` has its own base
    URL, so the same permalink on two sites is two pages. With neither, the bundled sample
    page is read. Bad sources are skipped with a one-line reason; the rest of the run
    continues. Two sources with the same page URL: the first one read wins.
    """
    groups = merge(([Site(base_url, list(sources))] if sources else []) + list(sites or []))
    if not groups:
        groups = [Site(base_url, [str(DEFAULT_SOURCE)])]
    result = IngestResult(scanned=[_scanned_key(s) for g in groups for s in g.sources])
    seen: dict[str, str] = {}
    items = [(group.url, item) for group in groups
             for item in read_sources(group.sources, progress=progress, timeout=timeout)]
    if progress and len(items) > 1:
        from rich.progress import track

        items = list(track(items, description="Reading pages", transient=True))
    for site, item in items:
        if isinstance(item, tuple):
            result.skipped.append(Skipped(*item))
            continue
        try:
            page, chunks, warnings = page_from_document(item, site)
        except SkipPage as exc:
            result.skipped.append(Skipped(item.source, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - one unreadable page must not stop a crawl
            log.debug("cannot read %s", item.source, exc_info=True)
            result.skipped.append(Skipped(item.source, f"cannot be read ({type(exc).__name__}: "
                                                       f"{exc})"))
            continue
        if page.url in seen:
            result.skipped.append(Skipped(
                item.source, f"same page URL {page.url} as {seen[page.url]} (kept that one)"
            ))
            continue
        seen[page.url] = item.source
        result.pages.append(page)
        result.chunks.extend(chunks)
        result.warnings.extend(PageWarning(item.source, w) for w in warnings)
    return result


def _scanned_key(source: str) -> str:
    if source.startswith(("http://", "https://")):
        return source
    return str(Path(source).expanduser().resolve())


def _under(source: str, scanned: str) -> bool:
    if source == scanned:
        return True
    if scanned.startswith(("http://", "https://")):
        return False  # a removed live page cannot be told apart from one not crawled
    try:
        return Path(source).is_relative_to(Path(scanned))
    except ValueError:
        return False


def plan_update(existing: list[Page], new: list[Page], scanned: list[str]) -> UpdatePlan:
    """What re-ingesting changes, keyed by page URL, which holds the site's base URL, so two
    sites' pages never meet. Unchanged pages have the same source hash, text and site. An
    existing page read from a file or directory scanned this run, but not produced by it,
    is removed whatever site it was read for (a file holds the page of the site it was last
    read under); pages from sources not scanned are left alone, so re-ingesting one site
    keeps the others."""
    plan = UpdatePlan()
    old_by_url = {p.url: p for p in existing}
    new_urls = {p.url for p in new}
    for page in new:
        old = old_by_url.get(page.url)
        if old is None:
            plan.added.append(page)
        elif (old.source_hash, old.text, old.site) == (page.source_hash, page.text, page.site):
            plan.unchanged.append(old)
        else:
            plan.updated.append(page)
    for page in existing:
        if page.url in new_urls:
            continue
        if any(_under(page.source, s) for s in scanned):
            plan.removed.append(page)
    return plan


def apply_plan(existing_pages: list[Page], existing_chunks: list[Chunk], plan: UpdatePlan,
               new_chunks: list[Chunk]) -> tuple[list[Page], list[Chunk]]:
    """Final pages and chunks: existing minus updated/removed, plus added/updated."""
    drop = {p.url for p in plan.updated} | {p.url for p in plan.removed}
    take = {p.url for p in plan.added} | {p.url for p in plan.updated}
    pages = [p for p in existing_pages if p.url not in drop]
    pages += [p for p in plan.added + plan.updated]
    chunks = [c for c in existing_chunks if c.page_url not in drop]
    chunks += [c for c in new_chunks if c.page_url in take]
    return pages, chunks
