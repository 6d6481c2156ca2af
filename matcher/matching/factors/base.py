"""The factor interface: each factor computes its value for many pairs at once *and* explains one.

A factor is additive (its weighted value adds to the base score) or a multiplier (it scales the
base score; a hard constraint instead removes pairs through ``keep``). The scorer
(:mod:`matcher.matching.scoring`) combines them as::

    score = (sum of additive effects) x (product of multiplier effects)

and returns every factor's value, effect and Dutch explanation with each result. Adding a factor
means adding one module to this package (it is discovered automatically, ordered by ``order``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

CONSTRAINTS: tuple[str, ...] = ("distance", "regime", "contract", "licence", "language")
CONSTRAINT_LABELS_NL = {"distance": "afstand", "regime": "werkregime", "contract": "contracttype",
                        "licence": "rijbewijs", "language": "talen"}


@dataclass
class MatchOptions:
    """How to score; every knob is visible in the output (``options`` of a result set).

    ``constraints`` maps each of :data:`CONSTRAINTS` to ``"hard"`` (filter), ``"soft"`` (penalty)
    or ``"off"``.
    """

    constraints: dict[str, str] = field(default_factory=lambda: {c: "soft" for c in CONSTRAINTS})
    coverage_weight: float = 0.8
    affinity_weight: float = 0.2
    shortage_boost: bool = True
    shortage_weight: float = 0.10
    spread_exposure: bool = False
    exposure_strength: float = 0.15
    open_threshold: float = 0.6

    def mode(self, constraint: str) -> str:
        return self.constraints.get(constraint, "soft")

    @classmethod
    def with_constraints(cls, default: str = "soft", hard: list[str] | None = None, soft: list[str] | None = None,
                         off: list[str] | None = None, **kw) -> "MatchOptions":
        modes = {c: default for c in CONSTRAINTS}
        for mode, names in (("hard", hard), ("soft", soft), ("off", off)):
            for n in names or []:
                if n not in CONSTRAINTS:
                    raise ValueError(f"Onbekende voorwaarde '{n}'; kies uit {', '.join(CONSTRAINTS)}.")
                modes[n] = mode
        return cls(constraints=modes, **kw)


@dataclass
class PairFeatures:
    """Everything the factors read, one entry per (portfolio, vacancy) pair.

    Built by :mod:`matcher.matching.engine` from the structured fields only; nothing personal
    (name, age, gender, nationality, diploma) has a column here.
    """

    n: int
    coverage: np.ndarray            # weighted competence coverage incl. near credit, 0..1
    essential_coverage: np.ndarray  # the same over essential competences only
    n_essential: np.ndarray
    affinity: np.ndarray            # occupation affinity 0..1 (0.5 when unknown)
    affinity_known: np.ndarray      # bool
    distance_km: np.ndarray         # NaN when unknown
    max_km: np.ndarray              # NaN when no limit
    remote: np.ndarray              # bool
    regime_ok: np.ndarray           # bool (True when unknown)
    contract_ok: np.ndarray
    licence_ok: np.ndarray
    language_short: np.ndarray      # CEFR levels short in total (0 = fine)
    shortage: np.ndarray            # bool: vacancy's occupation is a knelpuntberoep
    exposure: np.ndarray            # earlier top-k appearances (exposure spreading)


@dataclass
class FactorOutput:
    value: np.ndarray
    effect: np.ndarray
    keep: np.ndarray | None = None
    weight: float | None = None
    extra: dict = field(default_factory=dict)   # arrays a factor keeps for its explanations


@dataclass
class PairDetail:
    """The pair's objects, for explanations that quote them (never used to compute values)."""

    portfolio: object
    vacancy: object
    extra: dict = field(default_factory=dict)


class Factor:
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    kind: ClassVar[str] = "additive"  # "additive" | "multiplier"
    order: ClassVar[int] = 100

    def compute(self, f: PairFeatures, opts: MatchOptions) -> FactorOutput:  # pragma: no cover - interface
        raise NotImplementedError

    def explain(self, f: PairFeatures, i: int, out: FactorOutput, opts: MatchOptions, pair: PairDetail) -> dict:
        raise NotImplementedError  # pragma: no cover - interface
