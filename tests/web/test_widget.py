"""The chat widget in a real browser, talking to the real `govqa serve`."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
SAMPLE_URL = "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"
DGX = "which countries attended DGX?"


def open_widget(page):  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Open chat: Ask GovTech").click()
    page.get_by_role("dialog", name="Ask GovTech").wait_for()
    # Geometry is measured once the opening animation has finished.
    page.wait_for_function("""() => document.querySelector('#govqa-widget').shadowRoot
      .querySelector('.gq-panel').getAnimations().length === 0""")
    return page


def expected_bot(data: dict) -> dict:
    """What the widget must show for one answer JSON: the whole message, derived from the API."""
    if data["answered"]:
        text = data["answer"]
        marks = [text[s:e] for s, e in sorted(data["highlights"])]
        links = []
        for c in data["citations"]:
            links.append({"text": c["section"], "href": c["url"]})
            links.append({"text": "Show on page", "href": c["highlight_url"]})
    else:
        text = "The site doesn't say. I couldn't find an answer to that on this website."
        marks = []
        links = [{"text": s["section"], "href": s["url"]} for s in data["suggestions"]]
    return {"kind": "bot", "text": text, "marks": marks, "links": links, "plain": []}


def user_msg(text: str) -> dict:
    return {"kind": "user", "text": "You asked: " + text, "marks": [], "links": [], "plain": []}


def test_answer_shows_quote_and_citation_links(sample_server, open_page, ask, read_log, watch):
    page = open_widget(open_page(sample_server))
    got = ask(page, DGX)
    data = got["json"]

    assert got["status"] == 200 and got["sent"] == {"question": DGX}
    assert data["answered"] is True
    assert "Australia" in data["answer"] and "Canada" in data["answer"]
    cite = data["citations"][0]
    assert cite["url"] == SAMPLE_URL + "#digital-government-exchange-dgx"
    assert cite["highlight_url"].startswith(SAMPLE_URL + "#:~:text=")
    log = read_log(page)
    assert log[1:] == [user_msg(DGX), expected_bot(data)]
    assert log[0]["kind"] == "hello"
    # The visible answer is the page's text, verbatim, with the citation as real links.
    answer = page.locator(".gq-bot .gq-answer").last
    assert "Australia" in answer.inner_text() and "Canada" in answer.inner_text()
    section = page.get_by_role("link", name="Digital Government Exchange (DGX)", exact=True)
    assert section.get_attribute("href") == SAMPLE_URL + "#digital-government-exchange-dgx"
    show = page.get_by_role(
        "link", name="Show on page: Digital Government Exchange (DGX), highlighted"
    )
    assert show.get_attribute("href") == cite["highlight_url"]
    assert watch.dialogs == [] and watch.errors == []


def test_follow_up_keeps_the_conversation_across_navigation(
    sample_server, open_page, ask, read_log
):
    page = open_widget(open_page(sample_server))
    first = ask(page, DGX)["json"]
    second = ask(page, "who organises it?")

    assert second["sent"] == {"question": "who organises it?",
                              "conversation_id": first["conversation_id"]}
    data = second["json"]
    assert data["conversation_id"] == first["conversation_id"] and data["turn"] == 2
    assert data["answered"] is True and "Organised by Singapore" in data["answer"]
    expected = [user_msg(DGX), expected_bot(first), user_msg("who organises it?"),
                expected_bot(data)]
    assert read_log(page)[1:] == expected

    # Another page of the site: the history and the open panel come back.
    page.goto(sample_server.url + "/?another-page")
    page.wait_for_selector("#govqa-widget[data-ready]", state="attached")
    assert page.get_by_role("dialog", name="Ask GovTech").is_visible()
    assert read_log(page)[1:] == expected
    third = ask(page, "when was it held?")
    assert third["sent"]["conversation_id"] == first["conversation_id"]
    assert third["json"]["turn"] == 3

    # "New conversation" clears it: the next question starts afresh.
    page.get_by_role("button", name="New conversation").click()
    assert [m["kind"] for m in read_log(page)] == ["hello"]
    assert page.evaluate("() => document.activeElement.shadowRoot.activeElement.id") == "gq-input"
    fresh = ask(page, DGX)
    assert fresh["sent"] == {"question": DGX}
    assert fresh["json"]["conversation_id"] != first["conversation_id"]
    assert fresh["json"]["turn"] == 1


def test_abstention_says_so_and_offers_sections(sample_server, open_page, ask, read_log):
    page = open_widget(open_page(sample_server))
    got = ask(page, "how do I renew my passport?")
    data = got["json"]

    assert data["answered"] is False and data["answer"] is None
    assert data["suggestions"], "the API offers sections when it abstains"
    assert read_log(page)[1:] == [user_msg("how do I renew my passport?"), expected_bot(data)]
    for s in data["suggestions"]:
        assert s["url"].startswith(SAMPLE_URL + "#")
    assert page.get_by_text("The site doesn't say.").is_visible()


def _focused(page) -> str:  # type: ignore[no-untyped-def]
    """The focused element, looking into the widget's shadow root."""
    return str(page.evaluate("""() => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return '';
      return el.id ? '#' + el.id : (el.className ? '.' + String(el.className).split(' ').pop()
                                                 : el.tagName.toLowerCase());
    }"""))


