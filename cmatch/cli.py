"""The ``cmatch`` command line: one entry point that gathers each component's commands.

Each component keeps its own Typer sub-app (``cmatch.commands.build``, ``cmatch.commands.search``, ``cmatch.commands.eval``,
``cmatch.commands.serve``); this module only mounts them, so adding a command touches one component.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

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

#: (module, attribute) of each component's command group, mounted in this order.
COMMAND_GROUPS: list[tuple[str, str]] = [
    ("cmatch.commands.build", "register"),
    ("cmatch.commands.search", "register"),
    ("cmatch.commands.eval", "register"),
    ("cmatch.commands.serve", "register"),
    ("cmatch.commands.match", "register"),
    ("cmatch.commands.bench", "register"),
    ("cmatch.commands.vacancy_index", "register"),
]


def _mount() -> None:
    for module_name, attr in COMMAND_GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # component without commands yet
            raise
        getattr(module, attr)(app)


_mount()


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=os.environ.get("CMATCH_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    from indexer.taxonomy.loaders import DataError

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
