"""Alembic's entry point: migrations run on the connection `chat_api.store.db.migrate` gives."""

from __future__ import annotations

from alembic import context

from chat_api.store.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # offline SQL scripts are not offered: the store migrates live
    raise SystemExit("run migrations with `govqa db upgrade`")
# Batch mode, so that SQLite's limited ALTER TABLE can take every later change.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
