"""``cmatch eval all``: metrics, baseline comparison, matching benchmark, fairness, and a tiny
end-to-end run on the miniature (never the dev sets or the real synthetic store)."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from eval import matching_bench as mb
from eval import report
from eval.fairness_eval import run_fairness

from tests.match_helpers import portfolios, vacancies, world

FIX = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "eval"


# ---------------------------------------------------------------------- metrics
def test_graded_metrics() -> None:
    assert mb.ndcg_at_k([3, 2, 0], [3, 2, 0, 0]) == pytest.approx(1.0)
    worse = mb.ndcg_at_k([0, 2, 3], [3, 2, 0, 0])
    assert 0 < worse < 1
    assert mb.ndcg_at_k([0, 0], [0, 0, 0]) == 0.0
    assert mb.reciprocal_rank([1, 2, 3, 3]) == pytest.approx(1 / 3)
    assert mb.reciprocal_rank([2, 1]) == 0.0
    assert mb.capped_recall([3, 0, 3], n_relevant=4, k=50) == pytest.approx(0.5)
    assert mb.capped_recall([3] * 50, n_relevant=80, k=50) == pytest.approx(1.0)


def test_grade_by_occupation_and_isco() -> None:
    isco = {"A": "8344", "B": "8344", "C": "8341", "D": "2221"}
    assert mb.grade("A", "A", isco) == 3
    assert mb.grade("A", "B", isco) == 2
    assert mb.grade("A", "C", isco) == 1
    assert mb.grade("A", "D", isco) == 0
    assert mb.grade("A", "X", isco) == 0


# ---------------------------------------------------------------------- report / baseline
def _results(ndcg: float, p50: float) -> dict:
    return {"meta": {"commit": "abc", "seconds_total": 100.0},
            "matching": {"systems": {"hybrid": {"ndcg_10": ndcg, "mrr": 0.5, "recall_50": 0.4}}, "n_queries": 10},
            "fairness": {"counterfactual": {"invariance_rate": 1.0, "variants": 34},
                         "exposure": {"diploma_less_mean_rank_diff": 0.0, "groups": {"age": {"exposure_share": {"22": 0.3}}}}},
            "speed": {"match_20k": {"p50_ms": p50, "p95_ms": 20.0, "queries": 200},
                      "index_build_20k": {"vacancies_per_s": 1000.0, "seconds": 20.0}}}


def test_direction_of_figures() -> None:
    assert report.direction("matching.systems.hybrid.ndcg_10") == 1
    assert report.direction("extraction.melo.x.success_10") == 1
    assert report.direction("speed.match_20k.p95_ms") == -1
    assert report.direction("speed.index_build_20k.vacancies_per_s") == 1
    assert report.direction("speed.rss_mb_200k") == -1
    assert report.direction("matching.n_queries") == 0
    assert report.direction("fairness.exposure.groups.age.exposure_share.22") == 0
    assert report.direction("speed.match_20k.queries") == 0


def test_baseline_marks_every_worse_figure(tmp_path: Path) -> None:
    base = _results(0.60, 10.0)
    cur = _results(0.59, 10.5)           # quality down (any amount), speed within 10 %
    cmp_ = report.compare(cur, base)
    assert [w["figure"] for w in cmp_["worse"]] == ["matching.systems.hybrid.ndcg_10"]
    cur = _results(0.61, 12.0)           # quality up, p50 20 % slower
    cmp_ = report.compare(cur, base)
    assert [w["figure"] for w in cmp_["worse"]] == ["speed.match_20k.p50_ms"]
    assert "matching.systems.hybrid.ndcg_10" in [b["figure"] for b in cmp_["better"]]
    (tmp_path / "base.json").write_text(json.dumps(base))
    out = report.write_report(_results(0.5, 10.0), {"match_20k": [1.0, 2.0, 3.0]}, tmp_path / "r",
                              tmp_path / "base.json")
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert report.WORSE in md and "0.5" in md
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert [w["figure"] for w in saved["comparison"]["worse"]] == ["matching.systems.hybrid.ndcg_10"]
    assert out["plots"] == ["quality.png", "latency.png", "breakdown.png"]
    for name in out["plots"]:
        assert (tmp_path / "r" / name).stat().st_size > 1000


# ---------------------------------------------------------------------- matching bench on the handmade world
def _fake_store(tax):
    def profile(code):
        return [SimpleNamespace(competence_id=e.competence_id, importance=e.importance, weight=e.weight)
                for e in tax.profiles.get(code, [])]

    return SimpleNamespace(profile=profile, esco_for_competent=lambda code: [], occupation=lambda uri: None)


def test_matching_bench_is_deterministic_and_has_every_system() -> None:
    tax, repo, engine = world()
    vacs = list(repo.iter_vacancies())
    r1 = mb.run_matching_bench(engine, _fake_store(tax), tax, vacs, n_queries=8, min_vacancies=1)
    r2 = mb.run_matching_bench(engine, _fake_store(tax), tax, vacs, n_queries=8, min_vacancies=1)
    r1.pop("_queries"), r2.pop("_queries")
    r1.pop("seconds"), r2.pop("seconds")
    assert r1 == r2
    assert set(r1["systems"]) == {"hybrid", "no_shortage_boost", "lexical_only"}  # no label index: no dense
    for s in r1["systems"].values():
        assert 0.0 <= s["ndcg_10"] <= 1.0 and 0.0 <= s["mrr"] <= 1.0
    assert r1["systems"]["hybrid"]["mrr"] > 0.5       # the own occupation's vacancy is found


def test_queries_are_perturbed_profiles() -> None:
    tax, _, _ = world()
    qs = mb.build_queries(_fake_store(tax), tax, ["OP-1", "OP-2"], {}, None, n=6, seed=1)
    assert len(qs) == 6 and {q.occupation for q in qs} == {"OP-1", "OP-2"}
    for q in qs:
        assert q.competences and q.log["start"] >= len(q.competences) - q.log["added"] - q.log["reworded"]
    assert [q.competences for q in qs] == [q.competences for q in
                                           mb.build_queries(_fake_store(tax), tax, ["OP-1", "OP-2"], {}, None, n=6, seed=1)]


def test_fairness_on_handmade_world() -> None:
    tax, _, engine = world()
    vacs = vacancies()
    vacs[1].diplomas = ["bachelordiploma"]
    r = run_fairness(engine, tax, vacs, portfolios(), n_counterfactual=2, n_bases=3)
    assert r["counterfactual"]["invariance_rate"] == 1.0
    assert r["counterfactual"]["variants"] > 20
    ex = r["exposure"]
    assert ex["identical_score_rate"] == 1.0
    assert ex["clones"] == 24 * ex["bases"]
    if ex["diploma_vacancies"]:
        assert ex["diploma_less_rank_equal_rate"] == 1.0 and ex["diploma_less_mean_rank_diff"] == 0.0


# ---------------------------------------------------------------------- end to end on the miniature
def _bench_dir(root: Path) -> Path:
    (root / "melo-nld-dev").mkdir(parents=True)
    shutil.copytree(FIX / "melo_tiny", root / "melo-nld-dev" / "melo_tiny")
    (root / "skill-extraction-dev").mkdir()
    shutil.copyfile(FIX / "skills_tiny.csv", root / "skill-extraction-dev" / "tiny_validation_annotations.csv")
    shutil.copyfile(FIX / "skills_tiny_labels.txt", root / "skill-extraction-dev" / "skills_en_label.txt")
    (root / "jobbert-dev").mkdir()
    shutil.copyfile(FIX / "jobbert_tiny.csv.gz", root / "jobbert-dev" / "titles.csv.gz")
    return root


def _mini_repo(tax):
    """A few synthetic vacancies and portfolios per miniature occupation (seeded)."""
    from indexer.storage.sqlite import SqliteVacancyRepository
    from indexer.domain import LanguageSkill, Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence
    from matcher.geo import locate

    rng = random.Random(3)
    vs, ps = [], []
    places = ["9000", "2000", "3500", "8000", "1000"]
    for code in sorted(tax.profiles):
        items = tax.profiles[code]
        for i in range(4):
            chosen = [e for e in items if rng.random() < 0.8] or items[:1]
            vs.append(Vacancy(f"SYN-V-{code}-{i}", f"{tax.occupation_label(code)} (m/v/x)", occupation_codes=[code],
                              competences=[VacancyCompetence(e.competence_id, e.importance) for e in chosen],
                              location=locate(postcode=rng.choice(places)), languages=[LanguageSkill("nl", "B1")],
                              diplomas=["bachelordiploma"] if i % 2 else [], synthetic=True))
        ps.append(Portfolio(f"SYN-P-{code}", [PortfolioCompetence(e.competence_id) for e in items[:2]], [code],
                            locate(postcode=rng.choice(places)), 40.0, languages=[LanguageSkill("nl", "C2")],
                            personal={"name": "Test (fictief)", "diploma": "geen"}, synthetic=True))
    repo = SqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(vs)
    repo.upsert_portfolios(ps)
    return repo


def test_run_extraction_finds_every_dev_set(tmp_path: Path, monkeypatch) -> None:
    """Directory discovery and the JobBERT subsample (the evaluations themselves are tested with
    their modules)."""
    import eval.jobbert
    import eval.melo
    import eval.skills
    from eval.all import run_extraction
    from eval.readers import read_jobbert

    seen = {}
    monkeypatch.setattr(eval.melo, "evaluate_melo", lambda folder, svc, expand: {"mrr": 0.5, "expand": expand})
    monkeypatch.setattr(eval.skills, "evaluate_skills", lambda ann, labels, svc: {"rp_5": 50.0, "file": ann.name})
    monkeypatch.setattr(eval.jobbert, "evaluate_jobbert",
                        lambda path, svc: {"mrr": 0.1, "n_queries": len(read_jobbert(path))})
    errors: dict = {}
    res = run_extraction(None, _bench_dir(tmp_path / "bench"), tmp_path / "out", jobbert_sample=2, errors=errors)
    assert not errors
    assert set(res) == {"melo.melo_tiny", "melo.melo_tiny.with_esco_label_lookup", "skills.tiny", "jobbert"}
    assert res["melo.melo_tiny"]["expand"] is False           # the headline: no regrouping by ESCO concept
    assert res["melo.melo_tiny.with_esco_label_lookup"]["expand"] is True
    assert res["jobbert"]["n_queries"] == 2 and res["jobbert"]["sample"] == 2


def test_eval_all_end_to_end_on_miniature(mini_services, tmp_path: Path) -> None:
    from eval.all import evaluate_all

    repo = _mini_repo(mini_services.match_taxonomy)
    kw = dict(skip={"extraction"}, repo=repo, n_queries=10, min_vacancies=1, replicas=2, fairness_sizes=(2, 2),
              speed_kw={"extract_runs": 0, "queries": 4, "queries_large": 4})
    r1 = evaluate_all(mini_services, tmp_path / "a", **kw)
    assert not r1["errors"], r1["errors"]
    for name in ("report.md", "results.json", "latencies.json", "quality.png", "latency.png", "breakdown.png"):
        assert (tmp_path / "a" / name).exists(), name
    assert r1["matching"]["systems"]["hybrid"]["ndcg_10"] > 0
    assert r1["fairness"]["counterfactual"]["invariance_rate"] == 1.0
    sp = r1["speed"]
    assert sp["match_200k"]["n_vacancies"] == 2 * sp["match_20k"]["n_vacancies"]
    assert sp["match_20k"]["queries"] > 0 and sp["match_20k"]["p95_ms"] >= sp["match_20k"]["p50_ms"]
    kw["skip"] = {"extraction", "speed"}
    r2 = evaluate_all(mini_services, tmp_path / "b", baseline=tmp_path / "a" / "results.json", **kw)
    quality = lambda r: {k: v for k, v in report.flatten(r).items()  # noqa: E731
                         if report.direction(k) and not report.is_speed(k)}
    assert quality(r2) == quality(r1)
    # timings (meta.seconds_total) may move on a shared machine; no quality figure may be marked worse
    assert [w for w in r2["comparison"]["worse"] if not report.is_speed(w["figure"])] == []
    assert "basislijn" in (tmp_path / "b" / "report.md").read_text(encoding="utf-8")
