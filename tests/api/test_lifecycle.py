"""Start-up and readiness, hot reload under load, metrics, the demo page and the docs."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

ANSWERABLE = "which countries attended DGX?"
UNANSWERABLE = "how do I renew my parking permit?"
REPO = Path(__file__).resolve().parents[2]


def test_readyz_is_503_until_the_model_and_index_are_loaded(
    make_client: Callable[..., TestClient], await_ready: Callable[..., dict[str, Any]]
) -> None:
    from chat_api.answers.engines import load_engine

    gate = threading.Event()

    def gated_load(index_dir: Path, model: str | None, conversations: Any,
                   answers: Any) -> Any:
        assert gate.wait(60), "the test never opened the gate"
        return load_engine(index_dir, model, conversations, answers)

    client = make_client(wait=False, engine_loader=gated_load)
    try:
        assert client.get("/healthz").json() == {"status": "ok"}
        loading = client.get("/readyz")
        assert loading.status_code == 503
        assert loading.headers["retry-after"] == "1"
        assert loading.json() == {"status": "loading", "message": "loading the model and index"}
        chat = client.post("/api/chat", json={"question": ANSWERABLE})
        assert chat.status_code == 503
        assert chat.json() == {
            "error": "not_ready",
            "message": "the model and index are still loading; try again in a moment",
            "request_id": chat.headers["x-request-id"],
        }
    finally:
        gate.set()

    ready = await_ready(client)
    assert ready["status"] == "ready"
    assert client.post("/api/chat", json={"question": ANSWERABLE}).json()["answered"] is True


def test_a_broken_index_shows_in_readyz_and_recovers_when_fixed(
    make_client: Callable[..., TestClient],
    await_ready: Callable[..., dict[str, Any]],
    tmp_path: Path,
    sample_index_dir: Path,
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text(json.dumps({"format": 99}))
    client = make_client(wait=False, index_dir=broken, reload_interval=0.05)

    deadline = time.monotonic() + 60
    while (body := client.get("/readyz").json())["status"] == "loading":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert body["status"] == "error"
    assert "has format 99" in body["message"]
    failed = client.post("/api/chat", json={"question": ANSWERABLE})
    assert failed.status_code == 503
    assert failed.json()["message"].startswith("the index could not be loaded: the index in")

    # A good version arrives beside it the way `govqa ingest` commits one: folder first,
    # then the `current` link swapped in with one rename. The service picks it up by itself.
    shutil.copytree(sample_index_dir / "versions", broken / "versions", symlinks=True)
    (broken / ".current.tmp").symlink_to(os.readlink(sample_index_dir / "current"))
    os.replace(broken / ".current.tmp", broken / "current")
    assert await_ready(client, allow_error=True)["status"] == "ready"
    assert client.post("/api/chat", json={"question": ANSWERABLE}).json()["answered"] is True


def test_with_no_index_it_builds_one_from_the_sample_page(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    from retriever.index import index_exists

    index_dir = tmp_path / "fresh" / "index"
    client = make_client(index_dir=index_dir)

    assert index_exists(index_dir)
    body = client.post("/api/chat", json={"question": ANSWERABLE}).json()
    assert body["answered"] is True
    assert body["citations"][0]["title"] == "International Collaboration"


class Hammer:
    """Threads asking questions non-stop, recording every status and index version."""

    def __init__(self, client: TestClient, threads: int = 4) -> None:
        self.client = client
        self.results: list[tuple[int, str | None]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                r = self.client.post("/api/chat", json={"question": ANSWERABLE})
                self.results.append((r.status_code, r.json().get("index_version")))
            except Exception as exc:  # a dropped connection counts as a failure too
                self.results.append((-1, repr(exc)))

    def __enter__(self) -> Hammer:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(30)

    def wait_for_version(self, version: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(v == version for _, v in self.results[-20:]):
            assert time.monotonic() < deadline, f"{version} never served"
            time.sleep(0.02)


def _new_version(index_dir: Path) -> str:
    from retriever.index import read_chunks, read_pages, write_index

    manifest = write_index(index_dir, read_pages(index_dir), read_chunks(index_dir))
    return str(manifest["version"])


def test_ingest_into_the_served_dir_swaps_the_index_without_failing_a_request(
    make_client: Callable[..., TestClient], index_copy: Path
) -> None:
    client = make_client(index_dir=index_copy, reload_interval=0.05)
    v0 = client.get("/readyz").json()["index_version"]
    first = client.post("/api/chat", json={"question": ANSWERABLE}).json()

    with Hammer(client) as hammer:
        hammer.wait_for_version(v0)
        v1 = _new_version(index_copy)
        hammer.wait_for_version(v1)
        v2 = _new_version(index_copy)
        hammer.wait_for_version(v2)

    assert v0 != v1 != v2
    assert {status for status, _ in hammer.results} == {200}
    versions = [v for _, v in hammer.results]
    assert set(versions) <= {v0, v1, v2}
    # Swaps only go forward: once a version is served, older ones never come back.
    order = {v0: 0, v1: 1, v2: 2}
    assert max(order[v] for v in versions[-4:]) == 2
    assert client.get("/readyz").json()["index_version"] == v2
    # The conversation started before the swaps carries on after them.
    follow = client.post(
        "/api/chat",
        json={"question": "when was it held?", "conversation_id": first["conversation_id"]},
    ).json()
    assert (follow["turn"], follow["index_version"]) == (2, v2)


def test_admin_reload_swaps_the_index_under_load(
    make_client: Callable[..., TestClient], index_copy: Path, admin_headers: dict[str, str]
) -> None:
    client = make_client(index_dir=index_copy, reload_interval=0)
    v0 = client.get("/readyz").json()["index_version"]

    with Hammer(client) as hammer:
        hammer.wait_for_version(v0)
        v1 = _new_version(index_copy)
        time.sleep(0.2)
        assert client.get("/readyz").json()["index_version"] == v0  # no watcher: no swap yet
        response = client.post("/api/admin/reload", headers=admin_headers)
        assert response.status_code == 200
        assert response.json() == {"previous_version": v0, "index_version": v1, "changed": True}
        hammer.wait_for_version(v1)

    assert {status for status, _ in hammer.results} == {200}
    assert {v for _, v in hammer.results} == {v0, v1}


def test_a_failed_admin_reload_keeps_serving_the_old_index(
    make_client: Callable[..., TestClient], index_copy: Path, admin_headers: dict[str, str]
) -> None:
    client = make_client(index_dir=index_copy)
    v0 = client.get("/readyz").json()["index_version"]
    live = (index_copy / "current").resolve()
    (live / "manifest.json").write_text("{not json")

    response = client.post("/api/admin/reload", headers=admin_headers)

    assert response.status_code == 503
    assert response.json()["error"] == "index_corrupt"
    assert client.get("/readyz").json() == {"status": "ready", "index_version": v0}
    assert client.post("/api/chat", json={"question": ANSWERABLE}).json()["index_version"] == v0


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_requests_by_route_and_answers_by_outcome(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    client.post("/api/chat", json={"question": ANSWERABLE})
    client.post("/api/chat", json={"question": UNANSWERABLE})
    client.post("/api/chat", json={})
    client.get("/api/nowhere/42")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = _samples(response.text)

    def requests(route: str, status: str, method: str = "POST") -> float:
        key = (("method", method), ("route", route), ("status", status))
        return samples.get(("govqa_http_requests_total", key), 0)

    assert requests("/api/chat", "200") == 2
    assert requests("/api/chat", "422") == 1
    assert requests("<unmatched>", "404", "GET") == 1  # unknown paths never become labels
    assert samples[("govqa_http_request_duration_seconds_count",
                    (("method", "POST"), ("route", "/api/chat")))] == 3
    assert samples[("govqa_answers_total", (("outcome", "answered"), ("source", "api")))] == 1
    assert samples[("govqa_answers_total", (("outcome", "abstained"), ("source", "api")))] == 1
    assert samples[("govqa_ready", ())] == 1
    assert samples[("process_resident_memory_bytes", ())] > 0


def test_demo_page_and_widget_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/widget.js"' in page.text
    assert "<h1>International Collaboration</h1>" in page.text

    for path, name, kind in [
        ("/widget.js", "widget.js", "text/javascript"),
        ("/widget.css", "widget.css", "text/css"),
        ("/static/widget.js", "widget.js", "text/javascript"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind), path
        assert response.content == (REPO / "web" / name).read_bytes()
    assert client.get("/widget.js").headers["cache-control"] == "public, max-age=300"

    missing = client.get("/static/nothing.js")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_missing_widget_files_are_a_json_404(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(web_dir=tmp_path / "no-web")
    response = client.get("/widget.js")
    assert response.status_code == 404
    assert response.json()["message"] == f"widget.js is missing from {tmp_path / 'no-web'}"


def test_openapi_docs_have_examples(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/chat", "/api/search", "/api/feedback", "/api/stats", "/api/admin/reload",
        "/healthz", "/readyz", "/metrics",
    }
    schemas = spec["components"]["schemas"]
    for name in ("ChatRequest", "ChatResponse", "SearchResponse", "FeedbackRequest",
                 "StatsResponse", "ErrorResponse"):
        assert schemas[name]["examples"], name
    assert schemas["ChatRequest"]["examples"][0] == {"question": "Which countries attended DGX?"}
