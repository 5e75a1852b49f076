"""Retake docs/widget.png: the demo page of a running `govqa serve`, answering one question.

Usage: `make run` in one terminal, then `.venv/bin/python docs/screenshot.py [URL]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "widget.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def main(url: str = "http://127.0.0.1:8000/") -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, reduced_motion="reduce")
        page.goto(url)
        page.get_by_role("button", name="Open chat: Ask GovTech").click()
        box = page.get_by_label("Your question")
        box.fill("which countries attended DGX?")
        with page.expect_response(lambda r: r.url.endswith("/api/chat")):
            box.press("Enter")
        page.locator(".gq-bot .gq-answer").last.wait_for()
        box.focus()
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
