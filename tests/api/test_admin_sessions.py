"""Editors' sessions: sign-out ends a session server-side, and cookies keep their flags."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from chat_api.server import admin_session
from tests.api.conftest import ADMIN_TOKEN

_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
_EXPIRES = re.compile(r"expires=[^;]*;")
_ALERT = re.compile(r'role="alert" id="login-error">([^<]*)<')


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header of a response, by the cookie's name; a deletion's `expires`
    (the moment it was sent) reads `expires=now` once checked."""
    found = {}
    for line in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        for name, morsel in jar.items():
            if morsel["expires"]:
                sent = parsedate_to_datetime(morsel["expires"]).timestamp()
                assert sent <= time.time() + 1, line  # in the past: the cookie is deleted
                line = _EXPIRES.sub("expires=now;", line)
            found[name] = line
    return found


def cookie_value(response: httpx.Response, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar.load(set_cookies(response)[name])
    return jar[name].value


def alert(page: httpx.Response) -> str:
    """The sign-in page's error line."""
    return _ALERT.findall(page.text)[0]


def sign_in(client: httpx.Client, token: str = ADMIN_TOKEN,
            headers: dict[str, str] | None = None) -> httpx.Response:
    """The sign-in form as a browser sends it: its page, then the POST (not followed)."""
    page = client.get("/admin", headers=headers)
    csrf = cookie_value(page, admin_session.LOGIN_CSRF_COOKIE)
    return client.post("/admin/login", data={"csrf": csrf, "token": token},
                       headers={**(headers or {}),
                                "Cookie": f"{admin_session.LOGIN_CSRF_COOKIE}={csrf}"},
                       follow_redirects=False)


def session_cookie(client: httpx.Client, headers: dict[str, str] | None = None,
                   token: str = ADMIN_TOKEN) -> str:
    signed_in = sign_in(client, token, headers)
    assert signed_in.status_code == 303, signed_in.text
    return cookie_value(signed_in, admin_session.COOKIE)


def with_session(cookie: str) -> dict[str, str]:
    return {"Cookie": f"{admin_session.COOKIE}={cookie}"}


def sign_out(client: httpx.Client, cookie: str) -> httpx.Response:
    dashboard = client.get("/admin", headers=with_session(cookie))
    [csrf] = _CSRF_FIELD.findall(dashboard.text)
    return client.post("/admin/logout", data={"csrf": csrf}, headers=with_session(cookie),
                       follow_redirects=False)


def is_dashboard(page: httpx.Response) -> bool:
    """The signed-in page (its sign-out form), not the sign-in form."""
    return 'action="/admin/logout"' in page.text and 'action="/admin/login"' not in page.text


@pytest.fixture
def app_client(make_client: Callable[..., TestClient], sample_engine: Any) -> TestClient:
    """The real app on the sample engine, loaded at once (the engine is not under test)."""
    return make_client(engine_loader=lambda *args, **kwargs: sample_engine)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app_client: TestClient) -> None:
    cookie = session_cookie(app_client)
    copied = dict(with_session(cookie))  # say, by someone at the editor's desk
    assert is_dashboard(app_client.get("/admin", headers=copied))
    assert app_client.get("/admin/api/insights", headers=copied).status_code == 200

    signed_out = sign_out(app_client, cookie)

    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/admin")
    assert set_cookies(signed_out) == {admin_session.COOKIE: (
        'govqa_admin=""; expires=now; HttpOnly; Max-Age=0; '
        "Path=/admin; SameSite=strict; Secure")}
    page = app_client.get("/admin", headers=copied)
    assert page.status_code == 200 and not is_dashboard(page)
    insights = app_client.get("/admin/api/insights", headers=copied)
    assert (insights.status_code, insights.json()) == (401, {
        "error": "unauthorized", "message": "sign in at /admin first",
        "request_id": insights.headers["x-request-id"]})
    for path in ("/admin/charts/questions.svg", "/admin/export/gaps.csv"):
        assert app_client.get(path, headers=copied).status_code == 401
    # Signing out again with the copy is refused: the session is gone, not just its cookie.
    again = app_client.post("/admin/logout", data={"csrf": admin_session.csrf_token(
        ADMIN_TOKEN, cookie)}, headers=copied, follow_redirects=False)
    assert again.status_code == 403


def test_a_new_sign_in_after_sign_out_works(app_client: TestClient) -> None:
    first = session_cookie(app_client)
    sign_out(app_client, first)
    second = session_cookie(app_client)
    assert second != first
    assert is_dashboard(app_client.get("/admin", headers=with_session(second)))
    assert not is_dashboard(app_client.get("/admin", headers=with_session(first)))


def test_sign_in_cookies_are_set_and_deleted_with_the_same_flags(app_client: TestClient) -> None:
    page = app_client.get("/admin")
    csrf = cookie_value(page, admin_session.LOGIN_CSRF_COOKIE)
    assert set_cookies(page) == {admin_session.LOGIN_CSRF_COOKIE: (
        f"govqa_login_csrf={csrf}; HttpOnly; Max-Age=3600; Path=/admin; SameSite=strict; "
        "Secure")}

    signed_in = sign_in(app_client)

    cookie = cookie_value(signed_in, admin_session.COOKIE)
    assert set_cookies(signed_in) == {
        admin_session.COOKIE: (f"govqa_admin={cookie}; HttpOnly; Max-Age=28800; Path=/admin; "
                               "SameSite=strict; Secure"),
        # Deleted with the flags it was set with: Secure, HttpOnly, SameSite=Strict, its path.
        admin_session.LOGIN_CSRF_COOKIE: (
            'govqa_login_csrf=""; expires=now; HttpOnly; Max-Age=0; '
            "Path=/admin; SameSite=strict; Secure"),
    }


def test_a_session_cookie_is_bound_to_the_token_that_signed_it() -> None:
    from itsdangerous.encoding import base64_encode, int_to_bytes

    began = 1_000_000.0
    cookie, sid = admin_session.issue("token-one", now=began)
    stamped, signed_at, _ = cookie.split(".")
    assert stamped == sid
    assert admin_session.session_id("token-one", cookie, now=began) == sid
    assert admin_session.session_id(
        "token-one", cookie, now=began + admin_session.SESSION_S - 1) == sid
    # A new admin token derives a new signing key: every earlier cookie stops verifying.
    assert admin_session.session_id("token-two", cookie, now=began) is None
    # Expired, tampered with, or not a cookie of ours at all.
    assert admin_session.session_id(
        "token-one", cookie, now=began + admin_session.SESSION_S) is None
    later = base64_encode(int_to_bytes(int(began) + 3600)).decode()
    forged = cookie.replace(f".{signed_at}.", f".{later}.")
    assert forged != cookie
    assert admin_session.session_id("token-one", forged, now=began + 3600) is None
    for junk in ("", "a.b", "a.b.c.d", "x" * 80, None):
        assert admin_session.session_id("token-one", junk, now=began) is None
    assert admin_session.session_id(None, cookie, now=began) is None
