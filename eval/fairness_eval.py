"""Fairness figures: the guards (counterfactual invariance, exposure by group, diploma-less vs
diploma — true by construction, since they vary fields no factor reads) and the proxy test that
can fail (:mod:`eval.proxy_fairness`).

* **Counterfactual invariance rate** — for sampled synthetic portfolios, every variant of
  :func:`eval.fairness_checks.counterfactual_variants` (name, age, gender, nationality, origin,
  diploma, disability set to each test value or removed, and all personal data removed) is
  scored against *every* vacancy (:meth:`MatchEngine.score_all_vacancies`); a variant is
  invariant when all its scores equal the original's exactly. Rate = invariant variants / all.
* **Exposure by group** (vacancy -> candidates) — for sampled base portfolios, *clones* with
  identical competences, place and preferences but different personal markers (name + origin,
  age, diploma: 4 x 3 x 2 = 24 clones per base) join the 5,000 synthetic candidates in a
  temporary store. Each clone gets a seeded random id, so id order (the engine's tie-break)
  is unrelated to the group. For vacancies of the base's occupation, the candidate ranking
  (top 50, the product's ``match_candidates``) gives each clone an exposure ``1/log2(1+rank)``;
  per dimension we report each group's share of the clones' exposure and the min/max ratio
  (1.0 = equal). ``identical_score_rate``: share of (vacancy, base) pairs where all clones got
  exactly the same score.
* **Diploma-less check** — on the vacancies that *ask* a diploma, the score rank (1 + number of
  candidates with a strictly higher score) of every diploma-less clone is compared with its
  diploma-holding twin: ``diploma_less_rank_equal_rate`` (should be 1.0) and the mean rank
  difference (should be 0).
"""
from __future__ import annotations

import copy
import hashlib
import math
import random
import time
from collections import defaultdict

import numpy as np

SEED = 20260102
N_COUNTERFACTUAL = 20
N_BASES = 30
VACANCIES_PER_BASE = 4
TOP = 50

NAME_ORIGIN = {
    "vlaams": {"name": "Jan Peeters (fictief)", "origin": "Belgisch", "nationality": "Belg"},
    "marokkaans": {"name": "Youssef El Amrani (fictief)", "origin": "Marokkaans", "nationality": "Marokkaan"},
    "oekraiens": {"name": "Olena Kovalenko (fictief)", "origin": "Oekraïens", "nationality": "Oekraïner"},
    "congolees": {"name": "Grace Mukendi (fictief)", "origin": "Congolees", "nationality": "Congolees"},
}
AGES = {"22": 22, "40": 40, "58": 58}
DIPLOMAS = {"geen": "geen", "master": "master"}
DIMENSIONS = ("name_origin", "age", "diploma")


