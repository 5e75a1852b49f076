"""/admin: the editors' dashboard, its sign-in, its data, charts and CSV exports."""

from __future__ import annotations

import calendar
import csv
import io
import secrets
import threading
import time
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from chat_api import admin_session, charts
from chat_api.deps import SettingsDep, StoreDep, get_settings
from chat_api.insights import CHANNELS, DAY_S, Filters, Insights, collect, engine_lookups
from chat_api.settings import Settings

DEFAULT_DAYS = 14
MAX_DAYS = 366
TABLES = ("days", "gaps", "disliked", "sections", "pages")
CHARTS = ("questions", "votes", "confidence", "latency")
# A cell starting like a formula would run in a spreadsheet: the export quotes it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(web_dir: Path, name: str, status: int = 200, **values: str) -> HTMLResponse:
    html = (web_dir / name).read_text(encoding="utf-8")
    for key, value in values.items():
        html = html.replace("{{" + key + "}}", escape(value))
    return HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)


def _signed_in(request: Request, settings: Settings) -> bool:
    return admin_session.valid(settings.admin_token, request.cookies.get(admin_session.COOKIE))


def require_editor(request: Request) -> None:
    """The session cookie from /admin's sign-in, or the admin bearer token (for scripts)."""
    settings = get_settings(request)
    if _signed_in(request, settings):
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and admin_session.token_matches(token.strip(),
                                                                  settings.admin_token):
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
        self.ttl_s, self.size = ttl_s, size
        self._items: dict[Filters, tuple[float, Insights]] = {}
        self._lock = threading.Lock()

    def get(self, request: Request, store: Any, f: Filters) -> Insights:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(f)
            if hit is not None and now - hit[0] < self.ttl_s:
                return hit[1]
        engine = request.app.state.engines.engine
        # Still loading: gaps are grouped by their words alone, without suggestions.
        lookups = engine_lookups(engine) if engine is not None else (None, None)
        data = collect(store.engine, f, *lookups)
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if now - v[0] < self.ttl_s}
            if len(self._items) < self.size:
                self._items[f] = (now, data)
        return data


Since = Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD.")]
Until = Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD.")]
Channel = Annotated[str | None, Query(description="widget, slack, api, or all.")]


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if isinstance(value, list):
                value = "; ".join(v["url"] if isinstance(v, dict) else str(v) for v in value)
            text = "" if value is None else str(value)
            cells.append("'" + text if text.startswith(_FORMULA_START) else text)
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


def build_router(web_dir: Path) -> APIRouter:
    router = APIRouter(tags=["dashboard"])
    editor = [Depends(require_editor)]
    recent = _RecentInsights()

    @router.get("/admin", include_in_schema=False, response_model=None)
    async def admin(request: Request, settings: SettingsDep) -> Response:
        if not settings.admin_token:
            return _page(web_dir, "admin-login.html", 403, csrf="", error=(
                "The dashboard is off: set GOVQA_ADMIN_TOKEN to turn it on."))
        if _signed_in(request, settings):
            session = request.cookies[admin_session.COOKIE]
            return _page(web_dir, "admin.html",
                         csrf=admin_session.csrf_token(settings.admin_token, session))
        return _login_page(request)

    def _login_page(request: Request, error: str = "", status: int = 200) -> HTMLResponse:
        csrf = request.cookies.get(admin_session.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        page = _page(web_dir, "admin-login.html", status, csrf=csrf, error=error)
        page.set_cookie(admin_session.LOGIN_CSRF_COOKIE, csrf, max_age=3600, secure=True,
                        httponly=True, samesite="strict", path="/admin")
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
        if not admin_session.token_matches(form.get("token", ""), settings.admin_token):
            return _login_page(request, "That token is not right.", 401)
        done = RedirectResponse("/admin", status_code=303)
        done.set_cookie(admin_session.COOKIE, admin_session.issue(settings.admin_token or ""),
                        max_age=admin_session.SESSION_S, secure=True, httponly=True,
                        samesite="strict", path="/admin")
        done.delete_cookie(admin_session.LOGIN_CSRF_COOKIE, path="/admin")
        return done

    @router.post("/admin/logout", include_in_schema=False, response_model=None)
    async def logout(request: Request, settings: SettingsDep) -> Response:
        form = await _form(request)
        session = request.cookies.get(admin_session.COOKIE, "")
        if not (settings.admin_token and admin_session.valid(settings.admin_token, session)
                and secrets.compare_digest(form.get("csrf", ""), admin_session.csrf_token(
                    settings.admin_token, session))):
            raise HTTPException(403, "not signed in, or the form is stale")
        done = RedirectResponse("/admin", status_code=303)
        done.delete_cookie(admin_session.COOKIE, path="/admin", secure=True, httponly=True,
                           samesite="strict")
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
