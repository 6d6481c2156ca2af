"""Matching in both directions: a person -> vacancies, a vacancy -> candidates. Same scoring.

Retrieval -> rerank -> factors, with the heavy work done when the index is built:

* every stored vacancy becomes a row of a sparse matrix over competence ids (weight 1.0 for
  essential, 0.35 for optional) plus small arrays for location, regime, contract, licence,
  languages, occupation and knelpuntberoep;
* every stored portfolio becomes a row of *credits* (own competences 1, near competences their
  near credit, see :mod:`matcher.matching.near`) plus the same kind of arrays.

A query is then one sparse matrix-vector product (coverage of every vacancy at once), a few
numpy operations for the other factors, a partial sort, and explanations for the top ``k``
only. The index reloads itself when the repository's ``generation`` changes.

Personal fields (``Portfolio.personal``: name, age, gender, nationality, diploma, ...) are not
read anywhere in this module.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from indexer.domain import (CONTRACT_TYPES, LICENCES, REGIMES, class_weight, Location, Portfolio, Vacancy, cefr_rank, licences_held)
from matcher.matching.factors import MatchOptions, PairDetail, PairFeatures
from matcher.matching.exposure import ExposureTracker
from matcher.geo import complete, haversine_km
from matcher.matching.near import MatchTaxonomy, NearTable, Vocab, sparse_rows
from matcher.matching.scoring import (Gap, MatchResult, MatchResultSet, Scored, breakdown, explain_competences, expand,
                      score_pairs)

log = logging.getLogger(__name__)

BASE_LANGUAGES: tuple[str, ...] = ("nl", "fr", "en", "de")
NEUTRAL_AFFINITY = 0.5
RETRIEVE_AFFINITY = 0.5


def _regime_mask(regimes: list[str]) -> int:
    m = 0
    for r in regimes:
        if r in REGIMES:
            m |= 1 << REGIMES.index(r)
    return m


def _contract_mask(types: list[str]) -> int:
    m = 0
    for t in types:
        if t in CONTRACT_TYPES:
            m |= 1 << CONTRACT_TYPES.index(t)
    return m


def _coords(loc: Location) -> tuple[float, float]:
    loc = complete(loc)
    return (np.nan, np.nan) if loc.lat is None else (loc.lat, loc.lon)


def pseudonym(portfolio_id: str) -> str:
    """A stable pseudonym for the employer's view (salted with ``CMATCH_PSEUDONYM_SALT``)."""
    salt = os.environ.get("CMATCH_PSEUDONYM_SALT", "competentiematch")
    return "K-" + hashlib.sha256(f"{salt}:{portfolio_id}".encode()).hexdigest()[:10]


# ====================================================================== occupations
class OccupationSpace:
    """Competent occupations and the cosine similarity of their profiles (affinity)."""

    def __init__(self, tax: MatchTaxonomy, vocab: Vocab):
        self.codes = sorted(tax.profiles)
        self.index = {c: i for i, c in enumerate(self.codes)}
        rows = []
        for code in self.codes:
            row: dict[int, float] = {}
            for e in tax.profiles[code]:
                row[vocab.add(e.competence_id)] = class_weight(e.importance) * max(e.weight, 0.05)
            rows.append(row)
        self.tax = tax
        self.profile_matrix = sparse_rows(rows, len(vocab))  # (n_occ, n_comp) at build time
        if len(self.codes):
            m = self.profile_matrix
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            mn = sp.diags(1.0 / norms) @ m
            sim = (mn @ mn.T).toarray()
            np.fill_diagonal(sim, 1.0)
            self.sim = np.clip(sim, 0.0, 1.0)
        else:
            self.sim = np.zeros((0, 0))

    def __getstate__(self):
        state = dict(self.__dict__)
        state["tax"] = None  # re-attached by the engine after loading a snapshot
        return state

    def idx(self, code: str) -> int:
        return self.index.get(self.tax.competent_occupation(code), -1)

    def first_idx(self, codes: list[str]) -> int:
        for c in codes:
            i = self.idx(c)
            if i >= 0:
                return i
        return -1


