"""The factor interface: a factor is one module that declares, encodes, computes and explains.

A factor

* declares its **options** (:class:`Option`: name, default, type, Dutch description, bounds);
  :class:`~matcher.matching.factors.MatchOptions` and the API's ``MatchOptionsIn`` are assembled
  from these declarations, so a new knob is written once;
* declares the **preferences** it reads from ``Portfolio.preferences`` (:class:`Preference`:
  key, allowed values); the import and the API validate against them;
* **encodes** its inputs from the vacancy and portfolio records into columns (numpy arrays, one
  row per record) when the index is built and for each query (``encode_vacancies`` /
  ``encode_portfolios``);
* turns those columns into **pair features** for many pairs at once (``features``);
* **computes** its value and effect for all pairs (``compute``) and **explains** one pair in Dutch
  (``explain``).

A factor is additive (its weighted value adds to the base score) or a multiplier (it scales the
base score; a hard constraint instead removes pairs through ``keep``). The scorer
(:mod:`matcher.matching.scoring`) combines them as::

    score = (sum of additive effects) x (product of multiplier effects)

Competence coverage is the one input the engine computes itself (sparse matrix products over
competence ids, shared with the gap openings), and the exposure counts come from the engine's
tracker: both arrive as the features in :data:`ENGINE_FEATURES`. Adding a factor means adding one
module to this package (discovered automatically, ordered by ``order``); bump its ``version``
when its encoding changes, so that stored index snapshots are rebuilt.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from indexer.storage.vacancy_index import CompetenceVectors

if TYPE_CHECKING:
    from indexer.domain import Portfolio, Vacancy
    from matcher.matching.near import MatchTaxonomy
    from matcher.matching.occupations import OccupationSpace

#: Pair features the engine provides to every factor (coverage by sparse products, exposure counts).
ENGINE_FEATURES: tuple[str, ...] = ("coverage", "essential_coverage", "n_essential", "exposure")


@dataclass(frozen=True)
class Option:
    """One scoring knob, declared by the factor that reads it."""

    name: str
    default: Any
    type: Any
    description: str            # Dutch: shown in the API schema
    ge: float | None = None
    le: float | None = None
    api: bool = False           # accepted by the API's ``MatchOptionsIn`` (the others are fixed there)

    def fresh_default(self) -> Any:
        return copy.deepcopy(self.default)

    def check(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if (self.ge is not None and value < self.ge) or (self.le is not None and value > self.le):
                raise ValueError(f"Optie '{self.name}' moet tussen {self.ge} en {self.le} liggen (gekregen: {value}).")


@dataclass(frozen=True)
class Preference:
    """A key of ``Portfolio.preferences`` a factor reads; absent means no preference (neutral)."""

    key: str
    values: tuple[str, ...]
    description: str            # Dutch: shown in the import schema


class EncodeContext:
    """What factors may use to encode records: the taxonomy, the occupation space, the competence
    vectors (the ones the durable vacancy index uses too) and the language columns (shared by both
    sides, they grow as languages are met)."""

    BASE_LANGUAGES: ClassVar[tuple[str, ...]] = ("nl", "fr", "en", "de")

    def __init__(self, tax: MatchTaxonomy, occ: OccupationSpace, languages: list[str] | None = None,
                 vectors: CompetenceVectors | None = None):
        self.tax, self.occ = tax, occ
        self.vectors = vectors if vectors is not None else CompetenceVectors.hashed()
        self.languages: list[str] = list(languages if languages is not None else self.BASE_LANGUAGES)

    def lang(self, code: str) -> int:
        code = code.lower()
        if code not in self.languages:
            self.languages.append(code)
        return self.languages.index(code)


@dataclass
class Pairs:
    """One query's pairs as a factor sees them: its own columns of both sides and the rows taken.

    One side contributes one row and the other ``n`` rows (numpy broadcasting).
    """

    n: int
    vacancy: dict[str, Any]
    vrows: np.ndarray | slice
    portfolio: dict[str, Any]
    prows: np.ndarray | slice
    single_portfolio: bool      # one person against many vacancies
    ctx: EncodeContext

    def v(self, name: str):
        return self.vacancy[name][self.vrows]

    def p(self, name: str):
        return self.portfolio[name][self.prows]

    def full(self, a, dtype=None) -> np.ndarray:
        """``a`` broadcast to one value per pair (a fresh array)."""
        return np.broadcast_to(np.asarray(a, dtype=dtype), (self.n,)).copy()


class PairFeatures:
    """Everything the factors read, one entry per (portfolio, vacancy) pair, by name.

    Built by :mod:`matcher.matching.engine` from :data:`ENGINE_FEATURES` and each factor's
    ``features``; only structured fields are encoded: nothing personal (name, age, gender,
    nationality, diploma) has a column here. ``f.coverage`` reads a feature.
    """

    def __init__(self, n: int, columns: dict[str, np.ndarray]):
        self.n = n
        self.columns = columns

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class FactorOutput:
    value: np.ndarray
    effect: np.ndarray
    keep: np.ndarray | None = None
    weight: float | None = None
    extra: dict = field(default_factory=dict)   # arrays a factor keeps for its explanations


@dataclass
class PairDetail:
    """The pair's records, for explanations that quote them (never used to compute values)."""

    portfolio: Portfolio
    vacancy: Vacancy
    ctx: EncodeContext
    extra: dict = field(default_factory=dict)   # the engine's competence explanation ("competences")


