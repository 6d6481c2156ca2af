"""The independent relevance benchmark: jobseeker texts, pooled vacancies, judged by written rules.

Unlike the synthetic matching benchmark (:mod:`eval.matching_bench`, a regression check only:
its queries and vacancies come from the same profiles), the queries here are the 40 hand-written
jobseeker texts of ``data/gold/extraction/cv-*.json``, run through the product's extractor, and
relevance comes from ``data/gold/relevance``:

* ``targets.json`` — per person, the Competent occupations a counsellor calls a good fit (2) or
  acceptable (1), read from the person's text alone (``GUIDE.md``);
* ``judgments.jsonl`` — one line per judged (person, vacancy): the grade by the guide's rules
  from the person's targets and the vacancy's title and occupation (never a system score), the
  rule that gave it, and the commit the pool was built on.

Pools are the union of every system's top :data:`POOL_DEPTH` (product default, each ablation,
random), judged once; a later run judges only vacancies not judged yet. Reported per system:
nDCG@10 (gain = grade) and P@5 (grade >= 1), next to an oracle (the best ordering of the judged
pool) and the random bound.
"""
from __future__ import annotations

import json
import math
import random
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eval.extract_gold import split_of
from matcher.matching.factors import MatchOptions

POOL_DEPTH = 20
K_NDCG, K_P = 10, 5
GOLD = Path(__file__).resolve().parent.parent / "data" / "gold"


def commit_of(repo: Path | None = None) -> str:
    """The git commit the figures are measured on ("unknown" outside a checkout); '+dirty' when edited."""
    root = repo or Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass
class Person:
    id: str
    text: str
    good: list[str]
    acceptable: list[str]


def load_persons(gold: Path = GOLD) -> list[Person]:
    targets = json.loads((gold / "relevance" / "targets.json").read_text(encoding="utf-8"))["persons"]
    out = []
    for path in sorted((gold / "extraction").glob("cv-*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        t = targets.get(doc["id"])
        if t is None:
            raise ValueError(f"{doc['id']} heeft geen doelberoepen in data/gold/relevance/targets.json")
        out.append(Person(doc["id"], doc["text"], list(t["good"]), list(t["acceptable"])))
    return out


def judge(person: Person, occupations: list[str], to_competent: Callable[[str], str]) -> tuple[int, str]:
    """The guide's rules R1-R3: the grade of one vacancy (its occupation codes) for one person."""
    codes = [to_competent(c) for c in occupations]
    if any(c in person.good for c in codes):
        return 2, "R1 beroep van de persoon"
    if any(c in person.acceptable for c in codes):
        return 1, "R2 aanvaardbaar verwant beroep"
    return 0, "R3 ander beroep"


# ---------------------------------------------------------------------- systems
def _options(**kw) -> MatchOptions:
    return MatchOptions(**kw)


#: The product default and its ablations, as match options (``dense`` and ``random`` are retrievers).
OPTION_SYSTEMS: dict[str, Callable[[], MatchOptions]] = {
    "product": MatchOptions,
    "coverage_only": lambda: _options(affinity_weight=0.0, similarity_weight=0.0, shortage_boost=False,
                                      constraints={c: "off" for c in MatchOptions().constraints}),
    "no_boost": lambda: _options(shortage_boost=False),
    # the dev-best weights, given up for fairness (see matcher/matching/factors/similarity.py)
    "with_similarity": lambda: _options(coverage_weight=0.4, similarity_weight=0.1, affinity_weight=0.5),
}
SYSTEMS: tuple[str, ...] = ("product", "dense_only", "coverage_only", "no_boost", "with_similarity", "random")


def ranked(system: str, portfolio, engine, vindex, k: int, seed: int = 0,
           variants: dict[str, MatchOptions] | None = None) -> list[str]:
    """Top ``k`` vacancy ids of one system for one person; ``variants``: extra systems by their
    match options (what ``cmatch eval relevance sweep`` compares, see :func:`sweep_variants`)."""
    opts = (variants or {}).get(system)
    if opts is None and system in OPTION_SYSTEMS:
        opts = OPTION_SYSTEMS[system]()
    if opts is not None:
        res = engine.match_vacancies(portfolio, top=k, options=opts, explain=False, record_exposure=False)
        return [r.vacancy["id"] for r in res.results]
    if system == "dense_only":
        return [vid for vid, _ in vindex.search_portfolio(portfolio, k=k)] if vindex is not None else []
    if system == "random":
        engine.ensure_built()
        ids = list(engine.vac.ids)
        return random.Random(f"{seed}:{portfolio.id}").sample(ids, min(k, len(ids)))
    raise ValueError(f"onbekend systeem '{system}'; kies uit {', '.join(SYSTEMS)}")


# ---------------------------------------------------------------------- metrics
def ndcg(grades: list[int], ideal: list[int], k: int = K_NDCG) -> float:
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades[:k]))
    best = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(ideal, reverse=True)[:k]))
    return dcg / best if best > 0 else 0.0


def precision(grades: list[int], k: int = K_P) -> float:
    return sum(1 for g in grades[:k] if g >= 1) / k


@dataclass
class SystemScore:
    system: str
    ndcg10: float
    p5: float
    unjudged_in_top10: int
    persons: int
    #: the same figures on the dev split and on the held-out split (every 3rd text, as in
    #: :func:`eval.extract_gold.split_of`); defaults are chosen on ``dev`` only
    splits: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class RelevanceReport:
    commit: str
    pool_commit: str
    persons: int
    judged: int
    systems: list[SystemScore]
    oracle: dict[str, float]
    random_bound: dict[str, float]
    per_person: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def read_judgments(path: Path) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                out[(j["person"], j["vacancy"])] = j
    return out