# ====================================================================== sides
@dataclass
class VacancySide:
    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    remote: np.ndarray
    regime: np.ndarray          # bitmask of regimes the job has
    contract: np.ndarray        # index in CONTRACT_TYPES, -1 unknown
    licence: np.ndarray         # index in LICENCES, -1 none
    lang_req: np.ndarray        # (n, L) CEFR rank asked
    occ: np.ndarray             # Competent occupation index, -1 unknown
    shortage: np.ndarray        # bool
    weights: sp.csr_matrix      # (n, n_comp) class weights
    essential: sp.csr_matrix    # (n, n_comp) 1 for essential
    total: np.ndarray
    ess_total: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass
class PortfolioSide:
    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    max_km: np.ndarray          # NaN = no limit
    regime_ok: np.ndarray       # accepted regimes bitmask, 0 = any
    contract_ok: np.ndarray     # accepted contracts bitmask, 0 = any
    licences: np.ndarray        # (n, len(LICENCES)) bool
    lang_rank: np.ndarray       # (n, L)
    prefs: sp.csr_matrix        # (n, n_occ) 1 for a preferred occupation
    has_pref: np.ndarray        # bool
    credits: sp.csr_matrix      # (n, n_comp) competence credits

    @property
    def n(self) -> int:
        return len(self.ids)


class Encoders:
    """Shared encodings of both sides (languages grow as met)."""

    def __init__(self, tax: MatchTaxonomy, vocab: Vocab, near: NearTable, occ: OccupationSpace):
        self.tax, self.vocab, self.near, self.occ = tax, vocab, near, occ
        self.languages: list[str] = list(BASE_LANGUAGES)

    def lang(self, code: str) -> int:
        code = code.lower()
        if code not in self.languages:
            self.languages.append(code)
        return self.languages.index(code)

    # ------------------------------------------------------------ vacancies
    def vacancies(self, items: list[Vacancy]) -> VacancySide:
        n = len(items)
        for v in items:
            for lang in v.languages:
                self.lang(lang.code)
        L = len(self.languages)
        lat, lon = np.full(n, np.nan), np.full(n, np.nan)
        remote = np.zeros(n, dtype=bool)
        regime = np.zeros(n, dtype=np.int64)
        contract = np.full(n, -1, dtype=np.int64)
        licence = np.full(n, -1, dtype=np.int64)
        lang_req = np.zeros((n, L), dtype=np.int8)
        occ = np.full(n, -1, dtype=np.int64)
        shortage = np.zeros(n, dtype=bool)
        w_rows, e_rows = [], []
        for i, v in enumerate(items):
            lat[i], lon[i] = _coords(v.location)
            remote[i] = bool(v.remote)
            regime[i] = _regime_mask(v.regimes)
            if v.contract_type in CONTRACT_TYPES:
                contract[i] = CONTRACT_TYPES.index(v.contract_type)
            if v.driving_licence and v.driving_licence.upper() in LICENCES:
                licence[i] = LICENCES.index(v.driving_licence.upper())
            for lang in v.languages:
                j = self.lang(lang.code)
                lang_req[i, j] = max(lang_req[i, j], cefr_rank(lang.level))
            occ[i] = self.occ.first_idx(v.occupation_codes)
            shortage[i] = any(self.tax.shortage_of(c) for c in v.occupation_codes)
            wr, er = {}, {}
            for c in v.competences:
                j = self.vocab.add(c.competence_id)
                wr[j] = max(wr.get(j, 0.0), class_weight(c.importance))
                if c.importance == "essential":
                    er[j] = 1.0
            w_rows.append(wr)
            e_rows.append(er)
        nc = len(self.vocab)
        weights = sparse_rows(w_rows, nc)
        essential = sparse_rows(e_rows, nc)
        return VacancySide([v.id for v in items], lat, lon, remote, regime, contract, licence, lang_req, occ,
                           shortage, weights, essential, np.asarray(weights.sum(axis=1)).ravel(),
                           np.asarray(essential.sum(axis=1)).ravel())

    # ------------------------------------------------------------ portfolios
    def portfolios(self, items: list[Portfolio]) -> PortfolioSide:
        n = len(items)
        for p in items:
            for lang in p.languages:
                self.lang(lang.code)
        L = len(self.languages)
        lat, lon = np.full(n, np.nan), np.full(n, np.nan)
        max_km = np.full(n, np.nan)
        regime_ok = np.zeros(n, dtype=np.int64)
        contract_ok = np.zeros(n, dtype=np.int64)
        lic = np.zeros((n, len(LICENCES)), dtype=bool)
        lang_rank = np.zeros((n, L), dtype=np.int8)
        pref_rows, credit_rows = [], []
        has_pref = np.zeros(n, dtype=bool)
        for i, p in enumerate(items):
            lat[i], lon[i] = _coords(p.location)
            if p.max_distance_km is not None:
                max_km[i] = float(p.max_distance_km)
            regime_ok[i] = _regime_mask(p.regimes)
            contract_ok[i] = _contract_mask(p.contract_types)
            held = licences_held(p.driving_licences)
            for k, code in enumerate(LICENCES):
                lic[i, k] = code in held
            for lang in p.languages:
                j = self.lang(lang.code)
                lang_rank[i, j] = max(lang_rank[i, j], cefr_rank(lang.level))
            prow = {}
            for code in p.preferred_occupations:
                k = self.occ.idx(code)
                if k >= 0:
                    prow[k] = 1.0
            has_pref[i] = bool(prow)
            pref_rows.append(prow)
            credit_rows.append({self.vocab.add(cid): cr.credit for cid, cr in expand(p, self.near).items()})
        nc = len(self.vocab)
        return PortfolioSide([p.id for p in items], lat, lon, max_km, regime_ok, contract_ok, lic, lang_rank,
                             sparse_rows(pref_rows, len(self.occ.codes)), has_pref, sparse_rows(credit_rows, nc))


