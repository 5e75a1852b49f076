"""Browser-test fixtures: real `govqa serve` processes and Debian's Chromium under Playwright."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = Path(os.environ.get("GOVQA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ADMIN_TOKEN = "web-test-admin-token"
SAMPLE_URL = "https://www.tech.gov.sg/products-and-services/collaborate-with-us/international-collaboration/"

# Pages of our own whose text looks like markup; the second is published under a hostile
# base URL, so its citations carry javascript: URLs that the widget must not make links.
# ingest drops escaped tags it recognises ("&lt;img src=x ...&gt;" vanishes), so the payloads
# use the slash forms that browsers still parse as elements: they reach the index as text.
PAYLOAD_PAGE = """---
title: Security Notes <svg/onload=alert('title')>
permalink: /security-notes/
variant: tiptap
description: A page whose text looks like <img/src=x onerror=alert('description')>.
---
<h2>Markup in page text</h2>
<p>The sample payload for the widget test is &lt;img/src=x onerror=alert(1)&gt; and it
must stay plain text.</p>
<p>The script payload reads &lt;script/src=data:,alert(2)&gt;&lt;/script&gt; and it must
never run.</p>
<p>The svg payload is "&gt;&lt;svg/onload=alert(3)&gt; and it must stay text too.</p>
"""
HOSTILE_URL_PAGE = """---
title: Canteen
permalink: /canteen/
---
<h2>Opening hours</h2>
<p>The staff canteen opens at nine in the morning on weekdays and closes at three.</p>
"""
HOSTILE_BASE_URL = "javascript:alert(document.domain)//"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One running `govqa serve`, its base URL and its feedback database."""

    url: str
    feedback_db: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stats(self) -> dict:
        r = httpx.get(
            f"{self.url}/api/stats",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
        )
        r.raise_for_status()
        return dict(r.json())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(index_dir: Path, workdir: Path, rate_limit: str = "off",
                 wait_for: str = "/readyz", extra_env: dict[str, str] | None = None) -> Server:
    """Start the real `govqa serve` on a free port and wait until `wait_for` answers 200;
    `extra_env` adds GOVQA_*/SLACK_* settings."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    feedback_db = workdir / "feedback.sqlite3"
    env = {
        **os.environ,
        "GOVQA_RATE_LIMIT": rate_limit,
        "GOVQA_FEEDBACK_DB": str(feedback_db),
        "GOVQA_ADMIN_TOKEN": ADMIN_TOKEN,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = workdir / "serve.log"
    log = log_path.open("wb")
    # cwd is the temp dir, so a developer's .env in the checkout cannot change the test.
    process = subprocess.Popen(
        [sys.executable, "-m", "govqa.cli", "serve", "--index", str(index_dir),
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", feedback_db, process, log_path, env)
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise AssertionError(f"govqa serve exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}{wait_for}", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"govqa serve never became ready:\n{server.log()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Starts servers on demand; every one is stopped at the end of the session."""
    started: list[Server] = []

    def factory(index_dir: Path, rate_limit: str = "off", wait_for: str = "/readyz") -> Server:
        server = start_server(index_dir, tmp_path_factory.mktemp("serve"), rate_limit, wait_for)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def sample_server(server_factory: Callable[..., Server], sample_index_dir: Path) -> Server:
    """The sample page's index behind `govqa serve`, rate limiting off."""
    return server_factory(sample_index_dir)


@pytest.fixture(scope="session")
def limited_server(server_factory: Callable[..., Server], sample_index_dir: Path) -> Server:
    """The same index behind a server allowing 2 chat requests a minute per client."""
    return server_factory(sample_index_dir, rate_limit="2/minute")


