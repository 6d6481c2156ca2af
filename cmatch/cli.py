"""The ``cmatch`` command line: one entry point that gathers each component's commands.

Each command group is one module of :mod:`cmatch.commands` with a ``register(app)``; this
module mounts them in help order, so adding a group is one module and one name here.
"""
from __future__ import annotations

import logging
import sys

import typer

from cmatch.commands import batch, bench, build, extract, match, privacy, proxy, relevance, search, serve, users, vacancy_index, wording
from cmatch.commands import eval as eval_commands
from indexer.settings import get_settings, set_offline_env
from indexer.taxonomy.sources.common import DataError

app = typer.Typer(
    name="cmatch",
    help=(
        "Competentiematch: vacatures, werkzoekenden en beroepen matchen op competenties "
        "(COMPETENT + ESCO). Elk commando heeft --help."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for command_group in (build, search, extract, match, eval_commands, relevance, wording, proxy, bench, batch, vacancy_index, serve, users, privacy):
    command_group.register(app)


def main() -> None:
    set_offline_env()
    logging.basicConfig(level=get_settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except DataError as exc:
        typer.secho(f"Fout in de data: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except FileNotFoundError as exc:
        typer.secho(f"Fout: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)


if __name__ == "__main__":
    main()
