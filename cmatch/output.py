"""Printing results: JSON for machines, short aligned lines for people."""
from __future__ import annotations

import json
from typing import Any

import typer

from indexer.jsonable import to_plain


def print_json(data: Any) -> None:
    typer.echo(json.dumps(to_plain(data), ensure_ascii=False, indent=2))


def print_fields(data: dict, as_json: bool, width: int = 16) -> None:
    """``--json``: the dict as JSON; else one ``key: value`` line per field, keys right-aligned."""
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key:>{width}}: {value}")