def test_keyboard_only_flow(sample_server, open_page, read_log, watch):
    page = open_page(sample_server)
    seen = []
    for _ in range(12):  # the demo page has a link or two before the widget
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if seen[-1] == ".gq-launcher":
            break
    assert seen[-1] == ".gq-launcher", f"Tab never reached the launcher: {seen}"

    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Ask GovTech")
    dialog.wait_for()
    assert _focused(page) == "#gq-input"
    launcher = page.get_by_role("button", name="Close chat: Ask GovTech")
    assert launcher.get_attribute("aria-expanded") == "true"

    page.keyboard.type(DGX)
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.keyboard.press("Enter")
    page.locator(".gq-bot .gq-answer").last.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#govqa-widget').shadowRoot.querySelector('.gq-thinking')"
    )
    log = read_log(page)
    assert log[-1]["kind"] == "bot" and "Australia" in log[-1]["text"]
    assert _focused(page) == "#gq-input"  # focus stays put while the answer arrives

    # Tab walks the panel in reading order: the send button, then back round via the header.
    page.keyboard.press("Tab")
    assert _focused(page) == ".gq-send"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == ".gq-vote"  # 👎 of the last answer, in the log
    # The feedback buttons work from the keyboard too.
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as fb:
        page.keyboard.press("Enter")
    assert fb.value.status < 300

    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert _focused(page) == ".gq-launcher"
    assert page.get_by_role("button", name="Open chat: Ask GovTech").get_attribute(
        "aria-expanded") == "false"
    assert watch.dialogs == [] and watch.errors == []


def test_every_control_is_labelled_and_roles_are_set(sample_server, open_page, ask):
    page = open_widget(open_page(sample_server))
    ask(page, DGX)
    ask(page, "how do I renew my passport?")
    info = page.evaluate("""() => {
      const root = document.querySelector('#govqa-widget').shadowRoot;
      const name = el => (el.getAttribute('aria-label') || el.textContent || '').trim()
        || (el.id && root.querySelector(`label[for="${el.id}"]`)?.textContent.trim()) || '';
      const controls = [...root.querySelectorAll('button, input, a, [tabindex]')];
      const log = root.querySelector('.gq-log');
      const dialog = root.querySelector('[role=dialog]');
      return {
        unlabelled: controls.filter(el => !name(el)).map(el => el.outerHTML.slice(0, 80)),
        log: [log.getAttribute('role'), log.getAttribute('aria-live')],
        dialog: [dialog.getAttribute('aria-labelledby') &&
                 root.getElementById(dialog.getAttribute('aria-labelledby')).textContent,
                 dialog.getAttribute('aria-modal')],
        count: controls.length,
      };
    }""")
    assert info["unlabelled"] == []
    assert info["count"] >= 10
    assert info["log"] == ["log", "polite"]
    assert info["dialog"] == ["Ask GovTech", "false"]


