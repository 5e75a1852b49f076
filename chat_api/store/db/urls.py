"""Database URLs as users write them, turned into SQLAlchemy engines with short timeouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from chat_api.database_url import normalise

CONNECT_TIMEOUT_S = 3  # a database that does not answer must not hold a request for long


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def connect(url: str) -> Engine:
    """One pooled engine per process; SQLite in WAL, so several workers share its file."""
    url = normalise(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 10.0, "check_same_thread": False}
    else:
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S,
                                  "options": "-c statement_timeout=5000"}
        kwargs.update(pool_size=4, max_overflow=4, pool_timeout=CONNECT_TIMEOUT_S)
    engine = create_engine(url, **kwargs)
    if is_sqlite(url):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets worker processes share the file; NORMAL skips an fsync per vote.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine
