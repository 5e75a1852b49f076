"""/admin: the editors' dashboard, its sign-in, its data, charts and CSV exports."""

from __future__ import annotations

import calendar
import csv
import io
import secrets
import threading
import time
import unicodedata
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from cachetools import TTLCache
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from chat_api.insights import charts
from chat_api.insights.data import CHANNELS, DAY_S, Filters, Insights, collect, engine_lookups
from chat_api.server import admin_session
from chat_api.server.admin_guard import SignInRefused
from chat_api.server.admin_session import COOKIE_FLAGS, SessionStoreUnavailable
from chat_api.server.deps import SettingsDep, StoreDep, get_guard, get_sessions, get_settings
from chat_api.settings import Settings

DEFAULT_DAYS = 14
MAX_DAYS = 366
TABLES = ("days", "gaps", "disliked", "sections", "pages")
CHARTS = ("questions", "votes", "confidence", "latency")
# A cell starting like a formula would run in a spreadsheet (OWASP, CSV injection), also
# after leading spaces, or in the full-width forms that NFKC folds to these.
_FORMULA_START = frozenset("=+-@\t\r\n")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(assets: Path, name: str, status: int = 200, **values: str) -> HTMLResponse:
    html = (assets / name).read_text(encoding="utf-8")
    for key, value in values.items():
        html = html.replace("{{" + key + "}}", escape(value))
    return HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)


async def _session(request: Request, settings: Settings) -> tuple[str, str] | None:
    """A live session's cookie and id: signed with the current token, unexpired, and not
    signed out (the session store still holds it)."""
    cookie = request.cookies.get(admin_session.COOKIE)
    sid = admin_session.session_id(settings.admin_token, cookie)
    if cookie is None or sid is None or not await get_sessions(request).alive(sid):
        return None
    return cookie, sid


async def require_editor(request: Request) -> None:
    """The session cookie from /admin's sign-in, or the admin bearer token (for scripts),
    which counts towards a lockout when wrong, as on /api/."""
    settings = get_settings(request)
    if await _session(request, settings):
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if (scheme.lower() == "bearer" and token.strip() and settings.admin_token
            and await get_guard(request).check(request, token.strip(), settings.admin_token)):
        return
    raise HTTPException(401, "sign in at /admin first")


def _filters(since: str | None, until: str | None, channel: str | None) -> Filters:
    try:  # UTC days, as the log's timestamps are bucketed
        start = calendar.timegm(time.strptime(since, "%Y-%m-%d")) if since else None
        end = calendar.timegm(time.strptime(until, "%Y-%m-%d")) + DAY_S if until else None
    except ValueError:
        raise HTTPException(422, "dates are YYYY-MM-DD") from None
    if channel in ("", "all"):
        channel = None
    if channel is not None and channel not in (*CHANNELS, "web"):
        raise HTTPException(422, f"channel is one of {', '.join(CHANNELS)}, or all")
    default = Filters.last_days(DEFAULT_DAYS, channel)
    f = Filters(start if start is not None else default.since,
                end if end is not None else default.until, channel)
    if f.until <= f.since or f.until - f.since > MAX_DAYS * DAY_S:
        raise HTTPException(422, f"the range runs from one day to {MAX_DAYS} days")
    return f


class _RecentInsights:
    """One page load asks for the same range five times (its JSON and four charts), and an
    export follows soon after: the log is read and the gaps grouped once per range."""

    def __init__(self, ttl_s: float = 10.0, size: int = 16) -> None:
        self._items: TTLCache[Filters, Insights] = TTLCache(maxsize=size, ttl=ttl_s)
        self._lock = threading.Lock()

    def get(self, request: Request, store: Any, f: Filters) -> Insights:
        with self._lock:
            hit = self._items.get(f)
        if hit is not None:
            return hit
        engine = request.app.state.engines.engine
        # Still loading: gaps are grouped by their words alone, without suggestions.
        lookups = engine_lookups(engine) if engine is not None else (None, None)
        data = collect(store.engine, f, *lookups)
        with self._lock:
            self._items[f] = data
        return data


