"""The perf report holds the HTTP step to the engine's bound for the mode the server runs."""

from __future__ import annotations

from typing import Any

from loadtest.perf_report import table


def _http(mode: str, p50_ms: float) -> dict[str, Any]:
    run = {"connections": 1, "p50_ms": p50_ms, "rps": 1000 / p50_ms, "errors": 0}
    # The ingest step always runs beside the others.
    ingest = {"cold_chunks_per_s": 11.4, "unchanged_s": 0.86, "unchanged_share": 0.022}
    workers = {f"workers_{w}": {"runs": [run], "peak_rss_mb": {"1": 250.0},
                                "max_worker_rss_mb": 250.0} for w in (1, 2)}
    return {"ingest": ingest, "http": {"cold_start_s": 1.5, "cold_starts": [1.5],
                                       "default_mode": mode, **workers}}


def _row(report: str, name: str) -> list[str]:
    for line in report.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in\n{report}")


def test_an_http_run_alone_is_held_to_the_reader_bound_where_the_reader_serves() -> None:
    name = "HTTP /api/chat, 1 worker(s), 1 conn: p50"
    assert _row(table(_http("reader", 44.66)), name) == [
        name, "44.66 ms", "–", "–", "≤ 53 ms", "yes"]
    assert _row(table(_http("reader", 60.0)), name) == [
        name, "60.00 ms", "–", "–", "≤ 53 ms", "**no**"]
    assert _row(table(_http("hybrid", 7.5)), name) == [name, "7.50 ms", "–", "–", "≤ 8 ms", "yes"]
