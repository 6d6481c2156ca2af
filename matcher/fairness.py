"""Fairness by construction: exposure spreading and counterfactual checks.

*Protected data is never scored.* Name, age, gender, nationality, origin and diploma live in
``Portfolio.personal``; the feature builder (:func:`matcher.matching.features`) has no column
for any of them. :func:`counterfactual_variants` and :func:`assert_invariant` let tests (and
audits on real data) prove it: every variant must get exactly the same scores.

*Exposure spreading* (optional, off by default): :class:`ExposureTracker` counts how often each
vacancy (or candidate) appeared in a returned top-k; with ``MatchOptions.spread_exposure`` the
:mod:`matcher.factors.exposure` factor lowers the score of often-shown items by at most
``exposure_strength`` (15 %), so the same few vacancies do not take every top slot while a
clearly better match still wins. Counts live in memory, or in the repository (``exposure``
table) when a repository is given, so they persist across CLI calls and API workers.
"""
from __future__ import annotations

import copy
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .domain import Portfolio

#: Values used to vary each protected field in counterfactual tests.
COUNTERFACTUAL_VALUES: dict[str, list[object]] = {
    "name": ["Jan Peeters", "Fatima El Amrani", "Oleksandr Kovalenko", "Marie Dubois", ""],
    "age": [19, 34, 52, 63, None],
    "gender": ["man", "vrouw", "x", None],
    "nationality": ["Belg", "Marokkaan", "Syriër", "Pool", "Congolees", None],
    "origin": ["Belgisch", "Turks", "Congolees", None],
    "diploma": ["geen", "lager secundair", "secundair", "bachelor", "master", None],
    "disability": [True, False, None],
}


class ExposureTracker:
    """Counts top-k appearances per kind ("vacancy" | "portfolio"); optionally persisted."""

    def __init__(self, repo=None):
        self.repo = repo
        self._counts: dict[str, dict[str, int]] = defaultdict(dict)
        self._lock = threading.Lock()
        self._loaded: set[str] = set()

    def _ensure(self, kind: str) -> dict[str, int]:
        if self.repo is not None and kind not in self._loaded:
            self._counts[kind] = dict(self.repo.exposure_counts(kind))
            self._loaded.add(kind)
        return self._counts[kind]

    def record(self, kind: str, ids: Sequence[str]) -> None:
        with self._lock:
            counts = self._ensure(kind)
            for i in ids:
                counts[i] = counts.get(i, 0) + 1
            if self.repo is not None:
                self.repo.record_exposure(kind, list(ids))

    def counts_for(self, kind: str, ids: Sequence[str]) -> np.ndarray:
        with self._lock:
            counts = self._ensure(kind)
            if not counts:
                return np.zeros(len(ids))
            return np.array([counts.get(i, 0) for i in ids], dtype=float)

    def reset(self, kind: str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._counts.clear()
            else:
                self._counts.pop(kind, None)
            if self.repo is not None:
                self.repo.reset_exposure(kind)


def counterfactual_variants(portfolio: Portfolio, fields: Iterable[str] | None = None) -> list[Portfolio]:
    """Copies of ``portfolio`` with each protected field set to each value of
    :data:`COUNTERFACTUAL_VALUES` (and removed), everything else identical."""
    out = []
    for fld in fields or COUNTERFACTUAL_VALUES:
        for value in COUNTERFACTUAL_VALUES[fld]:
            p = copy.deepcopy(portfolio)
            if value is None:
                p.personal.pop(fld, None)
            else:
                p.personal[fld] = value
            out.append(p)
    p = copy.deepcopy(portfolio)
    p.personal = {}
    out.append(p)
    return out


def assert_invariant(score_fn: Callable[[Portfolio], dict[str, float]], portfolio: Portfolio,
                     fields: Iterable[str] | None = None) -> int:
    """Raise ``AssertionError`` unless every counterfactual variant scores exactly like the original.

    ``score_fn`` maps a portfolio to ``{item id: score}`` (e.g. ``engine.score_all_vacancies``).
    Returns the number of variants checked.
    """
    base = score_fn(portfolio)
    variants = counterfactual_variants(portfolio, fields)
    for v in variants:
        got = score_fn(v)
        assert got.keys() == base.keys(), "different items scored"
        for k, s in base.items():
            g = got[k]
            same = (math.isnan(s) and math.isnan(g)) or s == g
            assert same, f"score for {k} changed with personal={v.personal}: {s} != {g}"
    return len(variants)


def exposure_concentration(top_lists: Sequence[Sequence[str]], k: int | None = None) -> dict[str, float]:
    """How concentrated exposure is over many top-k lists: share of all slots held by the 10
    most shown items, number of distinct items, Gini coefficient of appearance counts."""
    counts: dict[str, int] = defaultdict(int)
    slots = 0
    for lst in top_lists:
        for i in list(lst)[:k] if k else lst:
            counts[i] += 1
            slots += 1
    if not slots:
        return {"distinct": 0, "top10_share": 0.0, "gini": 0.0}
    vals = np.sort(np.array(list(counts.values()), dtype=float))
    n = len(vals)
    gini = float((2 * np.arange(1, n + 1) - n - 1).dot(vals) / (n * vals.sum())) if n > 1 else 0.0
    return {"distinct": n, "top10_share": round(float(vals[-10:].sum() / slots), 4), "gini": round(gini, 4)}
