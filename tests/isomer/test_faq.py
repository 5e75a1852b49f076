"""FAQ pairs: the filter, and entries kept in a site's `_data` files shown as sections."""

from __future__ import annotations

from ingest.records import Page
from isomer.faq import answer_lines, data_chunks, keep

PAGE = Page(url="https://grants.train.invalid/faq/", permalink="/faq/", title="Grants FAQ",
            source="faq.md", text="", source_hash="0", site="https://grants.train.invalid")


def _pair(**changes: object) -> dict:
    pair = {"repo": "isomerpages/grants", "path": "faq.md", "permalink": "/faq/",
            "question": "Where can I check the status of my application?",
            "answer_html": "Log in to the portal and open 'My Grants'.\n\nStatus e-mails are "
                           "sent as it moves.<ul><li>Draft</li><li>Submitted</li></ul>",
            "kind": "accordion", "split": "train", "data_file": "_data/faq.yml"}
    return {**pair, **changes}


def test_the_filter_says_why_a_pair_is_left_out():
    reasons = [keep(_pair(**c), "train") for c in [
        {}, {"split": "dev"}, {"repo": "isomerpages/csc-knowledge"}, {"kind": "page_title"},
        {"question": "Status?"}, {"question": "Where can I check the status"},
        {"answer_html": "<p>Yes.</p>"}]]
    assert reasons == [None, "not a train site", "essay or interview headings",
                       "kind page_title", "not a question of 4-30 words",
                       "not a question of 4-30 words", "answer under 40 or over 3,000 characters"]


def test_data_file_entries_become_sections_of_the_page_that_shows_them():
    chunks = data_chunks([_pair(), _pair(data_file=None), _pair(permalink="/elsewhere/")],
                         [PAGE], {"isomerpages/grants": PAGE.site})
    assert [(c.page_url, c.section, c.parent, c.sentence_texts()) for c in chunks] == [
        ("https://grants.train.invalid/faq/",
         ["Grants FAQ", "Where can I check the status of my application?"], ["Grants FAQ"],
         ["Log in to the portal and open 'My Grants'.", "Status e-mails are sent as it moves.",
          "Draft", "Submitted"])]
    assert answer_lines("<p>One &amp; two</p><p>three</p>") == "One & two\nthree"


def test_a_pair_is_found_under_its_heading_and_the_heading_masked(tmp_path):
    from ingest.pipeline import ingest_sources
    from ingest.sites import Site
    from isomer.faq import MASK, find, mask, norm

    site = tmp_path / "isomerpages+grants"
    site.mkdir()
    (site / "faq.md").write_text(
        "---\ntitle: Grants FAQ\npermalink: /faq/\nvariant: markdown\n---\n"
        "## 1. Where can I check the status of my application?\n\n"
        "Log in to the portal and open My Grants. Status e-mails follow.\n\n"
        "## Who may apply?\n\nAny firm registered here may apply for the grant.\n")
    base = "https://grants.dev.invalid"
    result = ingest_sources(sites=[Site(base, [str(site)])])
    pair = _pair(kind="heading", data_file=None, split="dev")
    found, left = find([pair, _pair(kind="heading", split="dev", permalink="/gone/")],
                       result.pages, result.chunks, {"isomerpages/grants": base}, "dev")
    assert [(f.question, f.page.url, [result.chunks[i].section_title for i in f.chunks])
            for f in found] == [("Where can I check the status of my application?",
                                 f"{base}/faq/",
                                 ["1. Where can I check the status of my application?"])]
    assert dict(left) == {"page not in the index": 1}
    masked = mask(result.chunks, {norm(f.question) for f in found})
    assert [c.section for c in masked] == [["Grants FAQ", MASK], ["Grants FAQ", "Who may apply?"]]