def test_page_text_that_looks_like_markup_stays_inert(payload_server, open_page, ask, read_log,
                                                      watch):
    img_payload = "<img/src=x onerror=alert(1)>"
    script_payload = "<script/src=data:,alert(2)>"
    svg_payload = '"><svg/onload=alert(3)>'
    page = open_page(payload_server)
    # The demo page itself shows the payload page's text as text.
    main = page.locator("main").inner_text()
    for payload in (img_payload, script_payload, svg_payload):
        assert payload in main
    assert page.locator("h1").inner_text() == "Security Notes <svg/onload=alert('title')>"
    open_widget(page)

    answers = []
    for question, payload in (
        ("what is the sample payload for the widget test?", img_payload),
        ("what does the script payload read?", script_payload),
        ("what is the svg payload?", svg_payload),
    ):
        data = ask(page, question)["json"]
        assert data["answered"] is True and payload in data["answer"], (question, data)
        answers.append(data["answer"])
        assert read_log(page)[-1]["text"] == data["answer"]
        assert page.locator(".gq-answer").last.inner_text() == data["answer"]

    # Citations published under a javascript: base URL are shown as text, never as links.
    canteen = ask(page, "when does the staff canteen open?")["json"]
    assert canteen["answered"] is True
    assert canteen["citations"][0]["url"].startswith("javascript:")
    last = read_log(page)[-1]
    assert last["links"] == [] and last["plain"] == ["Opening hours"]
    page.get_by_text("Opening hours", exact=True).click()  # a click on it does nothing

    injected = page.evaluate("""() => {
      const root = document.querySelector('#govqa-widget').shadowRoot;
      const all = [...document.querySelectorAll('*'), ...root.querySelectorAll('*')];
      return {
        img: all.filter(e => e.tagName === 'IMG').length,
        svg: all.filter(e => e.tagName.toLowerCase() === 'svg' && !e.classList.contains('gq-svg'))
          .length,
        script: [...document.scripts].map(s => s.getAttribute('src')),
        inline_handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on')))
          .length,
        js_links: all.filter(e => (e.getAttribute('href') || '').startsWith('javascript:'))
          .length,
      };
    }""")
    assert injected == {
        "img": 0, "svg": 0, "script": ["/widget.js"], "inline_handlers": 0, "js_links": 0,
    }
    assert watch.dialogs == [] and watch.errors == []


def test_rate_limit_message_uses_retry_after(limited_server, open_page, ask, read_log):
    page = open_widget(open_page(limited_server))
    for question in (DGX, "who organises it?"):
        assert ask(page, question)["status"] == 200
    got = ask(page, "when was it held?")

    assert got["status"] == 429
    wait = int(got["headers"]["retry-after"])
    assert wait > 0
    last = read_log(page)[-1]
    seconds = "1 second" if wait == 1 else f"{wait} seconds"
    assert last["kind"] == "error"
    assert last["text"] == (
        "You've asked a lot of questions in a short time. "
        f"Please wait {seconds}, then try again."
    )
    retry = page.get_by_role("button", name="Try again")
    assert retry.is_visible() and retry.get_attribute("aria-disabled") == "true"


def test_network_error_gives_a_retry(server_factory, sample_index_dir, open_page, read_log):
    server = server_factory(sample_index_dir)
    page = open_widget(open_page(server))
    server.stop()
    box = page.get_by_label("Your question")
    box.fill(DGX)
    box.press("Enter")
    page.locator(".gq-error").wait_for()
    assert read_log(page)[-1] == {
        "kind": "error", "marks": [], "links": [], "plain": [],
        "text": "Sorry, I couldn't reach the server. Check your connection and try again.",
    }
    assert page.get_by_role("button", name="Try again").is_enabled()


def test_server_error_gives_a_retry_that_works(server_factory, sample_index_dir, tmp_path,
                                                open_page, read_log):
    # An index that cannot be read: the real server answers /api/chat with 503.
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    server = server_factory(index_dir, wait_for="/healthz")
    page = open_widget(open_page(server))
    box = page.get_by_label("Your question")
    box.fill(DGX)
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as info:
        box.press("Enter")
    assert info.value.status == 503
    page.locator(".gq-error").wait_for()
    assert read_log(page)[-1] == {
        "kind": "error", "marks": [], "links": [], "plain": [],
        "text": "Sorry, something went wrong on our side. Please try again in a moment.",
    }

    # The index is repaired; the server swaps it in by itself, and "Try again" answers.
    (index_dir / "manifest.json").unlink()
    shutil.copytree(sample_index_dir, index_dir, symlinks=True, dirs_exist_ok=True)
    for _ in range(300):
        if httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the repaired index was never swapped in:\n{server.log()}")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as info:
        page.get_by_role("button", name="Try again").click()
    assert info.value.status == 200
    page.locator(".gq-bot .gq-answer").last.wait_for()
    log = read_log(page)
    assert [m["kind"] for m in log] == ["hello", "user", "bot"]
    assert log[-1] == expected_bot(info.value.json())


