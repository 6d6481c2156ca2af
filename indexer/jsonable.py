"""Dataclasses, numpy scalars and pydantic models as plain JSON-ready values (one converter)."""
from __future__ import annotations

import dataclasses
from typing import Any


def to_plain(value: Any) -> Any:
    """Dataclasses, tuples and sets to JSON-ready lists and dicts.

    >>> to_plain({"a": (1, 2)})
    {'a': [1, 2]}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
