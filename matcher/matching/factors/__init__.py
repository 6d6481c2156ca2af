"""Score factors, one module each (see :mod:`matcher.matching.factors.base` for the interface).

Everything that lists factors or their knobs is derived here from the modules found in this
package: the factor list (:func:`all_factors`), :class:`MatchOptions` (from the factors' declared
options), the preference keys a portfolio may state (:func:`preference_specs`) and the factor
set's version (:func:`factor_set_version`, part of the engine's snapshot key).
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any

from matcher.matching.factors.base import (ENGINE_FEATURES, EncodeContext, Factor, FactorOutput, Option, PairDetail,
                                           PairFeatures, Pairs, Preference)

__all__ = ["ENGINE_FEATURES", "EncodeContext", "Factor", "FactorOutput", "MatchOptions", "Option", "PairDetail",
           "PairFeatures", "Pairs", "Preference", "all_factors", "factor_set_version", "option_specs",
           "preference_specs"]


def _discover() -> list[Factor]:
    found: list[Factor] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Factor) and obj is not Factor and obj.name \
                    and obj.__module__ == module.__name__:
                found.append(obj())
    return sorted(found, key=lambda f: (f.order, f.name))


_FACTORS: list[Factor] = _discover()


def all_factors() -> list[Factor]:
    """One instance of every factor in this package, in ``order``."""
    return _FACTORS


def option_specs() -> list[Option]:
    """Every factor's options, in factor order (names are unique)."""
    specs: list[Option] = [o for f in _FACTORS for o in f.options]
    names = [o.name for o in specs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise TypeError(f"option declared twice: {sorted(dup)}")
    return specs


def preference_specs() -> dict[str, Preference]:
    """The ``Portfolio.preferences`` keys the factors read, with their allowed values."""
    out: dict[str, Preference] = {}
    for f in _FACTORS:
        for p in f.preferences:
            if p.key in out and out[p.key].values != p.values:
                raise TypeError(f"preference '{p.key}' declared with different values")
            out[p.key] = p
    return out


def factor_set_version() -> str:
    """Names and versions of the factors: a new or changed factor invalidates stored snapshots."""
    return ",".join(f"{f.name}@{f.version}" for f in _FACTORS)


class _OptionsBase:
    """What every ``MatchOptions`` can do, whatever the factors."""

    def __post_init__(self):
        for spec in option_specs():
            spec.check(getattr(self, spec.name))

    @classmethod
    def from_input(cls, values: dict[str, Any]):
        """Options from a partial request (the API's ``MatchOptionsIn``): what is left out keeps its
        default, and a mapping option (``constraints``) is merged over its default."""
        defaults = {o.name: o.default for o in option_specs()}
        kw = {k: ({**defaults[k], **v} if isinstance(defaults[k], dict) else v) for k, v in values.items()}
        return cls(**kw)


def _options_class() -> type:
    fields = [(o.name, o.type, dataclasses.field(default_factory=o.fresh_default)) for o in option_specs()]
    mixins = tuple(f.options_mixin for f in _FACTORS if f.options_mixin is not None)
    doc = ("How to score; every knob is declared by its factor and visible in the output (``options`` of a "
           "result set):\n\n" + "\n".join(f"* ``{o.name}`` (default ``{o.default!r}``): {o.description}"
                                          for o in option_specs()))
    cls = dataclasses.make_dataclass("MatchOptions", fields, bases=(*mixins, _OptionsBase), namespace={"__doc__": doc})
    cls.__module__ = __name__
    return cls


MatchOptions = _options_class()
