"""Re-ingesting: a new revision replaces its page's chunks; unchanged pages are skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govqa.cli import main
from ingest.pipeline import DEFAULT_SOURCE, apply_plan, ingest_sources, plan_update

URL = "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
DGX_2024 = "Sep 2024 - Hosting of GovTech’s Digital Government Exchange 2024"


@pytest.fixture(scope="module")
def revision(corpus: Path) -> Path:
    return corpus / "revisions" / "International Collaboration (later revision).md"


def test_new_revision_replaces_the_page(sample, revision: Path) -> None:
    new = ingest_sources([str(revision)])
    plan = plan_update(sample.pages, new.pages, new.scanned)
    assert (plan.added, plan.updated, plan.unchanged, plan.removed) == ([], new.pages, [], [])
    assert plan.changed
    pages, chunks = apply_plan(sample.pages, sample.chunks, plan, new.chunks)
    assert pages == new.pages and chunks == new.chunks  # no chunk of the old revision left
    assert [p.url for p in pages] == [URL]
    texts = {c.section_title: c.text for c in chunks}
    assert texts["2024"] == DGX_2024
    assert "Formed since 2016, the Digital Government Exchange (DGX)" in "\n".join(
        c.text for c in chunks if c.section_title == "Digital Government Exchange (DGX)")
    assert not any("Organised by Singapore’s Smart Nation" in c.text for c in chunks)


def test_same_content_is_unchanged(sample) -> None:
    again = ingest_sources()
    plan = plan_update(sample.pages, again.pages, again.scanned)
    assert (plan.added, plan.updated, plan.unchanged, plan.removed) == ([], [], sample.pages, [])
    assert not plan.changed
    assert apply_plan(sample.pages, sample.chunks, plan, again.chunks) == (
        sample.pages, sample.chunks)


def test_page_gone_from_a_scanned_folder_is_removed(tmp_path: Path, corpus: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(corpus / "govtech-classic", site)
    first = ingest_sources([str(site)])
    assert len(first.pages) == 2
    (site / "_products-and-services/citizens/parking-sg.md").unlink()
    second = ingest_sources([str(site)])
    plan = plan_update(first.pages, second.pages, second.scanned)
    assert [p.title for p in plan.removed] == ["Parking.sg"]
    assert [p.title for p in plan.unchanged] == ["'Ask Jamie' Virtual Assistant"]
    pages, chunks = apply_plan(first.pages, first.chunks, plan, second.chunks)
    assert [p.title for p in pages] == ["'Ask Jamie' Virtual Assistant"]
    assert {c.page_title for c in chunks} == {"'Ask Jamie' Virtual Assistant"}
    # A page from a folder that was not scanned this time is left alone.
    other = ingest_sources([str(DEFAULT_SOURCE)])
    plan = plan_update(first.pages, other.pages, other.scanned)
    assert plan.removed == [] and [p.title for p in plan.added] == ["International Collaboration"]


def test_cli_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    index = tmp_path / "index"
    assert main(["ingest", "--dry-run", "--index", str(index)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"International Collaboration <{URL}> [tiptap; site https://www.tech.gov.sg]: 19 chunks",
        "read 1 page, 19 chunks: 1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped "
        "(dry run: nothing written)",
    ]
    assert not index.exists()


def test_cli_reingest_replaces_chunks_in_the_index(sample_index_dir: Path, tmp_path: Path,
                                                   revision: Path, capsys) -> None:
    from retriever.index import read_chunks, read_pages

    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index, symlinks=True)
    before = read_chunks(index)

    assert main(["ingest", str(revision), "--index", str(index), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "read 1 page, 19 chunks: 0 added, 1 updated, 0 unchanged, 0 removed, 0 skipped "
        "(dry run: nothing written)")
    assert read_chunks(index) == before

    assert main(["ingest", str(revision), "--index", str(index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "read 1 page, 19 chunks: 0 added, 1 updated, 0 unchanged, 0 removed, 0 skipped")
    after = read_chunks(index)
    assert [p.source for p in read_pages(index)] == [str(revision)]
    assert after == ingest_sources([str(revision)]).chunks
    assert len({c.id for c in after}) == len(after)
    assert any(c.text == DGX_2024 for c in after)

    # The same revision again: recognised by its hash, nothing is written.
    assert main(["ingest", str(revision), "--index", str(index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "read 1 page, 19 chunks: 0 added, 0 updated, 1 unchanged, 0 removed, 0 skipped "
        "(index already up to date)")
    assert read_chunks(index) == after


def test_cli_reingest_with_another_model_re_embeds_every_page(
        sample_index_dir: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    from retriever.embedder import DEFAULT_MODEL, resolve_model
    from retriever.index import built_with

    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index, symlinks=True)
    before = built_with(index)
    assert before is not None
    # The base model read from its folder: another model than the default (shipped) one, and
    # another name even where the base model is the default.
    other = str(resolve_model(DEFAULT_MODEL).path)
    monkeypatch.setenv("GOVQA_MODEL", other)
    assert main(["ingest", "--index", str(index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "read 1 page, 19 chunks: 0 added, 0 updated, 1 unchanged, 0 removed, 0 skipped "
        f"(every page re-embedded: the index was built with {before[0]})")
    assert built_with(index) == (other, resolve_model(other).weights_sha256)
    # Now it is this model's: nothing to do.
    assert main(["ingest", "--index", str(index)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("(index already up to date)")
