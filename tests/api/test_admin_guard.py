"""Guessing the admin token: lockouts with backoff per client, a site-wide cap, counted and
logged without the token."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.api.conftest import ADMIN_TOKEN
from tests.api.test_admin_sessions import alert, session_cookie, sign_in, with_session

ATTACKER = {"X-Forwarded-For": "203.0.113.7"}
EDITOR = {"X-Forwarded-For": "198.51.100.20"}
GUESSES = [f"guess-{n:03d}-not-the-token" for n in range(50)]


def bearer(token: str, client: dict[str, str]) -> dict[str, str]:
    return {**client, "Authorization": f"Bearer {token}"}


def auth_counts(client: TestClient) -> dict[tuple[str, str], float]:
    """govqa_admin_auth_total, by (route, outcome), from /metrics."""
    counts = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        if family.name == "govqa_admin_auth":
            for sample in family.samples:
                if sample.name == "govqa_admin_auth_total":
                    counts[(sample.labels["route"], sample.labels["outcome"])] = sample.value
    return counts


def lockouts(client: TestClient) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        if family.name == "govqa_admin_lockouts":
            return float(family.samples[0].value)
    raise AssertionError("govqa_admin_lockouts_total is not in /metrics")


@pytest.fixture
def guarded(make_settings: Callable[..., Any], sample_engine: Any
            ) -> Iterator[Callable[..., TestClient]]:
    """`guarded(**settings)`: the real app behind uvicorn's proxy-header handling, as
    `govqa serve` runs it, so that X-Forwarded-For tells the clients apart."""
    from chat_api.server.app import create_app

    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app = create_app(make_settings(**overrides),
                         engine_loader=lambda *args, **kwargs: sample_engine)
        client = TestClient(ProxyHeadersMiddleware(app, trusted_hosts="*"),  # type: ignore[arg-type]
                            raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)


def test_fifty_wrong_sign_ins_reach_a_lockout_that_refuses_the_right_token_too(
        guarded: Callable[..., TestClient], caplog: pytest.LogCaptureFixture) -> None:
    client = guarded()
    caplog.clear()  # what start-up logged is not under test
    with caplog.at_level(logging.DEBUG):
        tries = [sign_in(client, guess, ATTACKER) for guess in GUESSES]
        right = sign_in(client, ADMIN_TOKEN, ATTACKER)
        editor = sign_in(client, ADMIN_TOKEN, EDITOR)

    assert [t.status_code for t in tries] == [401] * 5 + [429] * 45
    assert {alert(t) for t in tries[:5]} == {"That token is not right."}
    for refused in (*tries[5:], right):
        wait = int(refused.headers["retry-after"])  # 60 s from the fifth wrong token
        assert (refused.status_code, alert(refused)) == (
            429, f"Too many wrong tokens from your address: try again in {wait} seconds.")
        assert 55 <= wait <= 60 and refused.headers["content-type"] == "text/html; charset=utf-8"
        assert "govqa_admin" not in refused.headers.get("set-cookie", "")
    # Another client, not locked out, signs in as before.
    assert (editor.status_code, editor.headers["location"]) == (303, "/admin")
    assert "govqa_admin=" in editor.headers["set-cookie"]

    assert auth_counts(client) == {("/admin/login", "wrong_token"): 5.0,
                                   ("/admin/login", "locked_out"): 46.0,
                                   ("/admin/login", "ok"): 1.0}
    assert lockouts(client) == 1.0
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert all(guess not in logged for guess in GUESSES) and ADMIN_TOKEN not in logged
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "chat_api" and r.levelno == logging.WARNING]
    assert warnings == [
        *(f"wrong admin token from 203.0.113.7 at /admin/login ({n} of 5 before a lockout)"
          for n in range(1, 6)),
        "admin token checks from 203.0.113.7 locked out for 60 s (lockout 1 in a day)",
    ]


def test_wrong_bearer_tokens_reach_429_on_every_admin_route(
        guarded: Callable[..., TestClient], caplog: pytest.LogCaptureFixture) -> None:
    client = guarded()
    with caplog.at_level(logging.DEBUG):
        wrong = [client.get("/api/stats", headers=bearer(g, ATTACKER)) for g in GUESSES[:5]]
        refused = [client.request(method, path, headers=bearer(guess, ATTACKER))
                   for method, path in [("GET", "/api/stats"), ("POST", "/api/admin/reload"),
                                        ("GET", "/admin/api/insights")]
                   for guess in (GUESSES[5], ADMIN_TOKEN)]
        editor = client.get("/api/stats", headers=bearer(ADMIN_TOKEN, EDITOR))

    assert [w.status_code for w in wrong] == [403] * 5
    assert wrong[0].json()["message"] == "the admin token is not valid"
    for response in refused:
        wait = int(response.headers["retry-after"])
        assert response.status_code == 429 and 55 <= wait <= 60
        assert response.json() == {
            "error": "locked_out",
            "message": f"too many wrong admin tokens from this address: try again in {wait} s",
            "retry_after": wait, "request_id": response.headers["x-request-id"]}
    assert editor.status_code == 200
    assert auth_counts(client) == {("/api/stats", "wrong_token"): 5.0,
                                   ("/api/stats", "locked_out"): 2.0,
                                   ("/api/admin/reload", "locked_out"): 2.0,
                                   ("/admin/api/insights", "locked_out"): 2.0,
                                   ("/api/stats", "ok"): 1.0}
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert all(guess not in logged for guess in GUESSES) and ADMIN_TOKEN not in logged


def test_a_wrong_bearer_token_on_the_dashboards_data_counts_too(
        guarded: Callable[..., TestClient]) -> None:
    client = guarded(admin_max_failures=3)
    statuses = [client.get(path, headers=bearer(guess, ATTACKER)).status_code
                for path, guess in zip(["/admin/export/gaps.csv", "/admin/charts/votes.svg",
                                        "/admin/api/insights", "/admin/export/gaps.csv"],
                                       GUESSES, strict=False)]
    assert statuses == [401, 401, 401, 429]
    # A session cookie is no token check: a signed-in editor is not locked out with the address.
    cookie = session_cookie(client, EDITOR)
    assert client.get("/admin/api/insights", headers={**ATTACKER, **with_session(cookie)}
                      ).status_code == 200


def test_lockouts_double_up_to_the_cap_and_a_success_forgets_them(
        guarded: Callable[..., TestClient]) -> None:
    client = guarded(admin_max_failures=2, admin_lockout_s=1, admin_max_lockout_s=2)

    def locked_for() -> str:
        """Two wrong tokens, then the right one: how long it is refused."""
        wrong = [client.get("/api/stats", headers=bearer(g, ATTACKER)) for g in GUESSES[:2]]
        assert [w.status_code for w in wrong] == [403, 403]
        refused = client.get("/api/stats", headers=bearer(ADMIN_TOKEN, ATTACKER))
        assert refused.status_code == 429
        time.sleep(int(refused.headers["retry-after"]) + 0.2)  # the lockout ends
        return refused.headers["retry-after"]

    assert [locked_for() for _ in range(3)] == ["1", "2", "2"]
    assert client.get("/api/stats", headers=bearer(ADMIN_TOKEN, ATTACKER)).status_code == 200
    assert locked_for() == "1"  # the right token was given: the backoff starts over
    assert lockouts(client) == 4.0


def test_a_site_wide_cap_stops_guessing_from_many_addresses(
        guarded: Callable[..., TestClient]) -> None:
    client = guarded(admin_global_limit="4/minute")
    cookie = session_cookie(client, EDITOR)
    # Each address stays under its own lockout; together they spend the site's budget.
    spread = [client.get("/api/stats", headers=bearer(GUESSES[n], {
        "X-Forwarded-For": f"203.0.113.{n}"})) for n in range(4)]
    refused = client.get("/api/stats", headers=bearer(ADMIN_TOKEN, EDITOR))
    page = sign_in(client, ADMIN_TOKEN, EDITOR)

    assert [s.status_code for s in spread] == [403] * 4
    wait = int(refused.headers["retry-after"])
    assert refused.status_code == 429 and 1 <= wait <= 60
    assert refused.json() == {
        "error": "rate_limited",
        "message": f"too many wrong admin tokens on this site: checks resume in {wait} s",
        "retry_after": wait, "request_id": refused.headers["x-request-id"]}
    assert page.status_code == 429
    assert alert(page) == (f"Too many wrong tokens have been tried on this site: try again in "
                           f"{int(page.headers['retry-after'])} seconds.")
    # An editor already signed in carries on: a session cookie is not a token check.
    assert client.get("/admin/api/insights", headers={**EDITOR, **with_session(cookie)}
                      ).status_code == 200
    assert auth_counts(client) == {("/admin/login", "ok"): 1.0,
                                   ("/api/stats", "wrong_token"): 4.0,
                                   ("/api/stats", "rate_limited"): 1.0,
                                   ("/admin/login", "rate_limited"): 1.0}


def test_an_ipv6_client_is_one_address_per_64(guarded: Callable[..., TestClient]) -> None:
    client = guarded(admin_max_failures=2)
    hosts = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2::77"]
    statuses = [client.get("/api/stats", headers=bearer(g, {"X-Forwarded-For": h})).status_code
                for g, h in zip(GUESSES, hosts, strict=False)]
    other = client.get("/api/stats", headers=bearer(ADMIN_TOKEN, {
        "X-Forwarded-For": "2001:db8:1:3::1"}))
    assert (statuses, other.status_code) == ([403, 403, 429], 200)


def test_no_token_is_not_a_guess(guarded: Callable[..., TestClient]) -> None:
    client = guarded(admin_max_failures=1)
    missing = [client.get("/api/stats", headers=ATTACKER) for _ in range(3)]
    assert [m.status_code for m in missing] == [401] * 3
    assert client.get("/api/stats", headers=bearer(ADMIN_TOKEN, ATTACKER)).status_code == 200
    assert auth_counts(client) == {("/api/stats", "ok"): 1.0}