@pytest.fixture(scope="session")
def payload_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of our own pages: text that looks like markup, and a javascript: base URL."""
    from ingest.pipeline import ingest_sources
    from retriever.index import write_index

    src = tmp_path_factory.mktemp("payload-pages")
    (src / "security-notes.md").write_text(PAYLOAD_PAGE, encoding="utf-8")
    (src / "canteen.md").write_text(HOSTILE_URL_PAGE, encoding="utf-8")
    plain = ingest_sources([str(src / "security-notes.md")], base_url="https://example.gov.sg")
    hostile = ingest_sources([str(src / "canteen.md")], base_url=HOSTILE_BASE_URL)
    assert len(plain.pages) == 1 and len(hostile.pages) == 1, (plain.skipped, hostile.skipped)
    index_dir = tmp_path_factory.mktemp("payload") / "index"
    write_index(index_dir, plain.pages + hostile.pages, plain.chunks + hostile.chunks)
    return index_dir


@pytest.fixture(scope="session")
def payload_server(server_factory: Callable[..., Server], payload_index_dir: Path) -> Server:
    return server_factory(payload_index_dir)


# ---- the browser ----

@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless. Missing Chromium is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium. "
            "`make test` installs it (apt-get install chromium, as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Watch:
    """What the page did that it never should: JS dialogs, uncaught errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1]).strip("_")


@pytest.fixture
def open_page(
    browser: object, watch: Watch, request: pytest.FixtureRequest
) -> Iterator[Callable[..., object]]:
    """Opens a server's demo page in a fresh browser context (fresh sessionStorage).

    Every page opened is screenshotted into test-artifacts/web/ when the test ends,
    pass or fail.
    """
    contexts: list[object] = []
    pages: list[object] = []

    def opener(server: Server, width: int = 1100, height: int = 800, path: str = "/",
               **context_args: object):
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, **context_args
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        page.goto(server.url + path)
        if path == "/":
            page.wait_for_selector("#govqa-widget[data-ready]", state="attached")
        pages.append(page)
        return page

    yield opener
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = _artifact_name(request.node.nodeid)
    for i, page in enumerate(pages):
        suffix = "" if i == 0 else f"-{i}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"))  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not mask the test
            print(f"screenshot of {name}{suffix} failed: {exc}")
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


# ---- reading the widget back ----

# The widget's DOM, as data: what a visitor sees, read from its (open) shadow root.
READ_LOG_JS = """
() => {
  const root = document.querySelector('#govqa-widget').shadowRoot;
  return [...root.querySelectorAll('.gq-log > .gq-msg')].map(m => ({
    kind: m.classList.contains('gq-user') ? 'user'
        : m.classList.contains('gq-error') ? 'error'
        : m.classList.contains('gq-hello') ? 'hello'
        : m.classList.contains('gq-thinking') ? 'thinking' : 'bot',
    text: (m.querySelector('.gq-answer, p') || m).textContent,
    marks: [...m.querySelectorAll('.gq-answer mark')].map(x => x.textContent),
    links: [...m.querySelectorAll('a')].map(a => ({text: a.textContent,
      href: a.getAttribute('href')})),
    plain: [...m.querySelectorAll('.gq-nolink')].map(x => x.textContent),
  }));
}
"""


@pytest.fixture
def read_log() -> Callable[[object], list[dict]]:
    def read(page: object) -> list[dict]:
        return list(page.evaluate(READ_LOG_JS))  # type: ignore[attr-defined]

    return read


@pytest.fixture
def ask() -> Callable[..., dict]:
    """Types a question into the open widget, presses Enter, and returns the API's JSON
    together with the request body the widget sent."""

    def ask_(page: object, question: str, path: str = "/api/chat") -> dict:
        box = page.get_by_label("Your question")  # type: ignore[attr-defined]
        box.fill(question)
        with page.expect_response(  # type: ignore[attr-defined]
            lambda r: r.url.endswith(path) and r.request.method == "POST"
        ) as info:
            box.press("Enter")
        response = info.value
        body = json.loads(response.request.post_data or "{}")
        try:
            data = response.json()
        except Exception:  # noqa: BLE001 - error bodies may not be JSON
            data = None
        # Wait until the widget has finished rendering what came back.
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => !document.querySelector('#govqa-widget').shadowRoot"
            ".querySelector('.gq-thinking')"
        )
        return {"status": response.status, "headers": response.headers, "json": data,
                "sent": body}

    return ask_


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections and never answers: a stalled network path."""
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    sock.close()
