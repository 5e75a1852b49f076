"""The editors' dashboard in Chromium, on the real `govqa serve`, over a log of real questions."""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import ADMIN_TOKEN, Server, Watch

DGX = "which countries attended DGX?"
PARKING = ["how do I renew my parking permit?", "parking permit renewal",
           "How do I renew my parking permit?"]
XSS_QUESTIONS = ["<img src=x onerror=alert('q1')> where is the canteen",
                 "<script>alert('q2')</script> office hours?"]
XSS_COMMENT = "<svg/onload=alert('c1')> wrong list"
TABLE_JS = """sel => [...document.querySelectorAll(sel + ' tbody tr')].map(tr =>
  [...tr.querySelectorAll('td')].map(td => td.textContent))"""


def _ask(server: Server, question: str, channel: str | None = None) -> dict[str, Any]:
    headers = {"X-GovQA-Channel": channel} if channel else {}
    r = httpx.post(f"{server.url}/api/chat", json={"question": question}, headers=headers,
                   timeout=30)
    r.raise_for_status()
    return dict(r.json())


def _vote(server: Server, answer: dict[str, Any], helpful: bool, comment: str | None = None
          ) -> None:
    r = httpx.post(f"{server.url}/api/feedback", timeout=30, json={
        "conversation_id": answer["conversation_id"], "turn": answer["turn"],
        "helpful": helpful, "comment": comment})
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def seeded(server_factory: Callable[..., Server], sample_index_dir: Path
           ) -> tuple[Server, dict[str, Any]]:
    """A server of its own, its log filled by asking through /api/chat and /api/feedback."""
    server = server_factory(sample_index_dir)
    liked = _ask(server, DGX, "widget")
    _vote(server, liked, True)
    disliked = _ask(server, "when was DGX held?", "widget")
    assert disliked["answered"], disliked
    _vote(server, disliked, False, XSS_COMMENT)
    for question in PARKING:
        assert not _ask(server, question, "widget")["answered"]
    for question in XSS_QUESTIONS:
        _ask(server, question)  # through the API, not the widget
    return server, disliked


def sign_in(page: Any, token: str = ADMIN_TOKEN) -> None:
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def signed_in(open_page: Callable[..., Any], server: Server) -> Any:
    page = open_page(server, width=1300, height=2400, path="/admin")
    sign_in(page)
    page.wait_for_selector("body[data-loaded]")
    return page


def test_a_wrong_token_is_refused_and_the_right_one_signs_in(
        seeded: tuple[Server, dict[str, Any]], open_page: Callable[..., Any]) -> None:
    server, _ = seeded
    page = open_page(server, path="/admin")
    sign_in(page, "not-the-token")
    assert page.get_by_role("alert").text_content() == "That token is not right."
    assert page.get_by_role("heading", level=1).text_content() == "govqa insights"
    assert not [c for c in page.context.cookies() if c["name"] == "govqa_admin"]

    sign_in(page)
    page.wait_for_selector("body[data-loaded]")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "govqa_admin"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True, True, "Strict", "/admin")
    assert 8 * 3600 - 120 < cookie["expires"] - time.time() <= 8 * 3600  # it expires
    assert page.evaluate("document.cookie") == ""  # not readable by scripts
    # A copy of the cookie, in another browser, is as good as the original while it lives ...
    copy = open_page(server, path="/admin", storage_state={"cookies": [cookie], "origins": []})
    copy.wait_for_selector("body[data-loaded]")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Admin token").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "govqa_admin"]
    # ... and dead once its editor signs out: the server ended the session, not the browser.
    copy.reload()
    copy.get_by_label("Admin token").wait_for()
    assert copy.get_by_role("button", name="Sign out").count() == 0
    assert [c["value"] for c in copy.context.cookies() if c["name"] == "govqa_admin"] == [
        cookie["value"]]


