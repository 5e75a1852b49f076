"""The `govqa` console script: one group, one subcommand module per package."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from govqa import __version__
from govqa.errors import GovqaError

# Each subcommand lives beside the package it drives and is imported lazily,
# so `govqa ask` never pays for FastAPI and `govqa serve` never pays for torch.
SUBCOMMANDS = {
    "ingest": "retriever.ingest_cli:ingest",
    "ask": "retriever.cli:ask",
    "serve": "chat_api.server.cli:serve",
    "slack": "chat_api.server.cli:slack",
    "bench": "bench.cli:bench",
    "reader": "reader.cli:reader",
    "db": "chat_api.store.cli:db",
    "insights": "chat_api.insights.cli:insights",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that subcommand is not built yet
            raise
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govqa")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details to stderr.")
def cli(verbose: bool) -> None:
    """Answer questions about a government website, quoting its pages."""
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # bm25s sets its own logger to DEBUG when it is first imported, which is later (inside
    # an index build) and would print on every build: the handler's level holds regardless.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    try:
        # standalone_mode=False hands back ctx.exit(code) as a return value.
        rv = cli.main(args=argv, prog_name="govqa", standalone_mode=False)
    except GovqaError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
