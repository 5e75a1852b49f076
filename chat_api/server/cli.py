"""`govqa serve` (the HTTP service on uvicorn) and `govqa slack` (Slack over Socket Mode)."""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
from pathlib import Path

import click

from chat_api.settings import Settings, load_settings


def log_config() -> dict[str, object]:
    """uvicorn's logging, extended so our own log lines share its format and handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for name in ("chat_api", "retriever", "ingest"):
        config["loggers"][name] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def prepare_database(settings: Settings) -> None:
    """Migrate the store once, before the workers start, rather than in a race among them.
    A database that does not answer yet is not fatal: answers need none."""
    from sqlalchemy.exc import SQLAlchemyError

    from chat_api.store.db import migrate
    from chat_api.store.db.urls import connect

    engine = connect(settings.store_url)
    try:
        migrate.prepare(engine)
    except SQLAlchemyError as exc:
        click.echo(f"warning: GOVQA_DATABASE_URL does not answer yet "
                   f"({str(exc).splitlines()[0]}); serving without it until it does", err=True)
    finally:
        engine.dispose()


@click.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index directory to serve [env GOVQA_INDEX_DIR; default var/index].",
)
@click.option("--host", default=None, help="Address to bind [env GOVQA_HOST; default 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [env GOVQA_PORT; default 8000].")
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Worker processes [env GOVQA_WORKERS; default 1].",
)
def serve(index_dir: Path | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the chat API, the widget and the demo page over HTTP."""
    import uvicorn

    from chat_api.answers.engines import ensure_index

    settings = load_settings(
        index_dir=index_dir.resolve() if index_dir else None, host=host, port=port, workers=workers
    )
    # Built once here, before any worker starts, rather than raced by every worker.
    if ensure_index(settings.index_dir, settings.model, settings.base_url):
        click.echo(f"built a sample index in {settings.index_dir}", err=True)
    prepare_database(settings)
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its metrics here and /metrics adds them up across workers.
        metrics_dir = tempfile.mkdtemp(prefix="govqa-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)
    click.echo(f"govqa serving http://{settings.host}:{settings.port}/", err=True)
    uvicorn.run(
        "chat_api.server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        access_log=settings.access_log,
        log_config=log_config(),
        log_level="info",
        timeout_graceful_shutdown=10,
        timeout_keep_alive=settings.keep_alive_s,
    )


@click.command()
def slack() -> None:
    """Answer Slack over Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN)."""
    from chat_api.slack.bot import run_socket_mode

    run_socket_mode(load_settings())
