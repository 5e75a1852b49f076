"""How a list answer is cut from a section: its lead-in, its items, and where it stops."""

from __future__ import annotations

from ingest.sentences import split_lines
from retriever.extract import _list_run


def _run(text: str, sentence: str) -> str | None:
    sents = split_lines(text)  # as ingest cuts a section's sentences
    j = next(i for i, (s, e) in enumerate(sents) if text[s:e].startswith(sentence))
    found = _list_run(text, sents, j)
    return None if found is None else text[sents[found[0]][0]:sents[found[1]][1]]


TEXT = ("Some background comes first.\n"
        "There are three kinds of error:\n"
        "Not issued: the issuer never issued it. This happens after a revocation.\n"
        "Invalid issuer: the identity check failed.\n"
        "Tampered: the content changed. Nobody can verify it.\n"
        "A closing paragraph follows the list, and it goes on for a while. It has four "
        "sentences. That is more than an item holds. So it is a paragraph, not an item.")
LIST = ("There are three kinds of error:\n"
        "Not issued: the issuer never issued it. This happens after a revocation.\n"
        "Invalid issuer: the identity check failed.\n"
        "Tampered: the content changed. Nobody can verify it.")


def test_a_list_is_found_from_its_lead_in_or_any_item() -> None:
    assert _run(TEXT, "There are three kinds") == LIST
    assert _run(TEXT, "Invalid issuer") == LIST
    assert _run(TEXT, "This happens after") == LIST


def test_text_outside_a_list_is_no_list() -> None:
    assert _run(TEXT, "Some background") is None
    assert _run(TEXT, "A closing paragraph") is None
    assert _run("Just one line. And another.", "And another") is None
    assert _run("A lead-in with nothing under it:", "A lead-in") is None
