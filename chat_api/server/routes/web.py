"""The demo page at `/` and the widget's files from `web/`."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from chat_api.answers.engines import index_version_on_disk
from chat_api.server.deps import SettingsDep
from chat_api.settings import Settings
from govqa.errors import GovqaError

# Short, so a new widget release reaches visitors within minutes; the ETag saves the bytes.
WIDGET_CACHE = "public, max-age=300"


class DemoPage:
    """The demo page, rendered once per index version (it shows an indexed page)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._version: str | None = None
        self._html = ""

    def html(self) -> str:
        version = index_version_on_disk(self.index_dir)
        with self._lock:
            if version != self._version or not self._html:
                self._html = self._render()
                self._version = version
            return self._html

    def _render(self) -> str:
        from chat_api.server.demo import render_demo_page
        from retriever.index import index_exists, read_chunks, read_pages

        if not index_exists(self.index_dir):
            return render_demo_page([])
        try:
            return render_demo_page(read_pages(self.index_dir), read_chunks(self.index_dir))
        except GovqaError:  # a broken index shows in /readyz; the page still renders
            return render_demo_page([])


def build_router(settings: Settings) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    demo = DemoPage(settings.index_dir)

    @router.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(demo.html())

    def widget_file(name: str, media_type: str, settings: Settings) -> FileResponse:
        path = settings.web_dir / name
        if not path.is_file():
            raise HTTPException(404, f"{name} is missing from {settings.web_dir}")
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": WIDGET_CACHE})

    @router.get("/widget.js")
    def widget_js(settings: SettingsDep) -> FileResponse:
        return widget_file("widget.js", "text/javascript; charset=utf-8", settings)

    @router.get("/widget.css")
    def widget_css(settings: SettingsDep) -> FileResponse:
        return widget_file("widget.css", "text/css; charset=utf-8", settings)

    return router
