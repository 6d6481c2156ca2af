"""Graded-relevance matching benchmark on the synthetic vacancies, with ablations.

The ground truth never comes from the scorer. Each query is a **portfolio made from a
Competent occupation profile** (:meth:`indexer.taxonomy.store.TaxonomyStore.profile`), perturbed the
way real portfolios differ from a profile:

1. *start*: up to 20 essential items (weighted sample by profile weight) and up to 5 optional
   items of the occupation's profile;
2. *drop* 30–50 % of them (uniform share per query);
3. *reword* ~20 % of the rest: the competence is replaced by its official crosswalk twin
   (Competent ↔ ESCO, exact/close) when it has one, else by its nearest other competence by
   label-vector cosine (≥ 0.90) — the same skill named differently;
4. *add* 1–3 unrelated competences from occupations of another ISCO major group (noise).

The query has no preferred occupation (that would leak the answer through the affinity
factor), no location and no languages; the practical constraints are switched off, so the
benchmark measures competence relevance only.

Every synthetic vacancy is graded against the query's occupation through its occupation code:
**3** same Competent occupation, **2** same ISCO-08 4-digit unit group, **1** same 3-digit
minor group, 0 otherwise. A Competent occupation's ISCO group is the majority ISCO group of
the ESCO occupations it is mapped to (exact/close/narrow weigh 1, broad 0.5; ties by code).

Metrics (per query, averaged): nDCG@10 with gains ``2^grade - 1`` against the ideal ordering
of all vacancies; MRR of the first grade-3 vacancy in the top 50; Recall@50 = grade-3
vacancies in the top 50 / min(50, number of grade-3 vacancies).

Systems: ``hybrid`` (the engine, default weights, constraints off), ``no_shortage_boost``
(the engine with the knelpuntberoep factor off), ``dense_only`` (cosine between the mean label
vector of the portfolio's competences and the importance-weighted mean label vector of the
vacancy's competences; no factors), ``lexical_only`` (weighted coverage with exact competence
ids only: no crosswalk, no embedding neighbours, no factors).

Everything is seeded: two runs over the same data give the same figures.
"""
from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from eval.synthetic import weighted_sample

SEED = 20260101
N_QUERIES = 400
TOP = 50
NDCG_K = 10
MIN_VACANCIES = 3          # an occupation needs this many vacancies to be a query
START_ESSENTIAL = 20
START_OPTIONAL = 5
DROP_RANGE = (0.30, 0.50)
REWORD_SHARE = 0.20
NEAR_MIN_COS = 0.90
ADD_RANGE = (1, 3)
ESSENTIAL_W, OPTIONAL_W = 1.0, 0.35     # the engine's class weights (matcher.matching.factors.coverage)

SYSTEMS = ("hybrid", "no_shortage_boost", "dense_only", "lexical_only")


# ---------------------------------------------------------------------- ground truth
def occupation_isco(store, codes) -> dict[str, str]:
    """Competent occupation -> ISCO-08 4-digit group (majority over its mapped ESCO occupations)."""
    out: dict[str, str] = {}
    for code in sorted(codes):
        votes: Counter = Counter()
        for uri, rel in store.esco_for_competent(code):
            occ = store.occupation(uri)
            grp = (occ.isco_group or "") if occ else ""
            if len(grp) >= 4:
                votes[grp[:4]] += 0.5 if rel == "broadMatch" else 1.0
        if votes:
            out[code] = max(votes.items(), key=lambda kv: (kv[1], -int(kv[0]) if kv[0].isdigit() else 0))[0]
    return out


def grade(query_occ: str, vac_occ: str, isco: dict[str, str]) -> int:
    if vac_occ == query_occ:
        return 3
    a, b = isco.get(query_occ), isco.get(vac_occ)
    if not a or not b:
        return 0
    if a[:4] == b[:4]:
        return 2
    if a[:3] == b[:3]:
        return 1
    return 0


# ---------------------------------------------------------------------- metrics
def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked_grades: list[int], all_grades: list[int], k: int = NDCG_K) -> float:
    ideal = sorted(all_grades, reverse=True)[:k]
    idcg = dcg([2 ** g - 1 for g in ideal])
    if idcg <= 0:
        return 0.0
    return dcg([2 ** g - 1 for g in ranked_grades[:k]]) / idcg


def reciprocal_rank(ranked_grades: list[int], target: int = 3) -> float:
    for i, g in enumerate(ranked_grades, 1):
        if g >= target:
            return 1.0 / i
    return 0.0


