"""Exposure spreading (optional, off by default): :class:`ExposureTracker` counts how often each
vacancy (or candidate) appeared in a returned top-k; with ``MatchOptions.spread_exposure`` the
:mod:`matcher.matching.factors.exposure` factor lowers the score of often-shown items by at most
``exposure_strength`` (15 %), so the same few vacancies do not take every top slot while a
clearly better match still wins. Counts live in memory, or in the repository (``exposure``
table) when a repository is given, so they persist across CLI calls and API workers.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

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

    def forget(self, ids: Sequence[str]) -> None:
        """Drop the in-memory counts of erased items (the repository rows are erased by the store)."""
        with self._lock:
            for counts in self._counts.values():
                for i in ids:
                    counts.pop(i, None)

    def counts_for(self, kind: str, ids: Sequence[str]) -> np.ndarray:
        with self._lock:
            counts = self._ensure(kind)
            if not counts:
                return np.zeros(len(ids))
            return np.array([counts.get(i, 0) for i in ids], dtype=float)