class Factor:
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    kind: ClassVar[str] = "additive"  # "additive" | "multiplier"
    order: ClassVar[int] = 100
    version: ClassVar[str] = "1"      # part of the index snapshot key: bump when the encoding changes
    options: ClassVar[tuple[Option, ...]] = ()
    preferences: ClassVar[tuple[Preference, ...]] = ()
    #: methods this factor adds to ``MatchOptions`` (e.g. ``with_constraints``), or None
    options_mixin: ClassVar[type | None] = None

    def encode_vacancies(self, items: list[Vacancy], ctx: EncodeContext) -> dict[str, Any]:
        return {}

    def encode_portfolios(self, items: list[Portfolio], ctx: EncodeContext) -> dict[str, Any]:
        return {}

    def features(self, pairs: Pairs) -> dict[str, np.ndarray]:
        return {}

    def compute(self, f: PairFeatures, opts) -> FactorOutput:  # pragma: no cover - interface
        raise NotImplementedError

    def needs_every_row(self, opts) -> bool:
        """Whether :meth:`compute` needs the pairs of every stored item under these options: it
        removes pairs (a hard filter, ``FactorOutput.keep``) or scales by a figure over all of them.
        Otherwise the engine may compute a match on the rows retrieval can keep only."""
        return False

    def explain(self, f: PairFeatures, i: int, out: FactorOutput, opts, pair: PairDetail) -> dict:
        raise NotImplementedError  # pragma: no cover - interface


class SwitchedMultiplier(Factor):
    """A multiplier with an on/off option and a strength option (knelpuntberoep, telework,
    exposure): the subclass declares the two as ``switch`` and ``strength`` (they become its
    ``options``), and :meth:`scaled` applies the strength only while the switch is on."""

    kind: ClassVar[str] = "multiplier"
    switch: ClassVar[Option]
    strength: ClassVar[Option]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "switch" in vars(cls) or "strength" in vars(cls):
            cls.options = (cls.switch, cls.strength)

    def scaled(self, value: np.ndarray, opts, sign: float = 1.0) -> FactorOutput:
        """``effect = 1 + sign x strength x value``, with the strength 0 while switched off (the
        weight reported is the strength in force)."""
        w = getattr(opts, self.strength.name) if getattr(opts, self.switch.name) else 0.0
        return FactorOutput(value, 1.0 + sign * w * value, weight=w)