def _pad_cols(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    if m.shape[1] == n_cols:
        return m
    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))


def _pad_lang(a: np.ndarray, L: int) -> np.ndarray:
    if a.shape[1] >= L:
        return a
    return np.hstack([a, np.zeros((a.shape[0], L - a.shape[1]), dtype=a.dtype)])


# ====================================================================== features
def features(v: VacancySide, vrows: np.ndarray | slice, p: PortfolioSide, prows: np.ndarray | slice,
             occ: OccupationSpace, coverage: np.ndarray, ess_cov: np.ndarray, exposure: np.ndarray) -> PairFeatures:
    """Pair features; one side has one row, the other ``n`` (numpy broadcasting)."""
    vlat, vlon, plat, plon = v.lat[vrows], v.lon[vrows], p.lat[prows], p.lon[prows]
    n = len(coverage)
    if len(plat) == 1 and not np.isnan(plat[0]):
        dist = haversine_km(float(plat[0]), float(plon[0]), vlat, vlon)
    elif len(vlat) == 1 and not np.isnan(vlat[0]):
        dist = haversine_km(float(vlat[0]), float(vlon[0]), plat, plon)
    else:
        dist = np.full(n, np.nan)
    dist = np.broadcast_to(dist, (n,))
    regime_v, regime_p = v.regime[vrows], p.regime_ok[prows]
    regime_ok = (regime_p == 0) | ((regime_v & ~regime_p) == 0)
    contract_v, contract_p = v.contract[vrows], p.contract_ok[prows]
    contract_ok = (contract_p == 0) | (contract_v < 0) | (((contract_p >> np.maximum(contract_v, 0)) & 1) == 1)
    lic_v = v.licence[vrows]
    lic_p = p.licences[prows]
    licence_ok = (lic_v < 0) | lic_p[np.arange(lic_p.shape[0]) if lic_p.shape[0] > 1 else np.zeros_like(lic_v),
                                     np.maximum(lic_v, 0)]
    L = max(v.lang_req.shape[1], p.lang_rank.shape[1])
    req = _pad_lang(v.lang_req, L)[vrows].astype(np.int16)
    have = _pad_lang(p.lang_rank, L)[prows].astype(np.int16)
    language_short = np.maximum(req - have, 0).sum(axis=1)
    # affinity
    vocc = v.occ[vrows]
    has_pref = p.has_pref[prows]
    if occ.sim.size == 0:
        affinity = np.full(n, NEUTRAL_AFFINITY)
        known = np.zeros(n, dtype=bool)
    elif len(p.ids) == 1 or (isinstance(prows, np.ndarray) and len(prows) == 1):
        pr = p.prefs[prows]
        pref_idx = pr.indices
        if len(pref_idx):
            best = occ.sim[pref_idx].max(axis=0)
            affinity = np.where(vocc >= 0, best[np.maximum(vocc, 0)], NEUTRAL_AFFINITY)
            known = vocc >= 0
        else:
            affinity = np.full(n, NEUTRAL_AFFINITY)
            known = np.zeros(n, dtype=bool)
    else:
        o = int(vocc[0]) if len(vocc) else -1
        if o >= 0:
            col = occ.sim[:, o]
            pr = p.prefs[prows]
            vals = pr.multiply(col[None, :]).tocsr()
            best = np.asarray(vals.max(axis=1).todense()).ravel()
            affinity = np.where(has_pref, best, NEUTRAL_AFFINITY)
            known = has_pref.copy()
        else:
            affinity = np.full(n, NEUTRAL_AFFINITY)
            known = np.zeros(n, dtype=bool)
    bc = lambda a, dt=None: np.broadcast_to(np.asarray(a, dtype=dt), (n,)).copy()  # noqa: E731
    return PairFeatures(
        n=n, coverage=coverage, essential_coverage=ess_cov, n_essential=bc(v.ess_total[vrows]),
        affinity=bc(affinity, float), affinity_known=bc(known, bool), distance_km=dist.copy(),
        max_km=bc(p.max_km[prows]), remote=bc(v.remote[vrows]), regime_ok=bc(regime_ok, bool),
        contract_ok=bc(contract_ok, bool), licence_ok=bc(licence_ok, bool), language_short=bc(language_short),
        shortage=bc(v.shortage[vrows]), exposure=exposure,
    )