def capped_recall(ranked_grades: list[int], n_relevant: int, k: int = TOP, target: int = 3) -> float:
    if n_relevant <= 0:
        return 0.0
    return sum(1 for g in ranked_grades[:k] if g >= target) / min(k, n_relevant)


# ---------------------------------------------------------------------- queries
@dataclass
class Query:
    qid: str
    occupation: str
    competences: list[str]
    log: dict = field(default_factory=dict)


class NearestLabel:
    """Nearest other competence by label-vector cosine (independent of the matcher's near table)."""

    def __init__(self, ids: list[str], vectors: np.ndarray):
        self.ids = ids
        self.pos = {c: i for i, c in enumerate(ids)}
        self.vectors = vectors.astype(np.float32) if len(ids) else np.zeros((0, 1), np.float32)

    def nearest(self, cid: str, exclude: set[str]) -> str | None:
        i = self.pos.get(cid)
        if i is None or not len(self.ids):
            return None
        sims = self.vectors @ self.vectors[i]
        for j in np.argsort(-sims, kind="stable")[:12]:
            c = self.ids[int(j)]
            if c != cid and c not in exclude and sims[j] >= NEAR_MIN_COS:
                return c
        return None


def build_queries(store, tax, occupations: list[str], isco: dict[str, str], nearest: NearestLabel | None, *,
                  n: int = N_QUERIES, seed: int = SEED) -> list[Query]:
    """``n`` perturbed profile portfolios over ``occupations`` (cycled in a seeded order)."""
    rng = random.Random(seed)
    order = sorted(occupations)
    rng.shuffle(order)
    twin: dict[str, str] = {}
    for code, uri, rel in sorted(tax.crosswalk):
        if rel in ("exactMatch", "closeMatch"):
            twin.setdefault(code, uri)
            twin.setdefault(uri, code)
    # noise pool: essential items per ISCO major group
    by_major: dict[str, list[str]] = defaultdict(list)
    for code in sorted(tax.profiles):
        major = isco.get(code, "?")[:1]
        by_major[major].extend(e.competence_id for e in tax.profiles[code] if e.importance == "essential")
    queries: list[Query] = []
    profiles: dict[str, list] = {}
    for i in range(n):
        occ = order[i % len(order)]
        qrng = random.Random(f"{seed}:{i}:{occ}")
        if occ not in profiles:
            profiles[occ] = store.profile(occ)
        prof = profiles[occ]
        ess = [(p.competence_id, p.weight) for p in prof if p.importance == "essential"]
        opt = [(p.competence_id, p.weight) for p in prof if p.importance != "essential"]
        start = weighted_sample(qrng, ess, START_ESSENTIAL) + weighted_sample(qrng, opt, START_OPTIONAL)
        if not start:
            continue
        share = qrng.uniform(*DROP_RANGE)
        n_drop = int(round(share * len(start)))
        keep = list(start)
        qrng.shuffle(keep)
        dropped, keep = keep[:n_drop], keep[n_drop:]
        if not keep:
            keep, dropped = dropped[:1], dropped[1:]
        profile_ids = {p.competence_id for p in prof}
        out: list[str] = []
        reworded = 0
        for cid in keep:
            if qrng.random() < REWORD_SHARE:
                other = twin.get(cid)
                if other is None and nearest is not None:
                    other = nearest.nearest(cid, set(keep) | set(out))
                if other is not None and other not in out:
                    out.append(other)
                    reworded += 1
                    continue
            if cid not in out:
                out.append(cid)
        my_major = isco.get(occ, "?")[:1]
        majors = sorted(m for m in by_major if m != my_major and by_major[m])
        added = 0
        for _ in range(qrng.randint(*ADD_RANGE)):
            if not majors:
                break
            pool = by_major[qrng.choice(majors)]
            c = pool[qrng.randrange(len(pool))]
            if c not in out and c not in profile_ids:
                out.append(c)
                added += 1
        queries.append(Query(f"Q{i:04d}", occ, out, {"start": len(start), "dropped": len(dropped),
                                                       "reworded": reworded, "added": added}))
    return queries


def query_portfolio(q: Query, label=lambda c: ""):
    from indexer.domain import Evidence, Portfolio, PortfolioCompetence

    return Portfolio(id=f"BENCH-{q.qid}", competences=[
        PortfolioCompetence(c, label(c), [Evidence("self_declared")]) for c in q.competences], synthetic=True)


