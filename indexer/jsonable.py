"""Dataclasses, numpy scalars and pydantic models as plain JSON-ready values (one converter)."""
from __future__ import annotations

import dataclasses
from typing import Any

#: values returned as they are (checked first: a match answer holds tens of thousands of them)
_SCALARS = frozenset({str, int, float, bool, type(None)})
#: field names per dataclass type (``dataclasses.fields`` per value was most of the time of a match answer)
_FIELDS: dict[type, tuple[str, ...]] = {}


def to_plain(value: Any) -> Any:
    """Dataclasses, tuples and sets to JSON-ready lists and dicts.

    >>> to_plain({"a": (1, 2)})
    {'a': [1, 2]}
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
