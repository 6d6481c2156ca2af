"""The matcher's tables as data files (postcodes, text cues, wording rules, gendered titles).

Tables that people extend — a municipality, a cue word, a wording rule — live here as UTF-8
JSON or CSV instead of as code, one file per table. Each table is read through this module
only, once (cached), and parsed by one loader function in the module that owns it.

>>> load_csv("gendered_titles.csv")[0]["title"]
'verkoopster'
"""
from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources
from typing import Any


class ResourceError(RuntimeError):
    """A data file of ``matcher/resources`` is missing or malformed."""


def _read(name: str) -> str:
    try:
        return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ResourceError(f"matcher/resources/{name}: cannot read ({exc})") from exc


@cache
def load_json(name: str) -> Any:
    """The parsed JSON file ``matcher/resources/<name>`` (cached: treat it as read-only)."""
    try:
        return json.loads(_read(name))
    except json.JSONDecodeError as exc:
        raise ResourceError(f"matcher/resources/{name}: invalid JSON ({exc})") from exc


@cache
def load_csv(name: str) -> tuple[dict[str, str], ...]:
    """The rows of the CSV file ``matcher/resources/<name>`` as dicts keyed by its header."""
    rows = tuple(csv.DictReader(io.StringIO(_read(name))))
    if rows and any(None in row or None in row.values() for row in rows):
        raise ResourceError(f"matcher/resources/{name}: a row has more or fewer fields than the header")
    return rows