def test_feedback_is_recorded(sample_server, open_page, ask):
    before = sample_server.stats()["feedback"]
    page = open_widget(open_page(sample_server))
    data = ask(page, DGX)["json"]
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as info:
        page.get_by_role("button", name="Helpful", exact=True).click()
    assert info.value.status < 300
    assert info.value.request.post_data_json == {
        "conversation_id": data["conversation_id"], "turn": 1, "helpful": True,
    }
    page.get_by_text("Thanks for your feedback.").wait_for()
    assert page.get_by_role("button", name="Helpful", exact=True).get_attribute(
        "aria-pressed") == "true"

    after = sample_server.stats()["feedback"]
    assert after == {"helpful": before["helpful"] + 1, "unhelpful": before["unhelpful"]}
    with sqlite3.connect(sample_server.feedback_db) as db:
        rows = db.execute("SELECT conversation_id, turn, helpful FROM feedback").fetchall()
    assert (data["conversation_id"], 1, 1) in rows


def test_usable_at_320px(sample_server, open_page, ask, read_log):
    page = open_page(sample_server, width=320, height=640)
    launcher = page.get_by_role("button", name="Open chat: Ask GovTech")
    box = launcher.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
    open_widget(page)
    data = ask(page, DGX)["json"]
    assert read_log(page)[-1] == expected_bot(data)

    geometry = page.evaluate("""() => {
      const root = document.querySelector('#govqa-widget').shadowRoot;
      const r = el => { const b = el.getBoundingClientRect();
        return [b.left, b.top, b.right, b.bottom, b.width, b.height]; };
      const controls = [...root.querySelectorAll('.gq-panel button, .gq-panel input')];
      return {
        scroll: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
        panel: r(root.querySelector('.gq-panel')),
        log_overflow: root.querySelector('.gq-log').scrollWidth
                      - root.querySelector('.gq-log').clientWidth,
        controls: controls.map(el => [el.getAttribute('aria-label') || el.textContent, r(el)]),
      };
    }""")
    assert geometry["scroll"][0] <= geometry["scroll"][1] == 320
    left, top, right, bottom, _, _ = geometry["panel"]
    assert left >= 0 and top >= 0 and right <= 320 and bottom <= 640
    assert geometry["log_overflow"] <= 0
    for name, (x0, _, x1, _, w, h) in geometry["controls"]:
        assert x0 >= 0 and x1 <= 320, f"{name} runs off the screen: {x0}..{x1}"
        assert w >= 24 and h >= 24, f"{name} is smaller than 24x24 px (WCAG 2.5.8): {w}x{h}"
    for name in ("Your question", "Send"):
        assert page.get_by_role("textbox" if name == "Your question" else "button",
                                name=name).is_visible()


# Every text element in the widget against the background it is painted on, blending
# translucent layers; plus the colour pairs the stylesheet declares for states not on screen.
CONTRAST_JS = """() => {
  const host = document.querySelector('#govqa-widget');
  const root = host.shadowRoot;
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const lum = c => { const f = v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const background = el => {
    const layers = [];
    for (let n = el; n; n = n.parentElement || (n.getRootNode().host || null)) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg.a > 0) layers.push(bg);
      if (bg.a === 1) break;
    }
    let c = {r: 255, g: 255, b: 255, a: 1};
    for (const l of layers.reverse()) c = over(l, c);
    return c;
  };
  const pairs = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.gq-sr')) continue;
    const bg = background(el);
    pairs.push({what: el.className || el.tagName.toLowerCase(),
                text: el.textContent.trim().slice(0, 30),
                ratio: ratio(over(parse(style.color), bg), bg)});
  }
  const v = name => getComputedStyle(host).getPropertyValue(name).trim();
  const probe = document.createElement('span');
  root.appendChild(probe);
  const rgb = c => { probe.style.color = c; return parse(getComputedStyle(probe).color); };
  for (const [fg, bg] of [['--gq-muted', '--gq-bg'], ['--gq-muted', '--gq-soft'],
      ['--gq-link', '--gq-soft'], ['--gq-link', '--gq-bg'], ['--gq-error', '--gq-error-bg'],
      ['--gq-error', '--gq-bg'], ['--gq-ink', '--gq-mark'], ['--gq-on-accent', '--gq-accent'],
      ['--gq-ink', '--gq-soft']]) {
    pairs.push({what: fg + ' on ' + bg, text: '', ratio: ratio(rgb(v(fg)), rgb(v(bg)))});
  }
  probe.remove();
  return pairs;
}"""


def test_text_contrast_is_at_least_4_5_to_1(sample_server, open_page, ask):
    page = open_widget(open_page(sample_server))
    ask(page, DGX)
    ask(page, "how do I renew my passport?")
    pairs = page.evaluate(CONTRAST_JS)
    assert len(pairs) >= 20
    low = [p for p in pairs if p["ratio"] < 4.5]
    assert low == [], f"text below 4.5:1 contrast: {low}"


