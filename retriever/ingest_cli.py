"""`govqa ingest`: read pages into section chunks (ingest/) and (re)build the index from them."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from govqa.errors import IndexWriteFailed
from ingest.pipeline import IngestResult, UpdatePlan, apply_plan, ingest_sources, plan_update
from ingest.records import Chunk, Page
from ingest.sites import Site, SiteError, parse_site, read_sites_file


def _existing(index_dir: Path) -> tuple[list[Page], list[Chunk]]:
    """The pages and chunks already indexed (none when there is no index yet)."""
    from retriever import index

    if not index.index_exists(index_dir):
        return [], []
    return index.read_pages(index_dir), index.read_chunks(index_dir)


def _other_model(index_dir: Path, model: str | None) -> str | None:
    """The other model an existing index was built with, or None: same model, or no index.
    Its vectors cannot be compared with this model's questions, so every page is re-embedded."""
    from retriever.embedder import resolve_model
    from retriever.index import built_with

    built = built_with(index_dir)
    wanted = resolve_model(model)
    if built is None or built == (wanted.name, wanted.weights_sha256):
        return None
    return built[0] if built[0] != wanted.name else f"{built[0]} (weights {built[1][:12]})"


def summary_lines(result: IngestResult, plan: UpdatePlan, dry_run: bool,
                  restale: str | None = None) -> list[str]:
    line = (
        f"read {len(result.pages)} page{'s' * (len(result.pages) != 1)}, "
        f"{len(result.chunks)} chunks: {len(plan.added)} added, {len(plan.updated)} updated, "
        f"{len(plan.unchanged)} unchanged, {len(plan.removed)} removed, "
        f"{len(result.skipped)} skipped"
    )
    if result.warnings:
        line += f", {len(result.warnings)} warning{'s' * (len(result.warnings) != 1)}"
    if dry_run:
        line += " (dry run: nothing written)"
    elif restale:
        line += f" (every page re-embedded: the index was built with {restale})"
    elif not plan.changed and result.pages:
        line += " (index already up to date)"
    return ([line] + [f"skipped {s.source}: {s.reason}" for s in result.skipped]
            + [f"warning {w.source}: {w.message}" for w in result.warnings])


def _sites(specs: tuple[str, ...], sites_file: Path | None) -> list[Site]:
    """The sites named by --site URL=SOURCE and --sites FILE; a mistake is one line."""
    sites: list[Site] = []
    for spec in specs:
        try:
            sites.append(parse_site(spec))
        except SiteError as exc:
            raise click.BadParameter(str(exc), param_hint="--site") from None
    if sites_file is not None:
        try:
            sites += read_sites_file(sites_file)
        except SiteError as exc:
            raise click.BadParameter(str(exc), param_hint="--sites") from None
    return sites


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--index", "index_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Index directory (default: $GOVQA_INDEX_DIR or var/index).")
@click.option("--base-url", default=None,
              help="Site address put before each permalink of SOURCE "
                   "(default https://www.tech.gov.sg).")
@click.option("--site", "site_specs", multiple=True, metavar="URL=SOURCE",
              help="Read SOURCE (file, folder, page or sitemap URL) as pages of the site at "
                   "URL. Repeatable: one index, several sites.")
@click.option("--sites", "sites_file", default=None,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A YAML list of sites, each {url: URL, sources: [SOURCE, ...]}; relative "
                   "paths are read from the file's folder.")
@click.option("--dry-run", is_flag=True, help="Read and chunk pages; embed and write nothing.")
@click.option("--json", "as_json", is_flag=True,
              help="Print every chunk as one JSON object per line (the summary goes to stderr).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds allowed for each web request.")
@click.pass_context
def ingest(ctx: click.Context, sources: tuple[str, ...], index_dir: Path | None,
           base_url: str | None, site_specs: tuple[str, ...], sites_file: Path | None,
           dry_run: bool, as_json: bool, timeout: float) -> None:
    """Read SOURCE pages (files, folders, page or sitemap.xml URLs) into the index.

    SOURCE pages belong to the site at --base-url; --site and --sites add sites of their
    own. Without any, the bundled sample page is read. Pages already indexed with the same
    content are left alone; a new revision of a page replaces its chunks.
    """
    from govqa.settings import CliSettings

    settings = CliSettings()
    index_dir = index_dir or settings.index_dir
    base_url = base_url or settings.base_url
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    sites = _sites(site_specs, sites_file)
    progress = not as_json and sys.stderr.isatty()

    result = ingest_sources(list(sources) or None, base_url=base_url, progress=progress,
                            timeout=timeout, sites=sites)
    existing_pages, existing_chunks = _existing(index_dir)
    plan = plan_update(existing_pages, result.pages, result.scanned)
    restale = None if dry_run else _other_model(index_dir, settings.model)

    if as_json:
        for chunk in result.chunks:
            click.echo(json.dumps(chunk.to_dict(), ensure_ascii=False))
    elif dry_run:
        counts = Counter(c.page_url for c in result.chunks)
        for page in result.pages:
            click.echo(f"{page.title} <{page.url}> [{page.format}; site {page.site}]: "
                       f"{counts[page.url]} chunks")

    if not dry_run and (plan.changed or restale):
        from retriever.index import write_index

        pages, chunks = apply_plan(existing_pages, existing_chunks, plan, result.chunks)
        try:
            write_index(index_dir, pages, chunks, model=settings.model, progress=progress)
        except OSError as exc:
            # The half-written version is gone and `current` never moved: say so plainly.
            raise IndexWriteFailed(
                f"could not write the index in {index_dir}: {exc.strerror or exc}; "
                f"the previous version is still the live one") from None

    for line in summary_lines(result, plan, dry_run, restale):
        click.echo(line, err=as_json)
    if not result.pages:
        click.echo("error: no page could be read", err=True)
        ctx.exit(1)