def test_repeated_wrong_tokens_lock_the_address_out(
        seeded: tuple[Server, dict[str, Any]], open_page: Callable[..., Any]) -> None:
    server, _ = seeded
    # Through a trusted proxy (the server trusts 127.0.0.1), as a visitor's address of its own.
    page = open_page(server, path="/admin",
                     extra_http_headers={"X-Forwarded-For": "203.0.113.77"})
    alerts = []
    for token in [f"wrong-{n}" for n in range(6)] + [ADMIN_TOKEN]:
        with page.expect_response(lambda r: r.url.endswith("/admin/login")) as sent:
            sign_in(page, token)
        page.get_by_label("Admin token").wait_for()
        alerts.append((sent.value.status, page.get_by_role("alert").text_content()))

    waits = [int(m.group(1)) for _, text in alerts[5:]
             if (m := re.fullmatch(r"Too many wrong tokens from your address: try again in "
                                   r"(\d+) seconds\.", text or ""))]
    assert alerts == [(401, "That token is not right.")] * 5 + [
        (429, f"Too many wrong tokens from your address: try again in {w} seconds.")
        for w in waits]
    assert len(waits) == 2 and all(50 <= w <= 60 for w in waits)
    assert not [c for c in page.context.cookies() if c["name"] == "govqa_admin"]


def test_every_chart_is_drawn_with_its_figures_as_a_table(
        seeded: tuple[Server, dict[str, Any]], open_page: Callable[..., Any]) -> None:
    server, _ = seeded
    page = signed_in(open_page, server)
    page.wait_for_function("""() => [...document.querySelectorAll('figure img')]
      .every(i => i.complete && i.naturalWidth === 640)""")
    figures = page.evaluate("""() => [...document.querySelectorAll('figure')].map(f => ({
      chart: f.dataset.chart, alt: f.querySelector('img').alt,
      caption: f.querySelector('figcaption').textContent,
      table: f.querySelector('details summary').textContent}))""")
    assert [f["chart"] for f in figures] == ["questions", "votes", "confidence", "latency"]
    assert all(f["alt"].endswith(": the table below holds the same figures.") for f in figures)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for summary in ("questions per day", "votes per day"):
        page.get_by_text(f"Table: {summary}").click()
    questions = page.evaluate(TABLE_JS, "figure[data-chart=questions]")
    votes = page.evaluate(TABLE_JS, "figure[data-chart=votes]")
    assert len(questions) == 14 and questions[-1] == [today, "2", "5"]
    assert votes[-1] == [today, "1", "1"]
    confidence = page.evaluate(TABLE_JS, "figure[data-chart=confidence]")
    assert [r[0] for r in confidence] == [f"{i / 10:.1f}–{(i + 1) / 10:.1f}" for i in range(10)]
    assert sum(int(r[1]) + int(r[2]) for r in confidence) == 7
    svg = httpx.get(f"{server.url}/admin/charts/questions.svg",
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).text
    assert svg.count("<rect") >= 4 and "<title id=\"t\">Questions per day</title>" in svg


def test_gaps_are_grouped_and_disliked_answers_shown(
        seeded: tuple[Server, dict[str, Any]], open_page: Callable[..., Any]) -> None:
    server, disliked = seeded
    page = signed_in(open_page, server)
    gaps = page.evaluate(TABLE_JS, "section[data-table=gaps]")
    # Three wordings of one question are one gap, counted three times.
    parking = [g for g in gaps if "parking" in g[0].lower()]
    assert len(parking) == 1 and parking[0][1] == "3"
    wordings = [parking[0][0], *parking[0][3].split(" · ")]
    assert sorted(w.lower() for w in wordings) == sorted({q.lower() for q in PARKING})
    links = page.locator("section[data-table=gaps] tbody tr").first.locator("a")
    assert links.count() == 3  # the closest sections the bot suggested, as links
    rows = page.evaluate(TABLE_JS, "section[data-table=disliked]")
    citation = disliked["citations"][0]
    assert rows == [[rows[0][0], "widget", "when was DGX held?", disliked["answer"],
                     f"{citation['title']} › {citation['section']}", XSS_COMMENT]]
    href = page.locator("section[data-table=disliked] td a").get_attribute("href")
    assert href == citation["url"]
    sections = page.evaluate(TABLE_JS, "section[data-table=sections]")
    assert sum(int(r[1]) for r in sections) == 2


