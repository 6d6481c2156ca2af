"""Ranking metrics used by the benchmark commands.

All functions take, per query, the ranked list of returned ids and the set of relevant ids.

>>> mrr([["a", "b"], ["x", "y", "z"]], [{"b"}, {"z"}])
0.41666666666666663
>>> r_precision_at_k([["a", "b", "c"]], [{"a", "c", "d", "e", "f", "g"}], 2)
0.5
"""
from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank(ranked: Sequence[str], relevant: set[str]) -> float:
    for i, item in enumerate(ranked, 1):
        if item in relevant:
            return 1.0 / i
    return 0.0


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float:
    """AP over the returned list; relevant items not returned count as misses."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, item in enumerate(ranked, 1):
        if item in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant)


def success_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(item in relevant for item in ranked[:k]) else 0.0


def rp_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """R-precision at k: hits in the top k / min(k, number of relevant items)."""
    if not relevant:
        return 0.0
    return sum(1 for item in ranked[:k] if item in relevant) / min(k, len(relevant))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def mrr(rankings: Sequence[Sequence[str]], relevants: Sequence[set[str]]) -> float:
    return _mean([reciprocal_rank(r, g) for r, g in zip(rankings, relevants)])


def mean_average_precision(rankings: Sequence[Sequence[str]], relevants: Sequence[set[str]]) -> float:
    return _mean([average_precision(r, g) for r, g in zip(rankings, relevants)])


def success(rankings: Sequence[Sequence[str]], relevants: Sequence[set[str]], k: int) -> float:
    return _mean([success_at_k(r, g, k) for r, g in zip(rankings, relevants)])


def r_precision_at_k(rankings: Sequence[Sequence[str]], relevants: Sequence[set[str]], k: int) -> float:
    return _mean([rp_at_k(r, g, k) for r, g in zip(rankings, relevants)])
