"""Matching in both directions: a person -> vacancies, a vacancy -> candidates. Same scoring.

Retrieval -> rerank -> factors, with the heavy work done when the index is built: every stored
vacancy and portfolio is encoded once (:mod:`matcher.matching.encoding`: competence matrices for
coverage, and each factor's own columns). A query is then one sparse matrix-vector product
(coverage of every vacancy at once), each factor's few numpy operations, a partial sort, and
explanations for the top ``k`` only. The index reloads itself when the repository's
``generation`` changes; a built index is kept as a snapshot whose key includes the factor set
(:func:`~matcher.matching.factors.factor_set_version`), so a new factor rebuilds it.

Personal fields (``Portfolio.personal``: name, age, gender, nationality, diploma, ...) are not
read anywhere in this module.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import asdict

import numpy as np

from indexer.cache_files import load_pickle, save_pickle
from indexer.domain import Portfolio, Vacancy
from indexer.settings import get_settings
from indexer.storage.vacancy_index import CompetenceVectors
from matcher.geo import complete
from matcher.matching.encoding import (PortfolioSide, VacancySide, encode_portfolios, encode_vacancies,
                                       pair_features)
from matcher.matching.exposure import ExposureTracker
from matcher.matching.factors import (EncodeContext, MatchOptions, PairDetail, PairFeatures, Pairs, all_factors,
                                      factor_set_version)
from matcher.matching.match_index import MatchIndex
from matcher.matching.near import MatchTaxonomy, NearTable, Vocab
from matcher.matching.occupations import OccupationSpace
from matcher.matching.scoring import (Gap, MatchResult, MatchResultSet, Scored, breakdown, explain_competences, expand,
                                      score_pairs)

log = logging.getLogger(__name__)

RETRIEVE_AFFINITY = 0.5
#: Retrieval also takes the pairs most similar as competence bags (profile similarity), this many
#: per query: what an exact-id match misses but a dense search would find.
RETRIEVE_SIMILAR = 200
#: ... if at least this similar (unrelated bags sit near 0, one related competence at ~0.3).
RETRIEVE_MIN_SIMILARITY = 0.25
#: Snapshot layout of the engine itself; the factor set is added to it (see ``ensure_built``).
ENGINE_FORMAT = "3"
#: An index kept up to date by vacancy writes is written to its snapshot at most this often (a
#: restart starts from it and re-encodes only what changed since); a portfolio write at once.
SNAPSHOT_EVERY_S = 60.0


class _RowIds:
    """The ids of a subset of rows, looked up on demand (a match reads ten of ~1,400)."""

    __slots__ = ("ids", "rows")

    def __init__(self, ids: list[str], rows: np.ndarray):
        self.ids, self.rows = ids, rows

    def __getitem__(self, i: int) -> str:
        return self.ids[int(self.rows[i])]


def pseudonym(portfolio_id: str, salt: str) -> str:
    """A stable pseudonym for the employer's view (salted: ``Settings.pseudonym_salt``)."""
    return "K-" + hashlib.sha256(f"{salt}:{portfolio_id}".encode()).hexdigest()[:10]


def _load_snapshot(path):
    """A pickled, already built index (written by this program into ``var/match``), or None."""
    snap = load_pickle(path) if path is not None else None
    return snap if isinstance(snap, MatchIndex) else None