def portfolios_from_texts(persons: list[Person], resolver, extractor) -> dict[str, object]:
    """Each text through the product's extractor (``CompetenceExtractor.extract``), as a portfolio."""
    from matcher.ingest import portfolio_from_input

    out = {}
    for p in persons:
        portfolio, errors = portfolio_from_input({"id": p.id, "cv_text": p.text}, resolver, extractor)
        if portfolio is None:
            raise ValueError(f"{p.id}: {'; '.join(errors)}")
        out[p.id] = portfolio
    return out


def build_pool(persons: list[Person], portfolios: dict, engine, vindex, repo, judgments_path: Path,
               depth: int = POOL_DEPTH, progress: bool = False,
               variants: dict[str, MatchOptions] | None = None) -> dict[str, int]:
    """Pool every system's top ``depth`` per person (and each variant's); judge what is not judged
    yet; append to the file."""
    done = read_judgments(judgments_path)
    commit = commit_of()
    tax = engine.tax
    new = []
    items = persons
    if progress:
        from tqdm import tqdm

        items = tqdm(persons, desc="Pools beoordelen", unit="persoon")
    for p in items:
        pool: list[str] = []
        for system in (*SYSTEMS, *(variants or {})):
            for vid in ranked(system, portfolios[p.id], engine, vindex, depth, variants=variants):
                if vid not in pool:
                    pool.append(vid)
        todo = [v for v in pool if (p.id, v) not in done]
        for v in repo.get_vacancies(todo):
            grade, rule = judge(p, list(v.occupation_codes), tax.competent_occupation)
            j = {"person": p.id, "vacancy": v.id, "grade": grade, "rule": rule, "title": v.title,
                 "occupations": list(v.occupation_codes), "pool_commit": commit}
            done[(p.id, v.id)] = j
            new.append(j)
    judgments_path.parent.mkdir(parents=True, exist_ok=True)
    with open(judgments_path, "a", encoding="utf-8") as fh:
        for j in new:
            fh.write(json.dumps(j, ensure_ascii=False) + "\n")
    return {"judged_now": len(new), "judged_total": len(done)}


def evaluate(persons: list[Person], portfolios: dict, engine, vindex, judgments_path: Path,
             variants: dict[str, MatchOptions] | None = None) -> RelevanceReport:
    judged = read_judgments(judgments_path)
    by_person: dict[str, dict[str, int]] = {}
    for (pid, vid), j in judged.items():
        by_person.setdefault(pid, {})[vid] = int(j["grade"])
    scores, per_person = [], {}
    oracle_n, oracle_p, rand_n, rand_p = [], [], [], []
    for system in (*SYSTEMS, *(variants or {})):
        n_list, p_list, unjudged = [], [], 0
        for p in persons:
            grades_of = by_person.get(p.id, {})
            top = ranked(system, portfolios[p.id], engine, vindex, K_NDCG, variants=variants)
            unjudged += sum(1 for v in top if v not in grades_of)
            grades = [grades_of.get(v, 0) for v in top]
            ideal = list(grades_of.values())
            n_list.append(ndcg(grades, ideal))
            p_list.append(precision(grades))
            per_person.setdefault(p.id, {})[system] = {"ndcg10": round(n_list[-1], 4), "p5": round(p_list[-1], 4)}
        splits = {}
        for name in ("dev", "holdout"):
            rows = [i for i in range(len(persons)) if split_of(i) == name]
            if rows:
                splits[name] = {"ndcg10": round(sum(n_list[i] for i in rows) / len(rows), 4),
                                "p5": round(sum(p_list[i] for i in rows) / len(rows), 4), "persons": len(rows)}
        scores.append(SystemScore(system, round(sum(n_list) / len(n_list), 4), round(sum(p_list) / len(p_list), 4),
                                  unjudged, len(persons), splits))
    for p in persons:
        ideal = sorted(by_person.get(p.id, {}).values(), reverse=True)
        oracle_n.append(1.0 if any(ideal) else 0.0)
        oracle_p.append(precision(ideal))
        # random bound: the expected grade of a random vacancy of the whole set at every rank
        total = max(1, engine.vac.n)
        mean_gain = sum(ideal) / total
        share_rel = sum(1 for g in ideal if g >= 1) / total
        best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:K_NDCG]))
        rand_n.append(mean_gain * sum(1 / math.log2(i + 2) for i in range(K_NDCG)) / best if best else 0.0)
        rand_p.append(share_rel)
    pool_commits = sorted({j["pool_commit"] for j in judged.values()})
    return RelevanceReport(commit_of(), ",".join(pool_commits), len(persons), len(judged), scores,
                           {"ndcg10": round(sum(oracle_n) / len(persons), 4), "p5": round(sum(oracle_p) / len(persons), 4)},
                           {"ndcg10": round(sum(rand_n) / len(persons), 4), "p5": round(sum(rand_p) / len(persons), 4)},
                           per_person)


def sweep_variants(option: str, values: list[float]) -> dict[str, MatchOptions]:
    """One variant of the product default per value of one option (``similarity_weight=0.2``, …)."""
    return {f"{option}={v:g}": MatchOptions(**{option: v}) for v in values}
