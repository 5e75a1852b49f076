"""`govqa db upgrade`: bring the feedback database's schema to this release's revision."""

from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from chat_api.settings import load_settings
from chat_api.store.db import migrate
from chat_api.store.db.urls import connect
from govqa.errors import StoreUnavailable


@click.group()
def db() -> None:
    """The feedback and question-log database (GOVQA_DATABASE_URL, else GOVQA_FEEDBACK_DB)."""


@db.command()
def upgrade() -> None:
    """Run the schema migrations; safe to repeat, and to run while replicas serve."""
    settings = load_settings()
    engine = connect(settings.store_url)
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"GOVQA_DATABASE_URL: cannot migrate the database: "
                               f"{str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{where} is at revision {after}, the newest")
    else:
        click.echo(f"{where}: revision {before or 'none'} -> {after}")
