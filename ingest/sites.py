"""Sites: each source read under its own site's base URL (`--site URL=SOURCE`, a sites file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

_FILE_KEYS = ("url", "sources")


class SiteError(ValueError):
    """A site given wrongly; the message is the one-line reason."""


@dataclass
class Site:
    """A site's base URL (no trailing slash) and the sources read as its pages."""

    url: str
    sources: list[str] = field(default_factory=list)


def base_url(value: str) -> str:
    """A site's address as given, checked, without a trailing slash."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SiteError("must start with http:// or https://")
    if parts.query or parts.fragment:
        raise SiteError(f"a site address has no ?query or #fragment: {url}")
    return url.rstrip("/")


def page_site(url: str, base: str) -> str:
    """The site a page's URL belongs to: the base it was read under, or, for a page that
    lives elsewhere (a live page, an absolute canonical link), its own origin."""
    base = base.rstrip("/")
    if url == base or url.startswith(base + "/"):
        return base
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def parse_site(value: str) -> Site:
    """`URL=SOURCE`: the first "=" ends the URL, so a path may hold one."""
    url, sep, source = value.partition("=")
    if not sep or not url.strip() or not source.strip():
        raise SiteError(f"expected URL=SOURCE, e.g. https://www.tech.gov.sg=pages/, "
                        f"not {value!r}")
    return Site(base_url(url), [source.strip()])


def merge(sites: Iterable[Site]) -> list[Site]:
    """One Site per base URL, in the order first named, its sources in the order given."""
    merged: dict[str, Site] = {}
    for site in sites:
        merged.setdefault(site.url, Site(site.url)).sources.extend(site.sources)
    return list(merged.values())


def read_sites_file(path: Path) -> list[Site]:
    """A YAML list of sites, each `{url: URL, sources: SOURCE or [SOURCE, ...]}`. A relative
    source path is read from the file's folder, as a config file's paths are."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SiteError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, list) or not data:
        raise SiteError(f"{path}: expected a list of sites, each with url and sources")
    return [_site_entry(path, n, entry) for n, entry in enumerate(data, start=1)]


def _site_entry(path: Path, n: int, entry: Any) -> Site:
    where = f"{path}: site {n}"
    if not isinstance(entry, dict):
        raise SiteError(f"{where}: expected url and sources")
    unknown = [str(k) for k in entry if k not in _FILE_KEYS]
    if unknown:
        raise SiteError(f"{where}: unknown key {unknown[0]!r} (expected url and sources)")
    try:
        url = base_url(str(entry.get("url") or ""))
    except SiteError as exc:
        raise SiteError(f"{where}: url {exc}") from None
    sources = entry.get("sources")
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not sources or not all(
            isinstance(s, str) and s.strip() for s in sources):
        raise SiteError(f"{where}: sources must be a file, folder or URL, or a list of them")
    return Site(url, [_resolve(path.parent, s.strip()) for s in sources])


def _resolve(folder: Path, source: str) -> str:
    if source.startswith(("http://", "https://")):
        return source
    local = Path(source).expanduser()
    return str(local if local.is_absolute() else folder / local)
