"""Counterfactual guards: protected fields varied, scores must not move (regression checks).

Name, age, gender, nationality, origin and diploma live in ``Portfolio.personal``; the feature
builder has no column for any of them, so these checks hold by construction: they guard
against a regression, they are not evidence of fairness (see the proxy figures for that).
"""
from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from indexer.domain import Portfolio

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
