"""Schema migrations with Alembic: `govqa db upgrade`, and at start-up on an empty database."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from chat_api.store.db.urls import is_sqlite, sqlite_path
from govqa.errors import SchemaOutdated

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OUR_TABLES = frozenset({"questions", "feedback"})
_PG_LOCK = 0x676F7671  # "govq": one advisory lock, so replicas starting together migrate once


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection that alone may migrate: an advisory lock on PostgreSQL, a file lock
    beside a SQLite file (worker processes of one machine start together)."""
    url = engine.url.render_as_string(hide_password=False)
    if is_sqlite(url):
        path = sqlite_path(url)
        with contextlib.ExitStack() as stack:
            if path is not None:
                lock = stack.enter_context(open(path.with_name(path.name + ".migrate-lock"), "w"))
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield stack.enter_context(engine.connect())
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
        conn.commit()
        try:
            yield conn
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
            conn.commit()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    with _migration_lock(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(_config(conn), "head")
        conn.commit()
        return before, MigrationContext.configure(conn).get_current_revision() or ""


def prepare(engine: Engine) -> None:
    """At start-up: migrate an empty database, or the embedded SQLite file (its only user is
    this machine); a shared database with data at an older revision is left to
    `govqa db upgrade`, which its operator runs once for every replica."""
    at, newest = current(engine), head()
    if at == newest:
        return
    url = engine.url.render_as_string(hide_password=False)
    tables = set(inspect(engine).get_table_names()) & OUR_TABLES
    if is_sqlite(url) or not tables:
        upgrade(engine)
        return
    raise SchemaOutdated(
        f"the database at GOVQA_DATABASE_URL is at revision {at or 'none'}, this govqa needs "
        f"{newest}: run `govqa db upgrade` once, then start the replicas")
