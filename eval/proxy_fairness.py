"""Proxy fairness: do protected traits reach the ranking through what the engine *does* read?

The counterfactual checks (:mod:`eval.fairness_checks`) vary fields no factor reads, so they hold
by construction — guards, not evidence. Here protected traits are never given at all; they are
*correlated with proxies*, as in Flanders, and the population is **equal in competences**:

* home language and Dutch level (``Portfolio.languages``): Flemish C2; Maghrebi-Belgian second
  generation B2-C2 Dutch plus Arabic; newcomers (Ukrainian, Syrian) A2-B1 Dutch;
* municipality (``Portfolio.location``, same ``max_distance_km``): each group drawn from the
  municipalities where it mostly lives;
* a name, an association and a career gap in the free CV text that goes through the real
  extractor (:meth:`CompetenceExtractor.extract`, ``kind="cv"``), together with competence
  sentences that are identical for every group; what the name and association sentences add
  (competences, and occupation titles, which become preferred occupations as in matcher.ingest) is
  reported as ``passthrough``;
* career gaps (care, asylum procedure) also as evidence dates.

Per vacancy a cohort of ``per_group`` people per group is added to one temporary store (ids are
seeded hashes, so the engine's id tie-break is unrelated to the group). For each vacancy the
cohort is ranked with the given options; selection rate of a group at k = its members in the
cohort's top k / its members, summed over vacancies. ``ratio`` = rate / highest rate (the
four-fifths rule: >= 0.8). The factor behind each gap comes from the score breakdown of the
whole cohort (:func:`matcher.matching.scoring.score_pairs`): the factor or constraint whose mean
log effect differs most between the group and the best-selected group. Equal scores are
counted as a random order would on average (:func:`_expected_picks`), so a ratio measures
what the engine does, not the luck of one tie-break.
"""
from __future__ import annotations

import copy
import hashlib
import math
import random
from collections import defaultdict

import numpy as np

from matcher.extraction.occupations import preferred_codes

OCCUPATION = "occupation:"
SEED = 20260315
N_VACANCIES = 40
PER_GROUP = 20
TOPS = (10, 50)
FOUR_FIFTHS = 0.8

#: group -> proxies (Dutch level choices, other languages, municipalities, CV identity text, gap)
GROUPS: dict[str, dict] = {
    "vlaams": {"nl": ["C2"], "other": [], "places": ["2500", "2800", "3000", "8500", "9200", "2440", "3290", "8800"],
               "names": ["Jan Peeters", "Els Janssens", "Tom Maes"],
               "identity": "Ik ben {name}. Ik ben lid van de Chiro en speel in de plaatselijke fanfare.", "gap": 0.1},
    "maghrebijns": {"nl": ["B2", "C1", "C2"], "other": [("ar", "C1")], "places": ["2060", "2000", "1800", "2800", "9000"],
                    "names": ["Youssef El Amrani", "Fatima Benali", "Mohamed Azzouzi"],
                    "identity": "Ik ben {name}. Ik ben vrijwilliger bij de moskeevereniging en geef huiswerkbegeleiding.",
                    "gap": 0.2},
    "turks": {"nl": ["B2", "C1"], "other": [("tr", "C2")], "places": ["3600", "3580", "9000", "3500"],
              "names": ["Mehmet Yilmaz", "Ayse Demir", "Emre Kaya"],
              "identity": "Ik ben {name}. Ik ben actief in de Turkse culturele vereniging van mijn wijk.", "gap": 0.2},
    "nieuwkomer": {"nl": ["A2", "B1"], "other": [("uk", "C2"), ("ar", "C2"), ("en", "B2")],
                   "places": ["2000", "2060", "9000", "1000", "3000"],
                   "names": ["Olena Kovalenko", "Ahmad Al Hassan", "Oleksandr Shevchenko"],
                   "identity": "Ik ben {name}. Ik kwam in 2022 als vluchteling naar België en volg inburgering.",
                   "gap": 0.6},
    "vrouw_zorgpauze": {"nl": ["C2"], "other": [], "places": ["2500", "3000", "8500", "9200", "2440"],
                        "names": ["Sarah Claes", "An Wouters", "Lien Mertens"],
                        "identity": "Ik ben {name}, moeder van drie kinderen.", "gap": 1.0},
}
GAP_SENTENCE = "Van 2018 tot 2022 stond ik niet op de arbeidsmarkt (zorg voor het gezin of asielprocedure)."
COMPETENCE_SENTENCE = "Ik heb ervaring met {label}."


def _pid(seed: int, *parts: object) -> str:
    return "PROXY-" + hashlib.sha256("|".join(map(str, (seed, *parts))).encode()).hexdigest()[:12]


def _extract(extractor, text: str) -> list[tuple[str, str]]:
    """(id, label) of what the text yields: competences, and the occupation titles that
    :mod:`matcher.ingest` turns into preferred occupations (as ``occupation:<status>:OP-…``)."""
    ex = extractor.extract(text, kind="cv")
    return ([(c.competence_id, c.label) for c in ex.competences]
            + [(f"{OCCUPATION}{o.status}:{o.occupation_code}", o.label) for o in ex.occupations for _ in o.spans])