# ---------------------------------------------------------------------- vacancy matrices
@dataclass
class VacancyMatrix:
    ids: list[str]
    occ: list[str]
    weights: sp.csr_matrix      # (n_vac, n_comp) class weights
    total: np.ndarray
    comp_ids: list[str]
    comp_index: dict[str, int]
    shortage: np.ndarray


def vacancy_matrix(vacancies, tax) -> VacancyMatrix:
    comp_index: dict[str, int] = {}
    rows, cols, vals = [], [], []
    ids, occ, short = [], [], []
    for r, v in enumerate(vacancies):
        ids.append(v.id)
        occ.append(v.occupation_codes[0] if v.occupation_codes else "")
        short.append(any(tax.shortage_of(c) for c in v.occupation_codes))
        best: dict[int, float] = {}
        for c in v.competences:
            j = comp_index.setdefault(c.competence_id, len(comp_index))
            w = ESSENTIAL_W if c.importance == "essential" else OPTIONAL_W
            best[j] = max(best.get(j, 0.0), w)
        for j, w in best.items():
            rows.append(r)
            cols.append(j)
            vals.append(w)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(comp_index)))
    return VacancyMatrix(ids, occ, m, np.asarray(m.sum(axis=1)).ravel(), list(comp_index), comp_index,
                         np.array(short, dtype=bool))


def _rank(scores: np.ndarray, ids: list[str], k: int) -> list[int]:
    """Top ``k`` rows, score descending then id (the engine's tie-break); rows with score <= 0 dropped."""
    idx = np.flatnonzero(scores > 0)
    if not len(idx):
        return []
    kk = min(len(idx), k)
    part = idx[np.argpartition(-scores[idx], kk - 1)[:kk]] if kk < len(idx) else idx
    # include every row tied with the k-th score so the id tie-break is exact
    cut = scores[part].min()
    part = np.union1d(part, idx[scores[idx] == cut])
    return sorted(part.tolist(), key=lambda r: (-round(float(scores[r]), 12), ids[r]))[:k]


