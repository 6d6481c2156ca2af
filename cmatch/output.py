"""Printing results: JSON for machines, short aligned lines for people."""
from __future__ import annotations

import json
from typing import Any

import typer

from indexer.jsonable import to_plain


def print_json(data: Any) -> None:
    typer.echo(json.dumps(to_plain(data), ensure_ascii=False, indent=2))