def test_each_table_exports_as_csv(seeded: tuple[Server, dict[str, Any]],
                                   open_page: Callable[..., Any], tmp_path: Path) -> None:
    server, disliked = seeded
    page = open_page(server, width=1300, height=2400, path="/admin", accept_downloads=True)
    sign_in(page)
    page.wait_for_selector("body[data-loaded]")
    exported = {}
    for table in ("gaps", "disliked", "sections", "pages"):
        with page.expect_download() as download:
            page.locator(f"section[data-table={table}] a.export").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        with path.open(newline="", encoding="utf-8") as f:
            exported[table] = list(csv.reader(f))
        assert download.value.suggested_filename.startswith(f"govqa-{table}-")
    assert exported["disliked"][0] == ["when", "channel", "question", "answer", "title",
                                       "section", "url", "comment"]
    assert exported["disliked"][1][1:] == [
        "widget", "when was DGX held?", disliked["answer"], disliked["citations"][0]["title"],
        disliked["citations"][0]["section"], disliked["citations"][0]["url"], XSS_COMMENT]
    assert exported["gaps"][0] == ["question", "count", "last_asked", "variants", "suggested"]
    assert [r[1] for r in exported["gaps"][1:] if "parking" in r[0].lower()] == ["3"]


def test_the_dashboard_works_from_the_keyboard(
        seeded: tuple[Server, dict[str, Any]], open_page: Callable[..., Any]) -> None:
    server, _ = seeded
    page = open_page(server, width=1300, height=2400, path="/admin")
    # The token field takes the focus on arrival (autofocus), so typing goes straight in.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'token'")
    page.keyboard.type(ADMIN_TOKEN)
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-loaded]")

    def focused() -> str:
        return str(page.evaluate("""() => { const e = document.activeElement;
          return e.id || e.textContent.trim() || e.tagName; }"""))

    page.keyboard.press("Tab")
    assert focused() == "Skip to the figures"
    page.keyboard.press("Enter")
    assert focused() == "main"
    page.keyboard.press("Shift+Tab")  # back up into the filters, from the keyboard alone
    assert focused() == "Apply"
    page.keyboard.press("Shift+Tab")
    assert focused() == "channel"
    page.keyboard.press("ArrowDown")  # all -> api
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Apply
    page.wait_for_function("() => document.getElementById('status').textContent"
                           ".endsWith(', api.')")
    totals = page.evaluate("() => [...document.querySelectorAll('#totals dd')]"
                           ".map(d => d.textContent)")
    assert totals == ["2", "0", "2", "0", "0"]  # the two API questions only
    assert "channel=api" in page.url
    # A chart's table opens from the keyboard: its summary is a focusable control.
    page.locator("figure[data-chart=questions] summary").focus()
    page.keyboard.press("Enter")
    assert page.locator("figure[data-chart=questions] details").get_attribute("open") == ""


def test_planted_markup_stays_text(seeded: tuple[Server, dict[str, Any]],
                                   open_page: Callable[..., Any], watch: Watch) -> None:
    server, _ = seeded
    page = signed_in(open_page, server)
    gaps = page.evaluate(TABLE_JS, "section[data-table=gaps]")
    shown = {g[0] for g in gaps}
    assert set(XSS_QUESTIONS) <= shown  # the payloads, as the visitors typed them
    assert page.get_by_text(XSS_COMMENT, exact=True).count() == 1
    assert page.evaluate("() => document.querySelectorAll('svg, script:not([src])').length") == 0
    assert page.evaluate("() => [...document.images].every(i => i.src.includes('/admin/charts/'))")
    assert watch.dialogs == [] and watch.errors == []