# ---------------------------------------------------------------------- run
def run_matching_bench(engine, store, tax, vacancies, *, indexes=None, n_queries: int = N_QUERIES,
                       seed: int = SEED, min_vacancies: int = MIN_VACANCIES, progress: bool = False) -> dict:
    """Run every system on the same seeded queries. ``vacancies``: the engine's vacancies
    (a list of :class:`indexer.domain.Vacancy`)."""
    from matcher.matching.factors import MatchOptions

    t0 = time.perf_counter()
    vm = vacancy_matrix(vacancies, tax)
    counts = Counter(vm.occ)
    occupations = sorted(c for c, n in counts.items() if c and n >= min_vacancies and c in tax.profiles)
    isco = occupation_isco(store, set(counts) | set(occupations))
    # label vectors for the dense ablation and the reworded replacements
    vec_ids, vectors = [], None
    if indexes is not None:
        from matcher.matching.near import label_vectors_from_index

        universe = sorted(set(vm.comp_ids) | {e.competence_id for p in tax.profiles.values() for e in p})
        vectors, vec_ids = label_vectors_from_index(indexes, universe, tax.competence_labels)
    nearest = NearestLabel(vec_ids, vectors) if vectors is not None and len(vec_ids) else None
    queries = build_queries(store, tax, occupations, isco, nearest, n=n_queries, seed=seed)
    occ_arr = np.array(vm.occ)
    # dense vacancy vectors
    dense_v = None
    vec_pos = {c: i for i, c in enumerate(vec_ids)}
    if vectors is not None and len(vec_ids):
        E = np.zeros((len(vm.comp_ids), vectors.shape[1]), dtype=np.float32)
        for j, c in enumerate(vm.comp_ids):
            p = vec_pos.get(c)
            if p is not None:
                E[j] = vectors[p]
        dense_v = np.asarray(vm.weights @ E, dtype=np.float32)
        norms = np.linalg.norm(dense_v, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        dense_v /= norms
    opts = {"hybrid": MatchOptions.with_constraints("off"),
            "no_shortage_boost": MatchOptions.with_constraints("off", shortage_boost=False)}
    per: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in SYSTEMS}
    examples = []
    grade_cache: dict[str, np.ndarray] = {}
    row_of = {vid: i for i, vid in enumerate(vm.ids)}
    for qi, q in enumerate(queries):
        if q.occupation not in grade_cache:
            grade_cache[q.occupation] = np.array([grade(q.occupation, o, isco) for o in vm.occ], dtype=np.int8)
        g = grade_cache[q.occupation]
        all_grades = g.tolist()
        n_rel = int((g == 3).sum())
        portfolio = query_portfolio(q, tax.label)
        rankings: dict[str, list[int]] = {}
        for name, o in opts.items():
            res = engine.match_vacancies(portfolio, top=TOP, options=o, explain=False, record_exposure=False)
            rankings[name] = [row_of[r.vacancy["id"]] for r in res.results]
        x = np.zeros(len(vm.comp_ids))
        for c in q.competences:
            j = vm.comp_index.get(c)
            if j is not None:
                x[j] = 1.0
        num = vm.weights @ x
        lex = np.divide(num, vm.total, out=np.zeros_like(num), where=vm.total > 0)
        rankings["lexical_only"] = _rank(lex, vm.ids, TOP)
        if dense_v is not None:
            pv = np.zeros(dense_v.shape[1], dtype=np.float32)
            for c in q.competences:
                p = vec_pos.get(c)
                if p is not None:
                    pv += vectors[p]
            nrm = float(np.linalg.norm(pv))
            ds = dense_v @ (pv / nrm) if nrm > 0 else np.zeros(len(vm.ids), dtype=np.float32)
            rankings["dense_only"] = _rank(ds.astype(np.float64), vm.ids, TOP)
        for name, rows in rankings.items():
            rg = [int(g[r]) for r in rows]
            per[name]["ndcg_10"].append(ndcg_at_k(rg, all_grades))
            per[name]["mrr"].append(reciprocal_rank(rg))
            per[name]["recall_50"].append(capped_recall(rg, n_rel))
            per[name]["shortage_share_10"].append(float(np.mean(vm.shortage[rows[:10]])) if rows else 0.0)
        if qi < 3:
            examples.append({"qid": q.qid, "occupation": q.occupation, "label": tax.occupation_label(q.occupation),
                             "n_competences": len(q.competences), **q.log,
                             "top5_hybrid": [{"id": vm.ids[r], "occupation": vm.occ[r], "grade": int(g[r])}
                                             for r in rankings["hybrid"][:5]]})
        if progress and (qi + 1) % 100 == 0:
            print(f"  matching bench: {qi + 1}/{len(queries)} queries", flush=True)
    systems = {}
    for name in SYSTEMS:
        if not per[name]:
            continue
        systems[name] = {k: round(float(np.mean(v)), 4) for k, v in per[name].items()}
    grades_hist = Counter()
    for occ in {q.occupation for q in queries}:
        for gg in (1, 2, 3):
            grades_hist[gg] += int((grade_cache[occ] == gg).sum())
    return {
        "systems": systems,
        "n_queries": len(queries), "n_vacancies": len(vm.ids), "n_query_occupations": len({q.occupation for q in queries}),
        "occupations_with_isco": len(isco), "seed": seed,
        "mean_query_competences": round(float(np.mean([len(q.competences) for q in queries])), 2) if queries else 0,
        "mean_relevant_3": round(float(np.mean([int((grade_cache[q.occupation] == 3).sum()) for q in queries])), 1) if queries else 0,
        "graded_pairs_per_occupation": {str(k): round(v / max(1, len({q.occupation for q in queries})), 1)
                                        for k, v in sorted(grades_hist.items())},
        "dense_available": dense_v is not None,
        "examples": examples,
        "seconds": round(time.perf_counter() - t0, 1),
        "_queries": queries,
    }


def example_breakdown(engine, queries, tax) -> dict | None:
    """The top result of the first query, fully explained with default options (for the plot)."""
    from matcher.matching.factors import MatchOptions

    for q in queries[:10]:
        res = engine.match_vacancies(query_portfolio(q, tax.label), top=1, options=MatchOptions.with_constraints("off"),
                                     record_exposure=False)
        if res.results:
            r = res.results[0]
            return {"query": q.qid, "occupation": tax.occupation_label(q.occupation), "vacancy": r.vacancy.get("id"),
                    "title": r.vacancy.get("title"), "score": r.score, "summary": r.summary,
                    "factors": [{"factor": line.factor, "label": line.label, "kind": line.kind, "value": line.value,
                                 "effect": line.effect, "explanation": line.explanation} for line in r.breakdown]}
    return None
