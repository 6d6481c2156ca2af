"""``cmatch vindex status|sync|compact``: the durable vacancy index (FAISS) next to the database."""
from __future__ import annotations

import time

import typer

from cmatch.output import print_fields

vindex_app = typer.Typer(help="De duurzame vacature-index (FAISS) naast de database.", no_args_is_help=True)


def _open(catch_up: bool):
    from indexer.settings import get_settings
    from indexer.storage.vacancy_index import open_for

    return open_for(get_settings(), catch_up=catch_up)


@vindex_app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Snapshot, volgnummer en aantallen, zonder bij te werken."""
    print_fields(_open(False).status(), as_json, width=13)


@vindex_app.command("sync")
def sync_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Bijwerken uit de database en een nieuwe snapshot schrijven (atomisch actief)."""
    t = time.perf_counter()
    index = _open(True)
    snap = index.snapshot()
    print_fields({**index.status(), "snapshot": snap.name, "seconds": round(time.perf_counter() - t, 2)}, as_json,
                 width=13)


@vindex_app.command("compact")
def compact_cmd() -> None:
    """Overbodige rijen van het wijzigingslogboek opruimen (de laatste per vacature blijft)."""
    from indexer.settings import get_settings
    from indexer.storage.factory import open_repository

    typer.echo(f"{open_repository(get_settings()).compact_changes()} rijen verwijderd")


def register(app: typer.Typer) -> None:
    """For ``cmatch.cli.COMMAND_GROUPS``."""
    app.add_typer(vindex_app, name="vindex")
