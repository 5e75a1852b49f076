"""Bad input is skipped with a one-line reason naming the source; the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from govqa.cli import main
from ingest.pipeline import DEFAULT_SOURCE, Skipped, ingest_sources

GOOD = "---\ntitle: Good Page\npermalink: /good/\nvariant: tiptap\n---\n<p>Real text.</p>\n"


@pytest.fixture()
def bad_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    files: dict[str, bytes] = {
        "a-good.md": GOOD.encode(),
        "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        "empty.md": b"",
        "blank.md": b"  \n\n",
        "broken-yaml.md": b"---\ntitle: [unclosed\npermalink: /x/\n---\n<p>Body.</p>\n",
        "unclosed.md": b"---\ntitle: No end\n<p>x</p>\n",
        "not-a-mapping.md": b"---\n- a\n- b\n---\n<p>x</p>\n",
        "no-front-matter.md": b"# Just notes\n\nNot a page of the site.\n",
        "package.json": b'{"name": "package", "version": "1.0"}\n',
        "broken.json": b'{"broken": \n',
        "no-text.md": b"---\ntitle: Empty\npermalink: /e/\nvariant: tiptap\n---\n<p></p>\n",
        "photo.png": b"\x89PNG\r\n",  # not a page suffix: a folder scan leaves it out
        "template.html": b"<html><body>{% for post in site.posts %}{{ post.title }}"
                         b"{% endfor %}</body></html>",
        "_layouts/page.html": b"<html>{{ content }}</html>",  # a Jekyll folder: left out
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
    with open(folder / "huge.md", "wb") as fh:
        fh.truncate(5 * 1024 * 1024 + 1)
    return folder


def expected_skips(folder: Path) -> list[Skipped]:
    return [Skipped(str(folder / name), reason) for name, reason in [
        ("binary.md", "binary file, not a text page"),
        ("blank.md", "empty file"),
        ("broken-yaml.md", "broken front matter (line 3): did not find expected ',' or ']'"),
        ("broken.json", "unknown JSON: not valid JSON (Expecting value, line 2)"),
        ("empty.md", "empty file"),
        ("huge.md", "file over 5 MB (5.0 MB)"),
        ("no-front-matter.md", "no front matter: not an Isomer page"),
        ("no-text.md", "no text content"),
        ("not-a-mapping.md", "broken front matter: not a mapping of keys to values"),
        ("package.json",
         "unknown JSON: not an Isomer page (needs layout, page and content)"),
        ("template.html", "a Liquid template, not a rendered page"),
        ("unclosed.md", "broken front matter: not closed by a '---' line"),
    ]]


def test_each_bad_file_is_skipped_with_its_reason(bad_dir: Path) -> None:
    result = ingest_sources([str(bad_dir), str(bad_dir / "missing.md")])
    assert [p.title for p in result.pages] == ["Good Page"]
    assert result.skipped == expected_skips(bad_dir) + [
        Skipped(str(bad_dir / "missing.md"), "no such file or directory")]


def test_a_bad_file_named_directly(bad_dir: Path) -> None:
    result = ingest_sources([str(bad_dir / "photo.png")])
    assert result.skipped == [Skipped(str(bad_dir / "photo.png"), "binary file, not a text page")]


def test_cli_goes_on_after_bad_input(bad_dir: Path, tmp_path: Path, capsys) -> None:
    code = main(["ingest", "--dry-run", "--index", str(tmp_path / "ix"), str(bad_dir),
                 str(DEFAULT_SOURCE)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[2] == ("read 2 pages, 20 chunks: 2 added, 0 updated, 0 unchanged, 0 removed, "
                        "12 skipped (dry run: nothing written)")
    assert lines[3:] == [f"skipped {s.source}: {s.reason}" for s in expected_skips(bad_dir)]


def test_cli_fails_only_when_nothing_could_be_read(bad_dir: Path, tmp_path: Path,
                                                   capsys) -> None:
    code = main(["ingest", "--index", str(tmp_path / "ix"), str(bad_dir / "empty.md"),
                 str(tmp_path / "nowhere")])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        "read 0 pages, 0 chunks: 0 added, 0 updated, 0 unchanged, 0 removed, 2 skipped",
        f"skipped {bad_dir / 'empty.md'}: empty file",
        f"skipped {tmp_path / 'nowhere'}: no such file or directory",
    ]
    assert err == "error: no page could be read\n"
    assert not (tmp_path / "ix").exists()


def test_cli_bad_option_is_one_line(capsys) -> None:
    assert main(["ingest", "--dry-run", "--base-url", "www.example.com"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "Error: Invalid value for --base-url: must start with http:// or https://")
