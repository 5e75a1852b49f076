"""What no fitting may read: the holdout set, the dev-site sets, and any index of a dev site."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from ingest.sites import read_sites_file
from retriever.index import read_pages, version_dir

REPO = Path(__file__).resolve().parents[1]
# Question sets never trained on: the holdout and any set written over the dev sites.
BLIND_SETS = (REPO / "bench" / "questions" / "holdout.jsonl",
              REPO / "bench" / "questions" / "dev-sites.jsonl")
DEV_SITES = REPO / "bench" / "sites" / "dev-sites.yml"


def why_blind(question_set: Path, index_dir: Path | None,
              dev_sites: Path = DEV_SITES) -> str | None:
    """Why a question set over an index may not be fitted on, or None when it may."""
    if any(question_set.name == b.name for b in BLIND_SETS):
        return f"{question_set.name} is never fitted on: it stays blind"
    if index_dir is None or version_dir(index_dir) is None:
        return None  # no index yet: the engine's own error says so
    hosts = {urlsplit(s.url).netloc for s in read_sites_file(dev_sites)}
    dev = sorted({urlsplit(p.url).netloc for p in read_pages(index_dir)} & hosts)
    if dev:
        return f"{index_dir} holds pages of the dev site {dev[0]}: never fitted on"
    return None
