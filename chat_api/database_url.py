"""Database URLs as users write them: checked, with psycopg 3 as PostgreSQL's driver."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SCHEMES = ("postgresql", "postgres", "sqlite")


def normalise(url: str) -> str:
    """`postgres://` and `postgresql://` get psycopg 3 as their driver; SQLite stays as it is.
    Raises ValueError with the reason when the URL is not one govqa can use."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in SCHEMES:
        raise ValueError(f"unsupported database {backend!r}: use postgresql://… or sqlite:///…")
    if backend == "postgresql":
        if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
            raise ValueError("PostgreSQL is reached through psycopg 3: write postgresql://…")
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url
