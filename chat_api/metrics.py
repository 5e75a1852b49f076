"""Prometheus metrics: requests and latency by route template, answers and abstentions."""

from __future__ import annotations

import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector

# Engine answers take milliseconds: the buckets are fine-grained at the low end.
LATENCY_BUCKETS = (
    0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
)

# Every worker process writes here when uvicorn runs several; /metrics then sums them.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """One app's metrics, in its own registry so several apps (tests) never collide."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = bool(os.environ.get(MULTIPROC_ENV))
        if not self.multiprocess:
            ProcessCollector(registry=self.registry)  # resident memory, CPU, open files
        r = self.registry
        self.requests = Counter(
            "govqa_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "govqa_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.answers = Counter(
            "govqa_answers_total",
            "Questions answered from the pages or abstained on, by outcome and channel.",
            ["outcome", "source"],
            registry=r,
        )
        self.answer_cache = Counter(
            "govqa_answer_cache_total",
            "Answer cache lookups by result: hit (a question asked again was answered from "
            "the cache) or miss. Follow-ups never look.",
            ["result"],
            registry=r,
        )
        for result in ("hit", "miss"):
            self.answer_cache.labels(result)  # shown at 0 from the start, for rates
        self.reloads = Counter(
            "govqa_index_reloads_total", "Index loads by result.", ["result"], registry=r
        )
        self.admin_auth = Counter(
            "govqa_admin_auth_total",
            "Admin token checks (sign-in, bearer) by route and outcome: ok, wrong_token, "
            "locked_out (the client is locked out), rate_limited (the site-wide cap).",
            ["route", "outcome"],
            registry=r,
        )
        self.admin_lockouts = Counter(
            "govqa_admin_lockouts_total",
            "Clients locked out after repeated wrong admin tokens.",
            registry=r,
        )
        self.ready = Gauge(
            "govqa_ready",
            "1 when the model and index are loaded.",
            registry=r,
            multiprocess_mode="livemin",
        )
        self.ready.set(0)
        self.dependency_up = Gauge(
            "govqa_dependency_up",
            "1 while a shared service (redis, database) answers; 0 while govqa runs degraded "
            "without it.",
            ["dependency"],
            registry=r,
            multiprocess_mode="livemin",
        )
        self.log_buffered = Gauge(
            "govqa_question_log_buffered",
            "Logged questions held in memory until the database is back.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.log_dropped = Counter(
            "govqa_question_log_dropped_total",
            "Logged questions dropped, by reason: buffer_full (the database stayed down past "
            "the buffer), unstorable (the database refused the row), shutdown.",
            ["reason"],
            registry=r,
        )
        self.log_written = Counter(
            "govqa_question_log_written_total",
            "Logged questions written to the database.",
            registry=r,
        )

    def dependency(self, name: str) -> Callable[[bool], None]:
        """A callback that sets `name`'s gauge, for chat_api.service_health.Dependency."""
        gauge = self.dependency_up.labels(name)
        return lambda up: gauge.set(1 if up else 0)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def count_log_drop(self, reason: str, rows: int) -> None:
        self.log_dropped.labels(reason).inc(rows)

    def count_answer(self, answered: bool, source: str = "web") -> None:
        self.answers.labels("answered" if answered else "abstained", source).inc()

    def count_cache_lookup(self, result: str) -> None:
        self.answer_cache.labels(result).inc()

    def render(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
