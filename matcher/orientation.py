"""Orientation for counsellors: which occupations fit a portfolio, and what is missing.

Each Competent occupation profile (derived from the crosswalks, see :mod:`indexer.taxonomy.profiles`) is
compared with the person's competences (own ones credit 1, near ones their near credit, as in
matching)::

    score = 0.6 x core coverage x thinness + 0.4 x portfolio share

* *core coverage*: the salience of the occupation's **core** competences (the ~10-15 that
  define it, see :mod:`indexer.taxonomy.profiles`) the person has (times their credit), over
  the core's total salience. A store without a core falls back to the essential items weighted
  by vote share, capped at ``ESSENTIAL_CAP``;
* *thinness*: ``min(1, core size / FULL_CORE)`` — an occupation whose profile has 2 core items
  is not "fully reachable" with 2 competences (thin profiles used to top the broader list);
* *portfolio share*: how much of what the person can do is used in this occupation (credits of
  the profile's competences, essential or optional, over the number of the person's competences).

A core competence counts as *present* at credit >= 0.5. Results carry the missing
core competences (most important first, each with how many more stored vacancies learning
it would open), the knelpuntberoep status, and how many stored vacancies exist for the
occupation (all, and within the person's travel range).

*Broader orientation* (``broader=True``) lists only occupations in **other sectors** — sector =
ISCO-08 sub-major group (2 digits) of the ESCO occupations the Competent occupation maps to —
than the person's preferred occupations (or, without preferences, than their three best
matches), that are reachable with at most ``max_missing`` missing core competences, ranked by the same
score (so by the reachable core, not by how few items a profile lists).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from indexer.domain import Portfolio
from matcher.matching.factors import MatchOptions
from matcher.geo import complete, haversine_km
from matcher.matching.engine import MatchEngine
from matcher.matching.near import sparse_rows
from matcher.matching.scoring import Gap, expand

ESSENTIAL_SHARE = 0.6
PORTFOLIO_SHARE = 0.4
ESSENTIAL_CAP = 10.0
PRESENT_AT = 0.5
#: A core this large (or larger) counts fully; a thinner one scales the core coverage down.
FULL_CORE = 8


@dataclass
class OccupationMatch:
    rank: int
    code: str
    label: str
    score: float
    essential_total: int
    essential_present: int
    missing_essential: int
    optional_present: int
    shortage: dict | None
    sector: str
    sector_label: str
    other_sector: bool
    preferred: bool
    matched: list[dict] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    open_vacancies: int = 0
    open_vacancies_in_range: int | None = None


@dataclass
class OrientationResult:
    portfolio: str
    mode: str                    # "ranked" | "broader"
    max_missing: int | None
    own_sectors: list[dict]
    results: list[OccupationMatch]
    ms: float


class Orientation:
    def __init__(self, engine: MatchEngine):
        self.engine = engine
        self.tax = engine.tax
        self._built = False

    def _build(self) -> None:
        if self._built:
            return
        e = self.engine
        e.ensure_built()
        occ = e.occ
        vocab = e.vocab
        ess_rows, opt_rows = [], []
        self.has_core = any(it.core for items in self.tax.profiles.values() for it in items)
        for code in occ.codes:
            er, orow = {}, {}
            for item in self.tax.profiles[code]:
                j = vocab.add(item.competence_id)
                if self._key(item):
                    er[j] = max(item.salience if self.has_core else item.weight, 0.05)
                else:
                    orow[j] = 1.0
            ess_rows.append(er)
            opt_rows.append(orow)
        n = len(vocab)
        self.ess_w = sparse_rows(ess_rows, n)
        self.ess_bin = self.ess_w.copy()
        self.ess_bin.data[:] = 1.0
        self.opt_bin = sparse_rows(opt_rows, n)
        self.any_bin = ((self.ess_bin + self.opt_bin) > 0).astype(float).tocsr()
        self.ess_total_w = np.asarray(self.ess_w.sum(axis=1)).ravel()
        self.ess_count = np.asarray(self.ess_bin.sum(axis=1)).ravel()
        # vacancies per occupation, with coordinates, for "how many vacancies"
        self.vac_occ = e.vac.column("affinity", "occ")
        self._built = True

    def _key(self, item) -> bool:
        """Whether a profile item is one the occupation is judged by: its core (or, without a core, its essentials)."""
        return item.core if self.has_core else item.importance == "essential"

    def orient(self, portfolio: Portfolio, *, top: int = 15, broader: bool = False, max_missing: int = 3,
               gap_limit: int = 8) -> OrientationResult:
        t0 = time.perf_counter()
        self._build()
        e = self.engine
        credits = expand(portfolio, e.near)
        x = np.zeros(self.ess_w.shape[1])
        for cid, cr in credits.items():
            j = e.vocab.index.get(cid)
            if j is not None and j < len(x):
                x[j] = cr.credit
        present = (x >= PRESENT_AT).astype(float)
        denom = self.ess_total_w if self.has_core else np.minimum(self.ess_total_w, ESSENTIAL_CAP)
        ess_cov = np.minimum(1.0, np.divide(self.ess_w @ x, denom, out=np.zeros(len(denom)), where=denom > 0))
        ess_cov = ess_cov * np.minimum(1.0, self.ess_count / FULL_CORE)
        ess_present = self.ess_bin @ present
        opt_present = self.opt_bin @ present
        n_own = max(1, len({c.competence_id for c in portfolio.competences}))
        share = np.minimum(1.0, (self.any_bin @ np.minimum(x, 1.0)) / n_own)
        score = ESSENTIAL_SHARE * ess_cov + PORTFOLIO_SHARE * share
        missing = self.ess_count - ess_present
        codes = e.occ.codes
        prefs = [e.occ.idx(c) for c in portfolio.preferred_occupations]
        prefs = [k for k in prefs if k >= 0]
        base = prefs or [int(i) for i in np.argsort(-score, kind="stable")[:3]]
        own_sectors = sorted({self.tax.sectors.get(codes[k], "") for k in base} - {""})
        sector_of = np.array([self.tax.sectors.get(c, "") for c in codes])
        other = ~np.isin(sector_of, own_sectors) & (sector_of != "")
        mask = (self.ess_count > 0) & (score > 0)
        if broader:
            mask &= other & (missing <= max_missing)
        idx = np.flatnonzero(mask)
        order = idx[np.lexsort((np.array(codes)[idx], -np.round(score[idx], 12)))][:top]
        # vacancy counts, and gap openings over all stored vacancies
        loc = complete(portfolio.location)
        in_range = None
        if e.vac.n and loc.lat is not None and portfolio.max_distance_km is not None:
            d = haversine_km(loc.lat, loc.lon, e.vac.column("constraints", "lat"), e.vac.column("constraints", "lon"))
            in_range = (np.nan_to_num(d, nan=np.inf) <= portfolio.max_distance_km) | e.vac.column("constraints", "remote")
        cov_all = keep_all = credit_vec = None
        if e.vac.n:
            credit_vec, cov_all = e.vacancy_coverage(credits)
            keep_all = np.ones(e.vac.n, dtype=bool)
        cache: dict = {}
        results = []
        for rank, k in enumerate(order, 1):
            code = codes[k]
            items = self.tax.profiles[code]
            matched, gaps = [], []
            for it in items:
                cr = credits.get(it.competence_id)
                if cr is not None and cr.credit >= PRESENT_AT:
                    matched.append({"competence_id": it.competence_id, "label": self.tax.label(it.competence_id),
                                    "importance": it.importance, "credit": round(cr.credit, 4),
                                    "match": "exact" if cr.how == "exact" else "near", "via": cr.via})
                elif self._key(it):
                    gaps.append(Gap(it.competence_id, self.tax.label(it.competence_id), "essential",
                                    float(it.salience if self.has_core else it.weight)))
            if cov_all is not None:
                e.gap_openings(gaps, cov_all, keep_all, credit_vec, MatchOptions().open_threshold, cache)
            gaps.sort(key=lambda g: (-g.weight, -(g.opens_vacancies or 0), g.label))
            gaps = gaps[:gap_limit]
            n_vac = int(np.count_nonzero(self.vac_occ == k)) if e.vac.n else 0
            n_range = int(np.count_nonzero((self.vac_occ == k) & in_range)) if in_range is not None else None
            sec = self.tax.sectors.get(code, "")
            results.append(OccupationMatch(
                rank, code, self.tax.occupation_label(code), round(float(score[k]), 4), int(self.ess_count[k]),
                int(ess_present[k]), int(missing[k]), int(opt_present[k]), self.tax.shortage_of(code), sec,
                self.tax.sector_labels.get(sec, ""), bool(other[k]), k in prefs,
                sorted(matched, key=lambda m: (m["importance"] != "essential", -m["credit"], m["label"]))[:15],
                gaps, n_vac, n_range))
        own = [{"sector": s, "label": self.tax.sector_labels.get(s, "")} for s in own_sectors]
        return OrientationResult(portfolio.id, "broader" if broader else "ranked", max_missing if broader else None,
                                 own, results, round((time.perf_counter() - t0) * 1000, 2))