def test_reduced_motion_turns_animation_off(sample_server, open_page):
    page = open_widget(open_page(sample_server, reduced_motion="reduce"))
    animations = page.evaluate("""() => {
      const root = document.querySelector('#govqa-widget').shadowRoot;
      return ['.gq-panel', '.gq-launcher'].map(s => {
        const st = getComputedStyle(root.querySelector(s));
        return [st.animationName, st.transitionDuration];
      });
    }""")
    assert animations == [["none", "0s"], ["none", "0s"]]


def test_widget_is_small_and_never_parses_server_text_as_html():
    js = (REPO / "web" / "widget.js").read_text(encoding="utf-8")
    css = (REPO / "web" / "widget.css").read_text(encoding="utf-8")
    size = len(js.encode()) + len(css.encode())
    assert size <= 30 * 1024, f"widget.js + widget.css are {size} bytes, over 30 KB"
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in js, f"widget.js uses {sink}"


def test_embedded_in_a_hostile_page_with_a_stalled_api(sample_server, open_page, silent_port,
                                                      read_log):
    # Any site's page: its CSS tries to restyle everything; the API never answers.
    page = open_page(sample_server, path="/healthz")  # the server's origin, no widget yet
    page.set_content(f"""<!doctype html><html lang="en"><head><style>
      * {{ color: rgb(255, 0, 0) !important; background: rgb(0, 255, 0) !important;
           font-size: 40px !important; }}
      button, input {{ display: none !important; }}
    </style></head><body><p>Someone else's page</p>
    <script src="{sample_server.url}/widget.js" data-api="http://127.0.0.1:{silent_port}"
      data-title="Ask Us" data-accent="#ffd400" data-timeout="1500" defer></script>
    </body></html>""")
    launcher = page.get_by_role("button", name="Open chat: Ask Us")
    launcher.wait_for()
    style = launcher.evaluate(
        "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color]; }"
    )
    # The page's CSS does not reach in; on a light accent the text turns dark.
    assert style == ["rgb(255, 212, 0)", "rgb(17, 24, 39)"]
    launcher.click()
    box = page.get_by_label("Your question")
    box.fill(DGX)
    box.press("Enter")
    page.locator(".gq-error").wait_for(timeout=15000)
    assert read_log(page)[-1] == {
        "kind": "error", "marks": [], "links": [], "plain": [],
        "text": "Sorry, the answer took too long to arrive. Please try again.",
    }
    assert page.get_by_role("button", name="Try again").is_visible()


LIST_QUESTION = "What strategic goals sit under GovTech's mission?"
MISSION_PAGE = "https://www.tech.gov.sg/about-us/who-we-are/"


def test_list_answer_links_every_item(server_factory, corpus_index_dir: Path, open_page, ask,
                                      watch) -> None:
    page = open_widget(open_page(server_factory(corpus_index_dir)))
    got = ask(page, LIST_QUESTION)
    data = got["json"]
    assert got["status"] == 200 and data["answered"] is True
    items = data["items"]
    assert [i["citation"]["section"] for i in items] == [
        "Enabling Agencies to be Successful", "Product Excellence",
        "Enabling Public Officers' Productivity", "Act as One GovTech",
        "Organisational Excellence", "Right Culture"]
    rows = page.locator(".gq-bot .gq-items li")
    assert rows.count() == len(items)
    for n, item in enumerate(items):
        c = item["citation"]
        row = rows.nth(n)
        assert row.inner_text() == f"{item['text']} · Show on page"
        links = row.locator("a")
        assert [(links.nth(k).inner_text(), links.nth(k).get_attribute("href"))
                for k in range(links.count())] == [
            (c["section"], c["url"]), ("Show on page", c["highlight_url"])]
        assert c["url"].startswith(MISSION_PAGE + "#")
    label = page.locator(".gq-bot .gq-list .gq-label").last
    assert label.inner_text() == "From Who We Are › Our mission:"
    lead = page.locator(".gq-bot .gq-list > p").first
    assert lead.inner_text() == data["citations"][0]["quote"]
    assert watch.dialogs == [] and watch.errors == []


def test_the_widget_holds_a_question_to_the_servers_limit():
    from retriever.engine import MAX_QUESTION_CHARS

    js = (REPO / "web" / "widget.js").read_text(encoding="utf-8")
    # JavaScript cannot import the constant: this keeps the input and its message in step.
    assert f'maxlength: "{MAX_QUESTION_CHARS}"' in js
    assert f"(up to {MAX_QUESTION_CHARS} characters)" in js