def _cohort(v, tax, extractor, seed: int, per_group: int, cache: dict, passthrough: dict):
    """The people of one vacancy's cohort: equal competence sentences, group-correlated proxies."""
    from indexer.domain import Evidence, LanguageSkill, Location, Portfolio, PortfolioCompetence

    rng = random.Random(f"{seed}:{v.id}")
    comps = [c for c in v.competences if c.importance == "essential"] or list(v.competences)
    held = sorted(rng.sample(comps, max(1, round(0.7 * len(comps)))), key=lambda c: c.competence_id) if comps else []
    labels = [c.label or tax.label(c.competence_id) for c in held]
    people, group_of = [], {}
    for g, spec in GROUPS.items():
        for k in range(per_group):
            name = spec["names"][k % len(spec["names"])]
            gap = rng.random() < spec["gap"]
            text = " ".join([spec["identity"].format(name=name)] + ([GAP_SENTENCE] if gap else [])
                            + [COMPETENCE_SENTENCE.format(label=lb) for lb in labels])
            if extractor is not None:
                if text not in cache:
                    cache[text] = _extract(extractor, text)
                got = cache[text]
                ident = spec["identity"].format(name=name) + (" " + GAP_SENTENCE if gap else "")
                if ident not in cache:
                    cache[ident] = _extract(extractor, ident)
                for cid, lb in cache[ident]:
                    passthrough[g][f"{cid} {lb}"] += 1
            else:
                got = [(c.competence_id, lbl) for c, lbl in zip(held, labels)]
            date = "2018-01-01" if gap else "2024-01-01"
            titles = [cid[len(OCCUPATION):].split(":", 1) for cid, _ in got if cid.startswith(OCCUPATION)]
            named = [(code, status, 1) for status, code in titles]
            pc = [PortfolioCompetence(cid, lb, [Evidence("cv", lb, date=date)]) for cid, lb in dict(got).items()
                  if not cid.startswith(OCCUPATION)]
            langs = [LanguageSkill("nl", rng.choice(spec["nl"]))] + [LanguageSkill(c, lv) for c, lv in spec["other"][:1]]
            p = Portfolio(_pid(seed, v.id, g, k), competences=pc, preferred_occupations=preferred_codes(named), location=Location(postcode=rng.choice(spec["places"])),
                          max_distance_km=30.0, languages=langs, synthetic=True,
                          extra={"career_gap": gap})
            people.append(p)
            group_of[p.id] = g
    return people, group_of


def _factor_logs(scored, rows: np.ndarray, options) -> dict[str, np.ndarray]:
    """Per factor the log of its effect for the given rows (coverage: its value); a multiplier
    with per-constraint penalties is split into its constraints that are in effect (soft)."""
    out = {}
    for name, o in scored.outputs.items():
        eff = np.broadcast_to(np.asarray(o.effect, dtype=float), scored.score.shape)
        pens = (o.extra or {}).get("penalties") or {}
        if pens:
            for c, arr in pens.items():
                if options.mode(c) == "soft":
                    out[f"{name}.{c}"] = np.log(np.clip(np.asarray(arr, dtype=float)[rows], 1e-9, None))
        else:
            out[name] = eff[rows] if name == "coverage" else np.log(np.clip(eff[rows], 1e-9, None))
    return out


def _expected_picks(s: np.ndarray, k: int) -> np.ndarray:
    """Expected share of the top ``k`` each row gets when equal scores are ordered at random
    (the engine breaks ties by id; ids here are hashes, so this is the same on average without
    the noise of one draw). Removed rows (-inf) get nothing."""
    out = np.zeros(len(s))
    left = k
    for value in sorted(set(s[np.isfinite(s)].tolist()), reverse=True):
        if left <= 0:
            break
        tied = np.flatnonzero(s == value)
        take = min(left, len(tied))
        out[tied] = take / len(tied)
        left -= take
    return out


