"""Synthetic vacancies and portfolios at scale: competence bags sampled from occupation profiles.

For the scale benchmark (:mod:`eval.bench_scale`) and the durable-index tests, which need up to
10⁶ records quickly and reproducibly; the full generator (:mod:`eval.synthetic`) writes texts
too and is too slow for that.
"""
from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from indexer.domain import Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence


class CompetenceBags:
    """Fast synthetic vacancies and portfolios as competence bags sampled from occupation profiles.

    ``profiles``: occupation -> [(competence_id, importance, weight)]. Vacancy ``i`` depends only
    on ``(seed, i)``, so an import can be restarted anywhere and produce the same records.
    """

    def __init__(self, profiles: dict[str, list[tuple[str, str, float]]], seed: int = 42):
        self.seed = seed
        self.codes = sorted(c for c, items in profiles.items() if sum(1 for _, imp, _ in items if imp == "essential") >= 3)
        if not self.codes:
            raise ValueError("geen beroepsprofielen met minstens 3 essentiële competenties")
        self.ess = {c: [(cid, w) for cid, imp, w in profiles[c] if imp == "essential"] for c in self.codes}
        self.opt = {c: [(cid, w) for cid, imp, w in profiles[c] if imp != "essential"] for c in self.codes}

    @classmethod
    def from_store(cls, store_path: Path, seed: int = 42) -> "CompetenceBags":
        con = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
        try:
            profiles: dict[str, list] = {}
            for code, cid, imp, w in con.execute(
                    "SELECT occupation_code, competence_id, importance, weight FROM profile_items ORDER BY 1, 2"):
                profiles.setdefault(code, []).append((cid, imp, w))
        finally:
            con.close()
        return cls(profiles, seed)

    @classmethod
    def synthetic(cls, n_occupations: int = 120, vocabulary: int = 3000, seed: int = 42) -> "CompetenceBags":
        """Profiles over made-up competence ids (tests: no taxonomy needed)."""
        rng = random.Random(seed)
        profiles = {}
        for o in range(n_occupations):
            comps = rng.sample(range(vocabulary), rng.randint(12, 30))
            profiles[f"OP-SYN-{o}"] = [(f"SK-SYN-{c}", "essential" if j < 8 else "optional", round(rng.uniform(0.3, 1), 2))
                                       for j, c in enumerate(comps)]
        return cls(profiles, seed)

    @staticmethod
    def _sample(rng: random.Random, items: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
        if k >= len(items):
            return list(items)
        keyed = sorted(items, key=lambda x: rng.random() ** (1.0 / max(x[1], 0.05)), reverse=True)
        return keyed[:k]

    def vacancy_bag(self, i: int) -> tuple[str, list[tuple[str, str, float]]]:
        rng = random.Random(self.seed * 1_000_003 + i)
        code = self.codes[rng.randrange(len(self.codes))]
        ess = self._sample(rng, self.ess[code], rng.randint(4, 9))
        opt = self._sample(rng, self.opt[code], rng.randint(2, 6)) if self.opt[code] else []
        return code, [(c, "essential", w) for c, w in ess] + [(c, "optional", w) for c, w in opt]

    def vacancy(self, i: int, prefix: str = "SYN-V-") -> Vacancy:
        code, bag = self.vacancy_bag(i)
        return Vacancy(id=f"{prefix}{i:07d}", title=f"Synthetische vacature {i} ({code})", occupation_codes=[code],
                       competences=[VacancyCompetence(c, imp, weight=w) for c, imp, w in bag], synthetic=True,
                       extra={"generator": f"CompetenceBags seed={self.seed}"})

    def vacancies(self, start: int, stop: int, prefix: str = "SYN-V-") -> list[Vacancy]:
        return [self.vacancy(i, prefix) for i in range(start, stop)]

    def portfolio_bag(self, i: int) -> list[str]:
        rng = random.Random(self.seed * 7_000_001 + i + 1)
        code = self.codes[rng.randrange(len(self.codes))]
        ess = self.ess[code]
        bag = [c for c, _ in self._sample(rng, ess, max(2, round(rng.uniform(0.4, 0.9) * len(ess))))]
        if self.opt[code]:
            bag += [c for c, _ in self._sample(rng, self.opt[code], rng.randint(1, 5))]
        for _ in range(rng.randint(0, 3)):
            other = self.codes[rng.randrange(len(self.codes))]
            bag += [c for c, _ in self._sample(rng, self.ess[other], 1)]
        return list(dict.fromkeys(bag))

    def portfolio(self, i: int) -> Portfolio:
        return Portfolio(id=f"SYN-P-{i:07d}", competences=[PortfolioCompetence(c) for c in self.portfolio_bag(i)],
                         synthetic=True)


def batched(start: int, stop: int, size: int, make) -> Iterator[list]:
    """``make(s, e)`` for consecutive ranges ``[s, e)`` of at most ``size`` from ``[start, stop)``."""
    for s in range(start, stop, size):
        yield make(s, min(stop, s + size))
