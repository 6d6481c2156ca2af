"""Score factors, one module each; see :mod:`matcher.matching.factors.base` for the interface."""
from __future__ import annotations

import importlib
import pkgutil

from matcher.matching.factors.base import CONSTRAINTS, Factor, FactorOutput, MatchOptions, PairDetail, PairFeatures

__all__ = ["CONSTRAINTS", "Factor", "FactorOutput", "MatchOptions", "PairDetail", "PairFeatures", "all_factors"]

_FACTORS: list[Factor] | None = None


def all_factors() -> list[Factor]:
    """One instance of every factor in this package, in ``order``."""
    global _FACTORS
    if _FACTORS is None:
        found: list[Factor] = []
        for info in pkgutil.iter_modules(__path__):
            if info.name == "base":
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, Factor) and obj is not Factor and obj.name \
                        and obj.__module__ == module.__name__:
                    found.append(obj())
        _FACTORS = sorted(found, key=lambda f: (f.order, f.name))
    return _FACTORS