def selection(engine, queries, group_of: dict[str, str], options, tops=TOPS) -> dict:
    """Selection rate per group at each k, the ratio to the best group, and the factor behind each gap."""
    from matcher.matching.scoring import score_pairs

    picked = {k: defaultdict(float) for k in tops}
    members: dict[str, int] = defaultdict(int)
    logs: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for v, ids in queries:
        f, all_ids = engine.candidate_pool_features(v, options)
        scored = score_pairs(f, options)
        pos = {pid: i for i, pid in enumerate(all_ids)}
        rows = np.array([pos[i] for i in ids])
        s = np.where(scored.keep[rows], np.round(scored.score[rows], 9), -np.inf)
        for g in (group_of[i] for i in ids):
            members[g] += 1
        for k in tops:
            for j, share in enumerate(_expected_picks(s, k)):
                picked[k][group_of[ids[j]]] += share
        for name, arr in _factor_logs(scored, rows, options).items():
            for j, pid in enumerate(ids):
                logs[group_of[pid]][name].append(float(arr[j]))
    out: dict = {}
    for k in tops:
        rates = {g: picked[k][g] / members[g] for g in GROUPS if members[g]}
        best = max(rates.values(), default=0.0)
        best_g = max(rates, key=rates.get) if rates else None
        groups = {}
        for g, r in rates.items():
            ratio = r / best if best else None
            item = {"selection_rate": round(r, 4), "ratio": None if ratio is None else round(ratio, 4)}
            if ratio is not None and ratio < FOUR_FIFTHS and best_g:
                diffs = {n: float(np.mean(logs[g][n]) - np.mean(logs[best_g][n])) for n in logs[g] if logs[best_g].get(n)}
                cause = min(diffs, key=diffs.get) if diffs else None
                item["cause"] = cause if cause and diffs[cause] < -1e-6 else None
                item["cause_mean_log_effect_gap"] = round(diffs[cause], 4) if cause else None
            groups[g] = item
        out[f"top{k}"] = {"groups": groups, "min_ratio": min((x["ratio"] for x in groups.values() if x["ratio"] is not None),
                                                            default=None), "best_group": best_g}
    out["mean_effects"] = {g: {n: round(float(np.mean(vals)), 4) for n, vals in sorted(d.items())} for g, d in logs.items()}
    return out


def run_proxy_fairness(tax, near, vacancies, *, extractor=None, n_vacancies: int = N_VACANCIES,
                       per_group: int = PER_GROUP, seed: int = SEED, variants: dict | None = None,
                       progress: bool = False) -> dict:
    """See the module docstring. ``variants``: name -> MatchOptions to compare (default: the
    default options, language off, distance off, language hard)."""
    from indexer.storage.sqlite import SqliteVacancyRepository
    from matcher.matching.engine import MatchEngine
    from matcher.matching.factors import MatchOptions

    rng = random.Random(seed)
    usable = [v for v in vacancies if v.competences]
    chosen = sorted(rng.sample(usable, min(n_vacancies, len(usable))), key=lambda v: v.id)
    cache: dict = {}
    passthrough: dict[str, dict[str, int]] = {g: defaultdict(int) for g in GROUPS}
    people, group_of, queries = [], {}, []
    it = chosen
    if progress:
        from tqdm import tqdm
        it = tqdm(chosen, desc="proxy-eerlijkheid: cohorten", unit="vac")
    for v in it:
        ps, gs = _cohort(v, tax, extractor, seed, per_group, cache, passthrough)
        people += ps
        group_of.update(gs)
        queries.append((v, [p.id for p in ps]))
    repo = SqliteVacancyRepository(":memory:")
    repo.upsert_vacancies([copy.deepcopy(v) for v in chosen])
    repo.upsert_portfolios(people)
    engine = MatchEngine(tax, repo, near, cache_dir=None)
    engine.ensure_built()
    variants = variants or {"default": MatchOptions(), "language_off": MatchOptions.with_constraints(off=["language"]),
                            "distance_off": MatchOptions.with_constraints(off=["distance"]),
                            "language_and_distance_off": MatchOptions.with_constraints(off=["language", "distance"]),
                            "language_hard": MatchOptions.with_constraints(hard=["language"])}
    with_lang = sum(1 for v in chosen if v.languages)
    res = {"vacancies": len(chosen), "vacancies_asking_a_language": with_lang, "per_group": per_group,
           "people": len(people), "extractor": extractor is not None, "seed": seed,
           "groups": {g: {"dutch": s["nl"], "places": s["places"], "gap_share": s["gap"]} for g, s in GROUPS.items()},
           "passthrough": {g: dict(sorted(d.items(), key=lambda x: -x[1])[:10]) for g, d in passthrough.items()},
           "career_gap_read_by_a_factor": False}
    for name, opts in variants.items():
        res[name] = selection(engine, queries, group_of, opts)
    # does a career gap move any score? same group, with and without gap
    res["career_gap_score_effect"] = _gap_effect(engine, queries, group_of)
    return res


def _gap_effect(engine, queries, group_of) -> float | None:
    """Max |score difference| between a person's stored record and the same record with the gap
    evidence dates removed (0.0 = no factor reads dates)."""
    worst = 0.0
    n = 0
    for _, ids in queries[:5]:
        for p in engine.repo.get_portfolios(ids[:10]):
            if not p.extra.get("career_gap"):
                continue
            q = copy.deepcopy(p)
            for c in q.competences:
                for e in c.evidence:
                    e.date = "2024-01-01"
            got = engine.score_all_vacancies(q)
            mine = engine.score_all_vacancies(p)
            worst = max([worst] + [abs(got[k] - mine[k]) for k in mine if not (math.isnan(mine[k]) or math.isnan(got[k]))])
            n += 1
    return round(worst, 6) if n else None