def _save_snapshot(path, snap) -> None:
    """The one snapshot of ``var/match``: the previous ones are removed first."""
    if path.parent.is_dir():
        for old in path.parent.glob("engine-*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    save_pickle(path, snap)


class MatchEngine:
    """Both directions over the repository's vacancies and portfolios.

    >>> engine = MatchEngine(tax, repo, near)                         # doctest: +SKIP
    >>> res = engine.match_vacancies(portfolio, top=10)               # doctest: +SKIP
    >>> res.results[0].breakdown[0].factor                            # doctest: +SKIP
    'coverage'
    """

    def __init__(self, tax: MatchTaxonomy, repo, near: NearTable | None = None, *, near_loader=None,
                 exposure: ExposureTracker | None = None, cache_dir=None, pseudonym_salt: str | None = None,
                 vectors: CompetenceVectors | None = None, vector_index=None, base: "MatchEngine | None" = None):
        self.tax = tax
        self.vectors = vectors if vectors is not None else CompetenceVectors.hashed()
        #: a callable giving the durable vacancy index (:class:`~indexer.storage.vacancy_index.VacancyIndex`,
        #: same vectors): dense retrieval of a person's vacancies reads it; without one the engine
        #: takes the most similar pairs itself
        self._vector_index = vector_index
        self.pseudonym_salt = get_settings().pseudonym_salt if pseudonym_salt is None else pseudonym_salt
        self.cache_dir = cache_dir
        self.repo = repo
        self._near = near if near is not None or base is None else base.near
        self._near_loader = near_loader
        self.exposure = exposure or ExposureTracker()
        self._lock = threading.RLock()
        self._generation = None
        #: what a build starts from: the engine this one replaces (its index is updated, not rebuilt)
        self._base = base
        self._index: MatchIndex | None = None
        self._snapshot_at = base._snapshot_at if base is not None else None
        self.build_seconds = 0.0
        self.last_build = ""         # "encoded" | "updated" | "unchanged" | "snapshot": how the index came about

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
        """Bring the index up to the repository's state: update the current one (or the replaced
        engine's, or the snapshot's) by re-encoding only changed records, else encode everything."""
        gen = self.repo.state_key()
        if gen == self._generation and self._index is not None:
            return
        with self._lock:
            if gen == self._generation and self._index is not None:
                return
            t0 = time.perf_counter()
            near = self.near
            fmt = f"{ENGINE_FORMAT}+{factor_set_version()}"
            key = hashlib.sha256(f"{fmt}|{self.tax.version}|{near.source}|{len(near)}|{self.vectors.fingerprint}"
                                 .encode()).hexdigest()[:16]
            path = self.cache_dir / f"engine-{key}.pkl" if self.cache_dir else None
            start, how = self._index or (self._base._index if self._base is not None else None), "updated"
            if start is None and path is not None and (start := _load_snapshot(path)) is not None:
                start.attach(self.tax, self.vectors)
                how, self._snapshot_at = "snapshot", time.monotonic()
            index = start.updated(self.repo, self.tax, self.vectors, near) if start is not None else None
            if index is None:
                index, how = MatchIndex.build(self.repo, self.tax, self.vectors, near), "encoded"
            elif index is start and how == "updated":
                how = "unchanged"
            # vacancy-only updates reach the disk at most every SNAPSHOT_EVERY_S; a changed or
            # deleted portfolio at once (the snapshot must not keep what a person removed)
            due = (how != "updated" or self._snapshot_at is None
                   or time.monotonic() - self._snapshot_at >= SNAPSHOT_EVERY_S
                   or index.checks["portfolios"] is not start.checks["portfolios"])
            if path is not None and index is not start and due:
                _save_snapshot(path, index)
                self._snapshot_at = time.monotonic()
            self._index, self._base = index.prepared(), None
            self._generation = gen
            self.build_seconds = time.perf_counter() - t0
            self.last_build = how
            log.info("match index (%s): %d vacancies, %d portfolios in %.2fs", how, index.vac.n, index.port.n,
                     self.build_seconds)

    # the built index's parts (one reference: a reader never mixes two builds' parts)
    @property
    def vocab(self) -> Vocab:
        return self._index.vocab

    @property
    def occ(self) -> OccupationSpace:
        return self._index.occ

    @property
    def ctx(self) -> EncodeContext:
        return self._index.ctx

    @property
    def vac(self) -> VacancySide:
        return self._index.vac

    @property
    def port(self) -> PortfolioSide:
        return self._index.port

    # -------------------------------------------------------------- helpers
    def _credit_vector(self, credits) -> np.ndarray:
        x = np.zeros(len(self.vocab))
        for cid, cr in credits.items():
            x[self.vocab.add(cid)] = cr.credit
        return x

    def _portfolio_side(self, portfolio: Portfolio) -> PortfolioSide:
        return encode_portfolios([portfolio], self.ctx, self.vocab, self.near)

    def _vacancy_side(self, vacancy: Vacancy) -> VacancySide:
        return encode_vacancies([vacancy], self.ctx, self.vocab)

    def _coverage_of_portfolio(self, credit_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_cols = self.vac.weights.shape[1]
        x = credit_vec[:n_cols]
        num = self.vac.weights @ x
        ess = self.vac.essential @ x
        tot, etot = self.vac.total, self.vac.ess_total
        cov = np.divide(num, tot, out=np.zeros_like(num), where=tot > 0)
        ecov = np.divide(ess, etot, out=np.zeros_like(ess), where=etot > 0)
        return cov, ecov

    def vacancy_coverage(self, credits) -> tuple[np.ndarray, np.ndarray]:
        """(credit vector, coverage of every stored vacancy) for a person's credits (see ``expand``)."""
        self.ensure_built()
        credit_vec = self._credit_vector(credits)
        return credit_vec, self._coverage_of_portfolio(credit_vec)[0]

    def _all_vacancy_features(self, pside: PortfolioSide, credit_vec: np.ndarray, opts: MatchOptions):
        return self._vacancy_features(pside, credit_vec, opts)[0]

    def _vacancy_features(self, pside: PortfolioSide, credit_vec: np.ndarray, opts: MatchOptions,
                          dense_rows: np.ndarray | None = None):
        """``(features, rows, coverage of every vacancy)``: the features of the vacancy ``rows``
        retrieval can keep (sorted), or of every vacancy when ``rows`` is None (see
        :meth:`_retrieval_rows`)."""
        cov, ecov = self._coverage_of_portfolio(credit_vec)
        exp = self.exposure.counts_for("vacancy", self.vac.ids) if opts.spread_exposure else np.zeros(self.vac.n)
        rows = self._retrieval_rows(pside, cov, dense_rows, opts)
        if rows is None:
            return pair_features(self.vac, slice(None), pside, np.array([0]), self.ctx, cov, ecov, exp), None, cov
        return pair_features(self.vac, rows, pside, np.array([0]), self.ctx, cov[rows], ecov[rows], exp[rows]), rows, cov

    def _retrieval_rows(self, pside: PortfolioSide, cov: np.ndarray, dense_rows: np.ndarray | None,
                        opts: MatchOptions) -> np.ndarray | None:
        """The vacancies :meth:`retrieved` can keep, found before the other features: a shared
        competence, the occupational affinity, the durable index's dense rows. The other features
        are then computed for these rows only (on the 20,000 demo vacancies ~7 % of them). None
        (every row) without dense rows (the most similar pairs are then taken over all rows) or
        when a factor needs every row (a hard constraint: gap counts read which of all vacancies
        it keeps; exposure spreading: scaled by the most exposed of all)."""
        if dense_rows is None or any(f.needs_every_row(opts) for f in all_factors()):
            return None
        affinity = next(f for f in all_factors() if f.name == "affinity")
        a = affinity.features(Pairs(self.vac.n, self.vac.columns["affinity"], slice(None), pside.columns["affinity"],
                                    np.array([0]), True, self.ctx))
        pre = self._shares_or_close(cov, a["affinity_known"], a["affinity"])
        pre[dense_rows] = True
        return np.flatnonzero(pre)

    def _vacancy_summary(self, v: Vacancy) -> dict:
        loc = complete(v.location)
        occ = [{"code": c, "label": self.tax.occupation_label(c), "shortage": self.tax.shortage_of(c) is not None}
               for c in v.occupation_codes]
        return {"id": v.id, "title": v.title, "employer": v.employer, "occupations": occ,
                "location": {"municipality": loc.municipality, "postcode": loc.postcode, "province": loc.province,
                             "region": loc.region},
                "regimes": v.regimes, "contract_type": v.contract_type, "driving_licence": v.driving_licence,
                "languages": [asdict(l) for l in v.languages], "remote": v.remote, "synthetic": v.synthetic}

    def candidate_pseudonym(self, portfolio_id: str) -> str:
        return pseudonym(portfolio_id, self.pseudonym_salt)

    def candidate_summary(self, p: Portfolio, anonymise: bool = True) -> dict:
        loc = complete(p.location)
        out = {"id": self.candidate_pseudonym(p.id) if anonymise else p.id, "anonymised": anonymise,
               "location": {"municipality": loc.municipality, "province": loc.province, "region": loc.region},
               "max_distance_km": p.max_distance_km, "regimes": p.regimes, "contract_types": p.contract_types,
               "driving_licences": p.driving_licences, "languages": [asdict(l) for l in p.languages],
               "preferred_occupations": [{"code": c, "label": self.tax.occupation_label(c)} for c in p.preferred_occupations],
               "n_competences": len(p.competences), "synthetic": p.synthetic}
        if not anonymise:
            out["personal"] = dict(p.personal)
        return out

    def gap_openings(self, gaps: list[Gap], cov: np.ndarray, keep: np.ndarray, credit_vec: np.ndarray,
                     threshold: float, cache: dict) -> None:
        """Set each gap's ``opens_vacancies``: stored vacancies (among ``keep``) that learning it lifts to
        ``threshold`` coverage or more (``cache``: per competence, for one person)."""
        open_now = keep & (cov >= threshold)
        index = self._index
        by_comp, total = index.vacancies_by_competence, index.vac.total
        for g in gaps:
            if g.competence_id in cache:
                g.opens_vacancies = cache[g.competence_id]
                continue
            j = index.vocab.index.get(g.competence_id)
            if j is None or j >= by_comp.shape[1]:
                cache[g.competence_id] = g.opens_vacancies = 0
                continue
            a, b = by_comp.indptr[j], by_comp.indptr[j + 1]
            rows, w = by_comp.indices[a:b], by_comp.data[a:b]
            gain = w * (1.0 - credit_vec[j]) / np.where(total[rows] > 0, total[rows], 1.0)
            after = cov[rows] + gain
            n = int(np.count_nonzero(keep[rows] & ~open_now[rows] & (after >= threshold - 1e-12)))
            cache[g.competence_id] = g.opens_vacancies = n

    def _explain(self, rank: int, score: float, f: PairFeatures, i: int, scored: Scored, opts: MatchOptions,
                 portfolio: Portfolio, vacancy: Vacancy, credits, candidate: dict | None) -> MatchResult:
        comp = explain_competences(credits, portfolio, vacancy, self.tax)
        pair = PairDetail(portfolio, vacancy, self.ctx, {"competences": comp})
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
    def retrieved(f: PairFeatures, dense_rows: np.ndarray | None = None, similar: int = RETRIEVE_SIMILAR) -> np.ndarray:
        """Retrieval: a pair is considered when it shares a competence (exact or near), when the
        vacancy's occupation is (close to) one the person prefers, or when it is among the
        ``similar`` pairs of highest profile similarity — ``dense_rows`` when the durable vacancy
        index found them, else taken here; the factors then rerank."""
        keep = MatchEngine._shares_or_close(f.coverage, f.affinity_known, f.affinity)
        sim = f.similarity
        if dense_rows is not None:
            near = np.zeros(len(sim), dtype=bool)
            near[dense_rows] = True
            keep |= near & (sim >= RETRIEVE_MIN_SIMILARITY)
        elif similar > 0 and len(sim):
            cut = np.partition(sim, len(sim) - similar)[len(sim) - similar] if len(sim) > similar else 0.0
            keep |= (sim >= RETRIEVE_MIN_SIMILARITY) & (sim >= cut)
        return keep

    @staticmethod
    def _shares_or_close(coverage: np.ndarray, affinity_known: np.ndarray, affinity: np.ndarray) -> np.ndarray:
        """The first retrieval rule: a shared competence, or an occupation close to a preferred one."""
        return (coverage > 0) | (affinity_known & (affinity >= RETRIEVE_AFFINITY))

    def _dense_rows(self, portfolio: Portfolio) -> np.ndarray | None:
        """Rows of the vacancies the durable vacancy index finds nearest to the person's bag (None
        without an index, or when it fails: then the engine takes the most similar pairs itself)."""
        if self._vector_index is None or not portfolio.competences:
            return None
        try:
            hits = self._vector_index().search_portfolio(portfolio, k=RETRIEVE_SIMILAR)
        except Exception as exc:   # the index is an accelerator: matching goes on without it
            log.warning("vacature-index niet bruikbaar voor retrieval (%s): exacte gelijkenis in de engine", exc)
            return None
        row_of = self._index.vacancy_row
        return np.fromiter((row_of[v] for v, _ in hits if v in row_of), dtype=np.int64)

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
        dense = self._dense_rows(portfolio)
        f, sub, cov = self._vacancy_features(pside, credit_vec, opts, dense)
        scored = score_pairs(f, opts)
        # f's rows are the vacancies ``sub`` (all when None); ``ids`` names them
        ids = self.vac.ids if sub is None else _RowIds(self.vac.ids, sub)
        dense_f = dense if sub is None or dense is None else np.searchsorted(sub, dense)
        rows = self._top(scored.score, scored.keep & self.retrieved(f, dense_f), top, ids)
        keep_all = scored.keep if sub is None else np.ones(self.vac.n, dtype=bool)   # no hard filter there
        results: list[MatchResult] = []
        if explain and rows:
            vacancies = {v.id: v for v in self.repo.get_vacancies([ids[r] for r in rows])}
            cache: dict = {}
            rows = [r for r in rows if ids[r] in vacancies]   # deleted since the index was built
            for rank, r in enumerate(rows, 1):
                v = vacancies[ids[r]]
                res = self._explain(rank, scored.score[r], f, r, scored, opts, portfolio, v, credits, None)
                res.gaps = res.gaps[:gap_limit]
                self.gap_openings(res.gaps, cov, keep_all, credit_vec, opts.open_threshold, cache)
                results.append(res)
        elif rows:
            results = [MatchResult(rank, round(float(scored.score[r]), 4), {"id": ids[r]}, None, [], [], [], [])
                       for rank, r in enumerate(rows, 1)]
        if record_exposure if record_exposure is not None else opts.spread_exposure:
            self.exposure.record("vacancy", [ids[r] for r in rows])
        note = "" if portfolio.competences else "Dit portfolio heeft (nog) geen competenties: enkel voorkeursberoepen tellen."
        if portfolio.extra.get("cv_text_note"):
            note = (note + " " + str(portfolio.extra["cv_text_note"])).strip()
        return MatchResultSet("vacancies", {"portfolio": portfolio.id}, opts, self.vac.n,
                              int(f.n - scored.keep.sum()), self.near.source, results,
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
        pc = self._index.portfolios_by_competence
        n_cols = pc.shape[1]
        ok = cols < n_cols
        num = pc[:, cols[ok]] @ w[ok] if ok.any() else np.zeros(self.port.n)
        eok = ecols < n_cols
        ess = np.asarray(pc[:, ecols[eok]].sum(axis=1)).ravel() if eok.any() else np.zeros(self.port.n)
        tot, etot = float(vside.total[0]), float(vside.ess_total[0])
        cov = num / tot if tot > 0 else np.zeros(self.port.n)
        ecov = ess / etot if etot > 0 else np.zeros(self.port.n)
        exp = self.exposure.counts_for("portfolio", self.port.ids) if opts.spread_exposure else np.zeros(self.port.n)
        return vside, pair_features(vside, np.array([0]), self.port, slice(None), self.ctx, np.asarray(cov, float),
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
        rows = [r for r in rows if self.port.ids[r] in portfolios]   # deleted since the index was built
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
                self.gap_openings(res.gaps, pf.coverage, ps.keep, credit_vec, opts.open_threshold,
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

    def candidate_language_ranks(self, code: str) -> np.ndarray:
        """CEFR rank (see ``cefr_rank``) of every stored candidate in language ``code``; 0 = not stated."""
        self.ensure_built()
        langs, ranks = self.ctx.languages, self.port.columns["constraints"]["lang_rank"]
        j = langs.index(code.lower()) if code.lower() in langs else None
        return ranks[:, j] if j is not None and j < ranks.shape[1] else np.zeros(self.port.n)

    def candidate_credits(self, competence_id: str) -> np.ndarray:
        """Credit of every stored candidate for one competence (0 for a competence nobody has)."""
        self.ensure_built()
        j = self.vocab.index.get(competence_id)
        pc = self._index.portfolios_by_competence
        return pc[:, j].toarray().ravel() if j is not None and j < pc.shape[1] else np.zeros(self.port.n)