Since = Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD.")]
Until = Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD.")]
Channel = Annotated[str | None, Query(description="widget, slack, api, or all.")]


def _runs_as_formula(text: str) -> bool:
    if text[:1] in _FORMULA_START:
        return True
    first = text.lstrip()[:1]
    return bool(first) and unicodedata.normalize("NFKC", first) in _FORMULA_START


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """OWASP's CSV-injection advice: a cell that would run as a formula gets a leading
    single quote, and every cell is quoted, so no separator or quote inside one can start
    another. A negative number is prefixed too: the quote shows, the formula cannot run."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, list):
                value = "; ".join(v["url"] if isinstance(v, dict) else str(v) for v in value)
            text = "" if value is None else str(value)
            cells.append("'" + text if _runs_as_formula(text) else text)
        writer.writerow(cells)
    return out.getvalue()


COLUMNS = {
    "days": ["day", "answered", "abstained", "helpful", "unhelpful", "p50_ms", "p95_ms"],
    "gaps": ["question", "count", "last_asked", "variants", "suggested"],
    "disliked": ["when", "channel", "question", "answer", "title", "section", "url", "comment"],
    "sections": ["title", "section", "url", "count"],
    "pages": ["title", "url", "count"],
}


def _chart(name: str, data: Insights) -> str:
    labels = [d["day"][5:] for d in data.days]  # MM-DD fits under the axis
    if name == "questions":
        return charts.bars("Questions per day", labels, [
            charts.Series("answered", [d["answered"] for d in data.days]),
            charts.Series("abstained", [d["abstained"] for d in data.days])], stacked=True)
    if name == "votes":
        return charts.bars("Votes per day", labels, [
            charts.Series("helpful", [d["helpful"] for d in data.days]),
            charts.Series("not helpful", [d["unhelpful"] for d in data.days])])
    if name == "confidence":
        return charts.bars("Answer confidence", [f"{b['from']:.1f}" for b in data.confidence], [
            charts.Series("answered", [b["answered"] for b in data.confidence]),
            charts.Series("abstained", [b["abstained"] for b in data.confidence])],
            stacked=True)
    return charts.lines("Latency per day", labels, [
        charts.Series("p50", [d["p50_ms"] for d in data.days]),
        charts.Series("p95", [d["p95_ms"] for d in data.days])], unit=" ms")


def build_router(assets: Path) -> APIRouter:
    router = APIRouter(tags=["dashboard"])
    editor = [Depends(require_editor)]
    recent = _RecentInsights()

    @router.get("/admin", include_in_schema=False, response_model=None)
    async def admin(request: Request, settings: SettingsDep) -> Response:
        if not settings.admin_token:
            return _off_page()
        session = await _session(request, settings)
        if session is not None:
            return _page(assets, "admin.html",
                         csrf=admin_session.csrf_token(settings.admin_token, session[0]))
        return _login_page(request)

    def _off_page() -> HTMLResponse:
        return _page(assets, "admin-login.html", 403, csrf="", error=(
            "The dashboard is off: set GOVQA_ADMIN_TOKEN to turn it on."))

    def _login_page(request: Request, error: str = "", status: int = 200,
                    headers: dict[str, str] | None = None) -> HTMLResponse:
        csrf = request.cookies.get(admin_session.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        page = _page(assets, "admin-login.html", status, csrf=csrf, error=error)
        page.headers.update(headers or {})
        page.set_cookie(admin_session.LOGIN_CSRF_COOKIE, csrf, max_age=3600, **COOKIE_FLAGS)
        return page

    async def _form(request: Request) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", errors="replace")
        return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}

    @router.post("/admin/login", include_in_schema=False, response_model=None)
    async def login(request: Request, settings: SettingsDep) -> Response:
        form = await _form(request)
        expected = request.cookies.get(admin_session.LOGIN_CSRF_COOKIE)
        if not expected or not secrets.compare_digest(form.get("csrf", ""), expected):
            return _login_page(request, "The form expired; please sign in again.", 400)
        if not settings.admin_token:
            return _off_page()
        try:
            right = await get_guard(request).check(request, form.get("token", ""),
                                                   settings.admin_token)
        except SignInRefused as refused:
            return _login_page(request, refused.sentence, 429, refused.headers)
        if not right:
            return _login_page(request, "That token is not right.", 401)
        cookie, sid = admin_session.issue(settings.admin_token)
        try:
            await get_sessions(request).start(sid, admin_session.SESSION_S)
        except SessionStoreUnavailable:
            return _login_page(request, "Signing in is not possible right now: the session "
                               "store cannot be reached. Try again shortly.", 503,
                               {"Retry-After": "1"})
        done = RedirectResponse("/admin", status_code=303)
        done.set_cookie(admin_session.COOKIE, cookie, max_age=admin_session.SESSION_S,
                        **COOKIE_FLAGS)
        done.delete_cookie(admin_session.LOGIN_CSRF_COOKIE, **COOKIE_FLAGS)
        return done

    @router.post("/admin/logout", include_in_schema=False, response_model=None)
    async def logout(request: Request, settings: SettingsDep) -> Response:
        form = await _form(request)
        session = await _session(request, settings)
        if not (settings.admin_token and session and secrets.compare_digest(
                form.get("csrf", ""), admin_session.csrf_token(settings.admin_token, session[0]))):
            raise HTTPException(403, "not signed in, or the form is stale")
        # Ended in the store, not only in this browser: a copy of the cookie dies with it.
        # If the store cannot be reached this is a 503 and the cookie stays, to sign out again.
        await get_sessions(request).end(session[1])
        done = RedirectResponse("/admin", status_code=303)
        done.delete_cookie(admin_session.COOKIE, **COOKIE_FLAGS)
        return done

    # The dashboard's own data, not the public API: out of the OpenAPI spec like /admin.
    @router.get("/admin/api/insights", dependencies=editor, include_in_schema=False)
    async def insights(request: Request, store: StoreDep, since: Since = None,
                       until: Until = None, channel: Channel = None) -> JSONResponse:
        """What the dashboard shows, as JSON: per day, gaps, dislikes and citations."""
        data = await run_in_threadpool(recent.get, request, store, _filters(since, until, channel))
        return JSONResponse(data.to_dict(), headers={"Cache-Control": "no-store"})

    @router.get("/admin/charts/{name}.svg", dependencies=editor, include_in_schema=False)
    async def chart(name: str, request: Request, store: StoreDep, since: Since = None,
                    until: Until = None, channel: Channel = None) -> Response:
        if name not in CHARTS:
            raise HTTPException(404, f"charts are {', '.join(CHARTS)}")
        data = await run_in_threadpool(recent.get, request, store, _filters(since, until, channel))
        headers = {**_SECURITY_HEADERS, "Content-Security-Policy": "default-src 'none'"}
        return Response(_chart(name, data), media_type="image/svg+xml", headers=headers)

    @router.get("/admin/export/{table}.csv", dependencies=editor, include_in_schema=False)
    async def export(table: str, request: Request, store: StoreDep, since: Since = None,
                     until: Until = None, channel: Channel = None) -> Response:
        if table not in TABLES:
            raise HTTPException(404, f"tables are {', '.join(TABLES)}")
        data = await run_in_threadpool(recent.get, request, store, _filters(since, until, channel))
        shown = data.to_dict()
        name = f"govqa-{table}-{shown['since']}-{shown['until']}.csv"
        return Response(_csv(getattr(data, table), COLUMNS[table]), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})

    return router