def _top_ids(keys: list[str], scores: np.ndarray, k: int = 20) -> list[str]:
    """Top ``k`` by score (NaN = removed, last), ties by id — the engine's order."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    order = np.lexsort((np.arange(len(keys)), -s))   # keys are given in id order
    return [keys[i] for i in order[:k]]


def counterfactual_invariance(engine, portfolios, options=None) -> dict:
    from eval.fairness_checks import counterfactual_variants

    t0 = time.perf_counter()
    n_var = n_ok = 0
    n_top_same = 0
    for p in portfolios:
        base = engine.score_all_vacancies(p, options)
        keys = sorted(base)
        b = np.array([base[k] for k in keys])
        top_b = _top_ids(keys, b)
        for v in counterfactual_variants(p):
            got = engine.score_all_vacancies(v, options)
            g = np.array([got.get(k, float("nan")) for k in keys])
            same = got.keys() == base.keys() and bool(np.all((b == g) | (np.isnan(b) & np.isnan(g))))
            n_var += 1
            n_ok += same
            n_top_same += _top_ids(keys, g) == top_b
    return {"invariance_rate": round(n_ok / n_var, 4) if n_var else None,
            "top20_identical_rate": round(n_top_same / n_var, 4) if n_var else None,
            "portfolios": len(portfolios), "variants": n_var, "seconds": round(time.perf_counter() - t0, 1)}


def _clone_id(seed: int, base: str, group: str) -> str:
    return "FAIR-" + hashlib.sha256(f"{seed}|{base}|{group}".encode()).hexdigest()[:12]


def make_clones(base, seed: int = SEED) -> list[tuple[object, dict[str, str]]]:
    out = []
    for no, marks in NAME_ORIGIN.items():
        for age_key, age in AGES.items():
            for dip_key, dip in DIPLOMAS.items():
                groups = {"name_origin": no, "age": age_key, "diploma": dip_key}
                c = copy.deepcopy(base)
                c.id = _clone_id(seed, base.id, f"{no}|{age_key}|{dip_key}")
                c.personal = {**marks, "age": age, "birth_year": 2026 - age, "diploma": dip,
                              "gender": "x"}
                out.append((c, groups))
    return out


def exposure_by_group(tax, near, vacancies, portfolios, *, n_bases: int = N_BASES,
                      per_base: int = VACANCIES_PER_BASE, seed: int = SEED, top: int = TOP) -> dict:
    """See the module docstring. ``vacancies``/``portfolios``: the synthetic records (lists)."""
    from indexer.storage.sqlite import SqliteVacancyRepository
    from matcher.matching.engine import MatchEngine

    t0 = time.perf_counter()
    rng = random.Random(seed)
    by_occ: dict[str, list] = defaultdict(list)
    for v in vacancies:
        if v.occupation_codes:
            by_occ[v.occupation_codes[0]].append(v)
    candidates = [p for p in portfolios if p.preferred_occupations and by_occ.get(p.preferred_occupations[0])]
    bases = rng.sample(candidates, min(n_bases, len(candidates))) if candidates else []
    clones, group_of, base_of = [], {}, {}
    queries: list[tuple[object, object]] = []
    for b in bases:
        for c, groups in make_clones(b, seed):
            clones.append(c)
            group_of[c.id] = groups
            base_of[c.id] = b.id
        pool = sorted(by_occ[b.preferred_occupations[0]], key=lambda v: v.id)
        with_dip = [v for v in pool if v.diplomas]
        without = [v for v in pool if not v.diplomas]
        r = random.Random(f"{seed}:{b.id}")
        chosen = r.sample(with_dip, min(len(with_dip), per_base // 2))
        chosen += r.sample(without, min(len(without), per_base - len(chosen)))
        queries += [(v, b) for v in chosen]
    repo = SqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(sorted({v.id: v for v, _ in queries}.values(), key=lambda v: v.id))
    repo.upsert_portfolios(list(portfolios) + clones)
    engine = MatchEngine(tax, repo, near, cache_dir=None)
    engine.ensure_built()
    pseudo = {engine.candidate_pseudonym(c.id): c.id for c in clones}
    exposure = {d: defaultdict(float) for d in DIMENSIONS}
    slots = {d: defaultdict(int) for d in DIMENSIONS}
    identical = n_pairs = 0
    dip_equal = dip_pairs = 0
    rank_diffs: list[int] = []
    n_dip_vacancies = 0
    for v, b in queries:
        res = engine.match_candidates(v, top=top, gap_counts=False, record_exposure=False)
        for r in res.results:
            cid = pseudo.get(r.candidate["id"])
            if cid is None:
                continue
            e = 1.0 / math.log2(1 + r.rank)
            for d in DIMENSIONS:
                exposure[d][group_of[cid][d]] += e
                slots[d][group_of[cid][d]] += 1
        scores = engine.score_all_candidates(v)
        mine = [c for c in clones if base_of[c.id] == b.id]
        vals = [scores[c.id] for c in mine]
        n_pairs += 1
        identical += all((s == vals[0]) or (math.isnan(s) and math.isnan(vals[0])) for s in vals)
        if v.diplomas:
            n_dip_vacancies += 1
            arr = np.array([s for s in scores.values() if not math.isnan(s)])

            def srank(s: float) -> int:
                return 1 + int((arr > s).sum()) if not math.isnan(s) else len(arr) + 1

            by_key = {(group_of[c.id]["name_origin"], group_of[c.id]["age"], group_of[c.id]["diploma"]): scores[c.id]
                      for c in mine}
            for (no, age, dip), s in by_key.items():
                if dip != "geen":
                    continue
                twin = by_key[(no, age, "master")]
                diff = srank(s) - srank(twin)
                rank_diffs.append(diff)
                dip_pairs += 1
                dip_equal += diff == 0
    groups_out = {}
    for d in DIMENSIONS:
        total = sum(exposure[d].values())
        shares = {g: round(exposure[d][g] / total, 4) if total else 0.0 for g in sorted(_values(d))}
        vals = [exposure[d][g] for g in _values(d)]
        groups_out[d] = {"exposure_share": shares,
                         "top_slots": {g: slots[d][g] for g in sorted(_values(d))},
                         "min_max_ratio": round(min(vals) / max(vals), 4) if vals and max(vals) > 0 else None}
    return {
        "groups": groups_out,
        "exposure_min_max_ratio": min((g["min_max_ratio"] for g in groups_out.values() if g["min_max_ratio"] is not None),
                                      default=None),
        "identical_score_rate": round(identical / n_pairs, 4) if n_pairs else None,
        "diploma_less_rank_equal_rate": round(dip_equal / dip_pairs, 4) if dip_pairs else None,
        "diploma_less_mean_rank_diff": round(float(np.mean(rank_diffs)), 4) if rank_diffs else None,
        "diploma_vacancies": n_dip_vacancies, "bases": len(bases), "clones": len(clones),
        "vacancy_queries": len(queries), "pool": len(portfolios) + len(clones), "top": top,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _values(dim: str) -> list[str]:
    return list({"name_origin": NAME_ORIGIN, "age": AGES, "diploma": DIPLOMAS}[dim])


def run_fairness(engine, tax, vacancies, portfolios, *, n_counterfactual: int = N_COUNTERFACTUAL,
                 n_bases: int = N_BASES, seed: int = SEED, extractor=None) -> dict:
    """The guards (counterfactual, exposure: true by construction) and the proxy test that can
    fail (:mod:`eval.proxy_fairness`; CV text through ``extractor`` when given)."""
    from eval.proxy_fairness import run_proxy_fairness

    rng = random.Random(seed)
    sample = rng.sample(list(portfolios), min(n_counterfactual, len(portfolios))) if portfolios else []
    out = {"counterfactual": counterfactual_invariance(engine, sample)}
    out["exposure"] = exposure_by_group(tax, engine.near, vacancies, portfolios, n_bases=n_bases, seed=seed)
    out["proxy"] = run_proxy_fairness(tax, engine.near, vacancies, extractor=extractor)
    return out