# ====================================================================== engine
ENGINE_FORMAT = "1"


def _load_snapshot(path):
    """A pickled, already built index (written by this program into ``var/match``), or None."""
    import pickle

    if path is None or not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # stale or corrupt: rebuild
        log.warning("matchindex-cache %s onleesbaar; opnieuw opgebouwd", path)
        return None


def _save_snapshot(path, snap) -> None:
    import pickle

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("engine-*.pkl"):
        old.unlink(missing_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        pickle.dump(snap, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)

class MatchEngine:
    """Both directions over the repository's vacancies and portfolios.

    >>> engine = MatchEngine(tax, repo, near)                         # doctest: +SKIP
    >>> res = engine.match_vacancies(portfolio, top=10)               # doctest: +SKIP
    >>> res.results[0].breakdown[0].factor                            # doctest: +SKIP
    'coverage'
    """

    def __init__(self, tax: MatchTaxonomy, repo, near: NearTable | None = None, *, near_loader=None,
                 exposure: ExposureTracker | None = None, cache_dir=None):
        self.tax = tax
        self.cache_dir = cache_dir
        self.repo = repo
        self._near = near
        self._near_loader = near_loader
        self.exposure = exposure or ExposureTracker()
        self._lock = threading.RLock()
        self._generation = None
        self.vocab = Vocab(sorted(tax.competence_labels))
        self.occ = OccupationSpace(tax, self.vocab)
        self._enc: Encoders | None = None
        self.vac: VacancySide | None = None
        self.port: PortfolioSide | None = None
        self.build_seconds = 0.0

    # -------------------------------------------------------------- building
    @property
    def near(self) -> NearTable:
        if self._near is None:
            universe = self._universe()
            self._near = self._near_loader(universe) if self._near_loader else NearTable({}, "none")
        return self._near

    def _universe(self) -> list[str]:
        ids = set(self.repo.competence_ids())
        for entries in self.tax.profiles.values():
            ids.update(e.competence_id for e in entries)
        return sorted(ids)

    def ensure_built(self) -> None:
        gen = self.repo.state_key()
        if gen == self._generation and self.vac is not None:
            return
        with self._lock:
            if gen == self._generation and self.vac is not None:
                return
            t0 = time.perf_counter()
            near = self.near
            key = hashlib.sha256(f"{ENGINE_FORMAT}|{gen}|{self.tax.version}|{near.source}|{len(near)}".encode()).hexdigest()[:16]
            path = self.cache_dir / f"engine-{key}.pkl" if self.cache_dir else None
            snap = _load_snapshot(path) if path is not None else None
            if snap is not None:
                self.vocab, self.occ, languages, vac, port = snap
                self.occ.tax = self.tax
                enc = Encoders(self.tax, self.vocab, near, self.occ)
                enc.languages = languages
            else:
                enc = Encoders(self.tax, self.vocab, near, self.occ)
                vac = enc.vacancies(list(self.repo.iter_vacancies()))
                port = enc.portfolios(list(self.repo.iter_portfolios()))
                nc = len(self.vocab)
                vac.weights, vac.essential = _pad_cols(vac.weights, nc), _pad_cols(vac.essential, nc)
                port.credits = _pad_cols(port.credits, nc)
                if path is not None:
                    _save_snapshot(path, (self.vocab, self.occ, enc.languages, vac, port))
            self._vcsc = vac.weights.tocsc()
            self._vess_csc = vac.essential.tocsc()
            self._pcsc = port.credits.tocsc()
            self._enc, self.vac, self.port = enc, vac, port
            self._vrow = {vid: i for i, vid in enumerate(vac.ids)}
            self._prow = {pid: i for i, pid in enumerate(port.ids)}
            self._generation = gen
            self.build_seconds = time.perf_counter() - t0
            log.info("match index: %d vacancies, %d portfolios in %.1fs", vac.n, port.n, self.build_seconds)

    # -------------------------------------------------------------- helpers
    def _credit_vector(self, credits) -> np.ndarray:
        x = np.zeros(len(self.vocab))
        for cid, cr in credits.items():
            x[self.vocab.add(cid)] = cr.credit
        return x

    def _portfolio_side(self, portfolio: Portfolio) -> PortfolioSide:
        side = self._enc.portfolios([portfolio])
        side.credits = _pad_cols(side.credits, len(self.vocab))
        return side

    def _vacancy_side(self, vacancy: Vacancy) -> VacancySide:
        side = self._enc.vacancies([vacancy])
        nc = len(self.vocab)
        side.weights, side.essential = _pad_cols(side.weights, nc), _pad_cols(side.essential, nc)
        return side

    def _coverage_of_portfolio(self, credit_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_cols = self.vac.weights.shape[1]
        x = credit_vec[:n_cols]
        num = self.vac.weights @ x
        ess = self.vac.essential @ x
        tot, etot = self.vac.total, self.vac.ess_total
        cov = np.divide(num, tot, out=np.zeros_like(num), where=tot > 0)
        ecov = np.divide(ess, etot, out=np.zeros_like(ess), where=etot > 0)
        return cov, ecov

    def _all_vacancy_features(self, pside: PortfolioSide, credit_vec: np.ndarray, opts: MatchOptions):
        cov, ecov = self._coverage_of_portfolio(credit_vec)
        exp = self.exposure.counts_for("vacancy", self.vac.ids) if opts.spread_exposure else np.zeros(self.vac.n)
        f = features(self.vac, slice(None), pside, np.array([0]), self.occ, cov, ecov, exp)
        return f

    def _affinity_via(self, portfolio: Portfolio, vacancy: Vacancy) -> dict | None:
        vi = self.occ.first_idx(vacancy.occupation_codes)
        best = None
        for code in portfolio.preferred_occupations:
            k = self.occ.idx(code)
            if k < 0 or vi < 0:
                continue
            s = float(self.occ.sim[k, vi])
            if best is None or s > best["similarity"]:
                best = {"occupation": self.occ.codes[k], "label": self.tax.occupation_label(self.occ.codes[k]),
                        "similarity": round(s, 4)}
        return best

    def _detail(self, portfolio: Portfolio, vacancy: Vacancy, comp: dict) -> PairDetail:
        lang_detail = []
        have = {l.code.lower(): cefr_rank(l.level) for l in portfolio.languages}
        for req in vacancy.languages:
            r = cefr_rank(req.level)
            h = have.get(req.code.lower(), 0)
            lang_detail.append({"language": req.code, "asked": req.level, "met": h >= r,
                                "has": next((l.level for l in portfolio.languages if l.code.lower() == req.code.lower()), None)})
        shortage = None
        for c in vacancy.occupation_codes:
            shortage = self.tax.shortage_of(c)
            if shortage:
                break
        return PairDetail(portfolio, vacancy, {"competences": comp, "language_detail": lang_detail,
                                               "shortage": shortage, "affinity_via": self._affinity_via(portfolio, vacancy)})

    def _vacancy_summary(self, v: Vacancy) -> dict:
        loc = complete(v.location)
        occ = [{"code": c, "label": self.tax.occupation_label(c), "shortage": self.tax.shortage_of(c) is not None}
               for c in v.occupation_codes]
        return {"id": v.id, "title": v.title, "employer": v.employer, "occupations": occ,
                "location": {"municipality": loc.municipality, "postcode": loc.postcode, "province": loc.province,
                             "region": loc.region},
                "regimes": v.regimes, "contract_type": v.contract_type, "driving_licence": v.driving_licence,
                "languages": [asdict(l) for l in v.languages], "remote": v.remote, "synthetic": v.synthetic}

    def candidate_summary(self, p: Portfolio, anonymise: bool = True) -> dict:
        loc = complete(p.location)
        out = {"id": pseudonym(p.id) if anonymise else p.id, "anonymised": anonymise,
               "location": {"municipality": loc.municipality, "province": loc.province, "region": loc.region},
               "max_distance_km": p.max_distance_km, "regimes": p.regimes, "contract_types": p.contract_types,
               "driving_licences": p.driving_licences, "languages": [asdict(l) for l in p.languages],
               "preferred_occupations": [{"code": c, "label": self.tax.occupation_label(c)} for c in p.preferred_occupations],
               "n_competences": len(p.competences), "synthetic": p.synthetic}
        if not anonymise:
            out["personal"] = dict(p.personal)
        return out

    def _gap_openings(self, gaps: list[Gap], cov: np.ndarray, keep: np.ndarray, credit_vec: np.ndarray,
                      threshold: float, cache: dict) -> None:
        open_now = keep & (cov >= threshold)
        for g in gaps:
            if g.competence_id in cache:
                g.opens_vacancies = cache[g.competence_id]
                continue
            j = self.vocab.index.get(g.competence_id)
            if j is None or j >= self._vcsc.shape[1]:
                cache[g.competence_id] = g.opens_vacancies = 0
                continue
            a, b = self._vcsc.indptr[j], self._vcsc.indptr[j + 1]
            rows, w = self._vcsc.indices[a:b], self._vcsc.data[a:b]
            gain = w * (1.0 - credit_vec[j]) / np.where(self.vac.total[rows] > 0, self.vac.total[rows], 1.0)
            after = cov[rows] + gain
            n = int(np.count_nonzero(keep[rows] & ~open_now[rows] & (after >= threshold - 1e-12)))
            cache[g.competence_id] = g.opens_vacancies = n

    def _explain(self, rank: int, score: float, f: PairFeatures, i: int, scored: Scored, opts: MatchOptions,
                 portfolio: Portfolio, vacancy: Vacancy, credits, candidate: dict | None) -> MatchResult:
        comp = explain_competences(credits, portfolio, vacancy, self.tax)
        pair = self._detail(portfolio, vacancy, comp)
        lines = breakdown(f, i, scored, opts, pair)
        diplomas = [{"diploma": d, "enforced": False,
                     "note": "gevraagd door de werkgever; wordt getoond, niet afgedwongen bij het matchen"}
                    for d in vacancy.diplomas]
        n_ess = sum(1 for c in vacancy.competences if c.importance == "essential")
        n_ess_hit = sum(1 for m in comp["matched_objs"] if m.importance == "essential" and m.match != "near")
        n_ess_near = sum(1 for m in comp["matched_objs"] if m.importance == "essential" and m.match == "near")
        summary = (f"{n_ess_hit}/{n_ess} essentiële competenties"
                   + (f" (+{n_ess_near} gedeeltelijk)" if n_ess_near else "") + f", dekking {f.coverage[i]:.0%}"
                   + ("; knelpuntberoep" if f.shortage[i] else ""))
        return MatchResult(rank, round(float(score), 4), self._vacancy_summary(vacancy), candidate, lines,
                           comp["matched_objs"], comp["gaps"], diplomas, summary)

    @staticmethod
    def retrieved(f: PairFeatures) -> np.ndarray:
        """Retrieval: a pair is considered when it shares a competence (exact or near) or when the
        vacancy's occupation is (close to) one the person prefers; the factors then rerank."""
        return (f.coverage > 0) | (f.affinity_known & (f.affinity >= RETRIEVE_AFFINITY))

    @staticmethod
    def _top(score: np.ndarray, keep: np.ndarray, top: int, ids: list[str]) -> list[int]:
        idx = np.flatnonzero(keep & (score > 0))
        if not len(idx):
            return []
        k = min(top, len(idx))
        s = score[idx]
        part = np.argpartition(-s, k - 1)[:k] if k < len(idx) else np.arange(len(idx))
        chosen = idx[part]
        # stable, deterministic order: score desc, then id
        return sorted(chosen.tolist(), key=lambda r: (-round(float(score[r]), 12), ids[r]))

    # -------------------------------------------------------------- person -> vacancies
    def match_vacancies(self, portfolio: Portfolio, *, top: int = 10, options: MatchOptions | None = None,
                        explain: bool = True, gap_limit: int = 10, record_exposure: bool | None = None) -> MatchResultSet:
        t0 = time.perf_counter()
        opts = options or MatchOptions()
        self.ensure_built()
        pside = self._portfolio_side(portfolio)
        credits = expand(portfolio, self.near)
        credit_vec = self._credit_vector(credits)
        f = self._all_vacancy_features(pside, credit_vec, opts)
        scored = score_pairs(f, opts)
        rows = self._top(scored.score, scored.keep & self.retrieved(f), top, self.vac.ids)
        results: list[MatchResult] = []
        if explain and rows:
            vacancies = {v.id: v for v in self.repo.get_vacancies([self.vac.ids[r] for r in rows])}
            cache: dict = {}
            for rank, r in enumerate(rows, 1):
                v = vacancies[self.vac.ids[r]]
                res = self._explain(rank, scored.score[r], f, r, scored, opts, portfolio, v, credits, None)
                res.gaps = res.gaps[:gap_limit]
                self._gap_openings(res.gaps, f.coverage, scored.keep, credit_vec, opts.open_threshold, cache)
                results.append(res)
        elif rows:
            results = [MatchResult(rank, round(float(scored.score[r]), 4), {"id": self.vac.ids[r]}, None, [], [], [], [])
                       for rank, r in enumerate(rows, 1)]
        if record_exposure if record_exposure is not None else opts.spread_exposure:
            self.exposure.record("vacancy", [self.vac.ids[r] for r in rows])
        note = "" if portfolio.competences else "Dit portfolio heeft (nog) geen competenties: enkel voorkeursberoepen tellen."
        if portfolio.extra.get("cv_text_note"):
            note = (note + " " + str(portfolio.extra["cv_text_note"])).strip()
        return MatchResultSet("vacancies", {"portfolio": portfolio.id}, opts, self.vac.n,
                              int(self.vac.n - scored.keep.sum()), self.near.source, results,
                              round((time.perf_counter() - t0) * 1000, 2), note)

    def score_all_vacancies(self, portfolio: Portfolio, options: MatchOptions | None = None) -> dict[str, float]:
        """Every vacancy's score for this person (``NaN`` when a hard constraint removes it); for tests and audits."""
        opts = options or MatchOptions()
        self.ensure_built()
        credit_vec = self._credit_vector(expand(portfolio, self.near))
        scored = score_pairs(self._all_vacancy_features(self._portfolio_side(portfolio), credit_vec, opts), opts)
        return {vid: (float(s) if k else float("nan")) for vid, s, k in zip(self.vac.ids, scored.score, scored.keep)}

    # -------------------------------------------------------------- vacancy -> candidates
    def _candidate_features(self, vacancy: Vacancy, opts: MatchOptions):
        vside = self._vacancy_side(vacancy)
        cols = vside.weights.indices
        w = vside.weights.data
        ecols = vside.essential.indices
        pc = self._pcsc
        n_cols = pc.shape[1]
        ok = cols < n_cols
        num = pc[:, cols[ok]] @ w[ok] if ok.any() else np.zeros(self.port.n)
        eok = ecols < n_cols
        ess = np.asarray(pc[:, ecols[eok]].sum(axis=1)).ravel() if eok.any() else np.zeros(self.port.n)
        tot, etot = float(vside.total[0]), float(vside.ess_total[0])
        cov = num / tot if tot > 0 else np.zeros(self.port.n)
        ecov = ess / etot if etot > 0 else np.zeros(self.port.n)
        exp = self.exposure.counts_for("portfolio", self.port.ids) if opts.spread_exposure else np.zeros(self.port.n)
        return vside, features(vside, np.array([0]), self.port, slice(None), self.occ, np.asarray(cov, float),
                               np.asarray(ecov, float), exp)

    def match_candidates(self, vacancy: Vacancy | str, *, top: int = 10, options: MatchOptions | None = None,
                         anonymise: bool = True, gap_counts: bool = True, gap_limit: int = 10,
                         record_exposure: bool | None = None) -> MatchResultSet:
        t0 = time.perf_counter()
        opts = options or MatchOptions()
        self.ensure_built()
        if isinstance(vacancy, str):
            found = self.repo.get_vacancy(vacancy)
            if found is None:
                raise KeyError(f"Vacature '{vacancy}' niet gevonden.")
            vacancy = found
        _, f = self._candidate_features(vacancy, opts)
        scored = score_pairs(f, opts)
        rows = self._top(scored.score, scored.keep & self.retrieved(f), top, self.port.ids)
        portfolios = {p.id: p for p in self.repo.get_portfolios([self.port.ids[r] for r in rows])}
        results = []
        cache_by_person: dict = {}
        for rank, r in enumerate(rows, 1):
            p = portfolios[self.port.ids[r]]
            credits = expand(p, self.near)
            res = self._explain(rank, scored.score[r], f, r, scored, opts, p, vacancy, credits,
                                self.candidate_summary(p, anonymise))
            res.gaps = res.gaps[:gap_limit]
            if gap_counts and self.vac.n:
                credit_vec = self._credit_vector(credits)
                pf = self._all_vacancy_features(self._portfolio_side(p), credit_vec, opts)
                ps = score_pairs(pf, opts)
                self._gap_openings(res.gaps, pf.coverage, ps.keep, credit_vec, opts.open_threshold,
                                   cache_by_person.setdefault(p.id, {}))
            results.append(res)
        if record_exposure if record_exposure is not None else opts.spread_exposure:
            self.exposure.record("portfolio", [self.port.ids[r] for r in rows])
        return MatchResultSet("candidates", {"vacancy": vacancy.id, "anonymised": anonymise}, opts, self.port.n,
                              int(self.port.n - scored.keep.sum()), self.near.source, results,
                              round((time.perf_counter() - t0) * 1000, 2))

    def score_all_candidates(self, vacancy: Vacancy, options: MatchOptions | None = None) -> dict[str, float]:
        opts = options or MatchOptions()
        self.ensure_built()
        _, f = self._candidate_features(vacancy, opts)
        scored = score_pairs(f, opts)
        return {pid: (float(s) if k else float("nan")) for pid, s, k in zip(self.port.ids, scored.score, scored.keep)}

    def candidate_pool_features(self, vacancy: Vacancy, options: MatchOptions | None = None):
        """(features over all stored candidates, their ids) — used by the drafting check."""
        self.ensure_built()
        _, f = self._candidate_features(vacancy, options or MatchOptions())
        return f, self.port.ids


def engine_from_services(services) -> MatchEngine:
    """The engine over the services' store and repository; near credit from the active label
    index when there is one (cached in ``var/match``), else crosswalks only."""
    from matcher.matching.exposure import ExposureTracker
    from matcher.matching.near import load_or_build_near

    tax = services.match_taxonomy
    cache = services.settings.var_dir / "match"

    def loader(universe):
        indexes = encoder = None
        try:
            indexes = services.indexes
        except (FileNotFoundError, RuntimeError, OSError) as exc:
            if os.environ.get("CMATCH_NEAR_ENCODE") == "1":
                encoder = services.encoder   # slow: encodes every competence label of the universe once
            else:
                log.warning("geen labelindex (%s): verwante competenties enkel via de crosswalks", exc)
        return load_or_build_near(tax, universe, cache_dir=cache, indexes=indexes, encoder=encoder)

    return MatchEngine(tax, services.vacancies, near_loader=loader, exposure=ExposureTracker(services.vacancies),
                       cache_dir=cache)
