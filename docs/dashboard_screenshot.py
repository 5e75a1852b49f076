"""Retake docs/dashboard.png: the editors' dashboard of a running `govqa serve`, after asking it
a few real questions (some the site answers, some it cannot) and voting on two answers.

Usage: `GOVQA_ADMIN_TOKEN=T make run` in one terminal, then
`.venv/bin/python docs/dashboard_screenshot.py T [URL]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "dashboard.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
QUESTIONS = [
    ("which countries attended DGX?", "widget", True),
    ("when was DGX held?", "widget", False),
    ("what is Open-RMF?", "widget", None),
    ("how do I renew my parking permit?", "widget", None),
    ("parking permit renewal", "api", None),
    ("where can I pay a parking fine?", "widget", None),
    ("what devices are in the sensei care kit?", "api", None),
    ("what are the opening hours of the office?", "widget", None),
    ("office opening hours", "widget", None),
]


def seed(url: str) -> None:
    for question, channel, vote in QUESTIONS:
        answer = httpx.post(f"{url}/api/chat", json={"question": question}, timeout=30,
                            headers={"X-GovQA-Channel": channel}).json()
        if vote is not None and answer["answered"]:
            httpx.post(f"{url}/api/feedback", timeout=30, json={
                "conversation_id": answer["conversation_id"], "turn": answer["turn"],
                "helpful": vote, "comment": None if vote else "I wanted the dates"})


def main(token: str, url: str = "http://127.0.0.1:8000") -> None:
    seed(url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1500}, reduced_motion="reduce")
        page.goto(f"{url}/admin")
        page.get_by_label("Admin token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("body[data-loaded]")
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
