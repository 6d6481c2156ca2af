"""Matching engine on a hand-written miniature: coverage, near credit, constraints, shortage boost,
both directions, evidence, gaps, orientation, geo."""
from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pytest

from indexer.domain import Portfolio
from matcher.matching.factors import ENGINE_FEATURES, MatchOptions, PairFeatures, Pairs, all_factors
from matcher.geo import distance_km, locate, province_of
from matcher.orientation import Orientation

from tests.match_helpers import ESCO_H, near_table, pc, portfolios, vacancies, world


@pytest.fixture()
def mini():
    return world()


def by_id(res):
    return {(r.vacancy["id"] if res.direction == "vacancies" else r.candidate["id"]): r for r in res.results}


def factor(result, name):
    return next(line for line in result.breakdown if line.factor == name)


def test_every_factor_in_every_breakdown(mini):
    _, _, engine = mini
    res = engine.match_vacancies(portfolios()[0], top=10)
    names = [f.name for f in all_factors()]
    assert {"coverage", "affinity", "constraints", "shortage_boost", "exposure"} <= set(names)
    for r in res.results:
        assert [line.factor for line in r.breakdown] == names
        assert all(line.explanation for line in r.breakdown)


def test_score_is_additive_times_multipliers(mini):
    _, _, engine = mini
    for r in engine.match_vacancies(portfolios()[0], top=10).results:
        add = sum(l.effect for l in r.breakdown if l.kind == "additive")
        mult = math.prod(l.effect for l in r.breakdown if l.kind == "multiplier")
        assert r.score == pytest.approx(add * mult, abs=1e-3)


def test_near_competence_gets_partial_credit_with_evidence(mini):
    _, _, engine = mini
    r = by_id(engine.match_vacancies(portfolios()[0], top=10))["V1"]
    m = {x.competence_id: x for x in r.matched}
    assert m["SK-L"].match == "exact" and m["SK-L"].credit == 1.0
    near = m["SK-R"]  # reachtruck asked, heftruck held
    assert near.match == "near" and 0 < near.credit < 1
    assert near.via["competence_id"] == "SK-H"
    assert near.portfolio_evidence[0].source == "experience_certificate"   # evidence, person's side
    assert near.vacancy_evidence[0].source == "vacancy_text"               # evidence, vacancy's side
    cov = factor(r, "coverage").value
    assert cov == pytest.approx((1.0 + 0.75 + 0) / (1 + 1 + 0.35), abs=1e-4)


def test_crosswalk_equivalent_counts_fully(mini):
    _, _, engine = mini
    p = Portfolio("PX", [pc("SK-L"), pc(ESCO_H)], location=locate(postcode="2000"))
    r = by_id(engine.match_vacancies(p, top=10))["V2"]
    m = {x.competence_id: x for x in r.matched}
    assert m["SK-H"].match == "equivalent" and m["SK-H"].credit == 1.0


def test_gaps_ordered_by_importance_with_openings(mini):
    _, _, engine = mini
    p = Portfolio("PG", [pc("SK-L")], location=locate(postcode="2000"))
    r = by_id(engine.match_vacancies(p, top=10))["V2"]
    assert [g.competence_id for g in r.gaps] == ["SK-V", "SK-H"]          # essential before optional
    assert r.gaps[0].opens_vacancies >= 1                                # learning SK-V opens V2 at least
    assert all(g.opens_vacancies is not None for g in r.gaps)


def test_diploma_shown_never_enforced(mini):
    _, repo, engine = mini
    v1 = repo.get_vacancy("V1")
    no_diploma = dataclasses.replace(v1, id="V1b", diplomas=[])
    repo.upsert_vacancies([no_diploma])
    scores = engine.score_all_vacancies(portfolios()[0])
    assert scores["V1"] == scores["V1b"]
    r = by_id(engine.match_vacancies(portfolios()[0], top=10))["V1"]
    assert r.diplomas_requested and r.diplomas_requested[0]["enforced"] is False


# ------------------------------------------------------------------ constraints
def test_soft_constraint_penalises_hard_filters_off_ignores(mini):
    _, _, engine = mini
    p = portfolios()[0]          # Gent, max 30 km; V2 is in Antwerpen (~50 km) and in shifts
    soft = by_id(engine.match_vacancies(p, top=10, options=MatchOptions.with_constraints("soft")))
    assert "V2" in soft
    c = factor(soft["V2"], "constraints")
    assert c.effect < 1
    broken = {x["constraint"] for x in c.details["constraints"] if not x["met"]}
    assert broken == {"distance", "regime"}
    hard = engine.match_vacancies(p, top=10, options=MatchOptions.with_constraints("soft", hard=["distance"]))
    assert "V2" not in by_id(hard) and hard.removed_by_hard_constraints >= 1
    off = by_id(engine.match_vacancies(p, top=10, options=MatchOptions.with_constraints("off")))
    assert factor(off["V2"], "constraints").effect == 1.0
    assert off["V2"].score > soft["V2"].score


def test_hard_regime_and_licence(mini):
    _, _, engine = mini
    p = dataclasses.replace(portfolios()[0], driving_licences=[], max_distance_km=None)
    soft = by_id(engine.match_vacancies(p, top=10))
    assert factor(soft["V1"], "constraints").effect == pytest.approx(0.8)   # licence B missing
    hard = by_id(engine.match_vacancies(p, top=10, options=MatchOptions.with_constraints("soft", hard=["licence", "regime"])))
    assert "V1" not in hard and "V2" not in hard


def test_unknown_data_is_never_a_violation(mini):
    _, _, engine = mini
    p = Portfolio("PU", [pc("SK-L"), pc("SK-V")])   # no location, no regimes, no languages stated
    res = engine.match_vacancies(p, top=10, options=MatchOptions.with_constraints("hard", off=["language", "licence"]))
    assert {"V2"} <= set(by_id(res))


def test_unknown_constraint_name_is_an_error():
    with pytest.raises(ValueError):
        MatchOptions.with_constraints("soft", hard=["leeftijd"])


# ------------------------------------------------------------------ shortage boost
def test_shortage_boost_on_off(mini):
    _, _, engine = mini
    p = dataclasses.replace(portfolios()[0], preferred_occupations=[])   # neutral affinity for V1 and V5
    on = by_id(engine.match_vacancies(p, top=10))
    assert factor(on["V1"], "shortage_boost").effect == pytest.approx(1.10)
    assert factor(on["V5"], "shortage_boost").effect == 1.0
    assert on["V1"].score == pytest.approx(on["V5"].score * 1.10, rel=1e-3)
    off = by_id(engine.match_vacancies(p, top=10, options=MatchOptions(shortage_boost=False)))
    assert off["V1"].score == pytest.approx(off["V5"].score, rel=1e-9)
    line = factor(off["V1"], "shortage_boost")
    assert line.effect == 1.0 and "uitgeschakeld" in line.explanation   # still visible when off


# ------------------------------------------------------------------ both directions
def test_same_score_in_both_directions(mini):
    _, _, engine = mini
    for p in portfolios():
        forward = engine.score_all_vacancies(p)
        for v in vacancies():
            backward = engine.score_all_candidates(v)
            assert forward[v.id] == pytest.approx(backward[p.id], abs=1e-12), (p.id, v.id)


def test_candidates_anonymised_by_default(mini):
    _, _, engine = mini
    res = engine.match_candidates("V1", top=5)
    assert res.results
    for r in res.results:
        assert r.candidate["anonymised"] is True
        assert r.candidate["id"].startswith("K-") and "personal" not in r.candidate
        assert "Peeters" not in str(r.candidate)
    revealed = engine.match_candidates("V1", top=5, anonymise=False)
    assert revealed.results[0].candidate["id"] == "P1" and "personal" in revealed.results[0].candidate


def test_candidates_unknown_vacancy(mini):
    _, _, engine = mini
    with pytest.raises(KeyError):
        engine.match_candidates("nope")


def test_index_reloads_after_import(mini):
    _, repo, engine = mini
    engine.match_vacancies(portfolios()[0], top=3)
    new = dataclasses.replace(vacancies()[0], id="V9")
    repo.upsert_vacancies([new])
    assert "V9" in engine.score_all_vacancies(portfolios()[0])


def test_features_have_no_personal_columns(mini):
    _, _, engine = mini
    f, _ = engine.candidate_pool_features(vacancies()[0])
    assert isinstance(f, PairFeatures) and set(ENGINE_FEATURES) <= set(f.columns)
    encoded = {name for side in (engine.vac, engine.port) for cols in side.columns.values() for name in cols}
    personal = {"name", "age", "gender", "nationality", "diploma", "origin", "personal"}
    assert not (set(f.columns) | encoded) & personal


def test_factor_features_do_not_collide(mini):
    """Each factor adds its own feature names (a clash would silently overwrite another's)."""
    _, _, engine = mini
    engine.ensure_built()
    seen = set(ENGINE_FEATURES)
    pside = engine._portfolio_side(portfolios()[0])
    for fac in all_factors():
        pairs = Pairs(engine.vac.n, engine.vac.columns[fac.name], slice(None), pside.columns[fac.name],
                      np.array([0]), True, engine.ctx)
        names = set(fac.features(pairs))
        assert not names & seen, fac.name
        seen |= names


# ------------------------------------------------------------------ orientation
def test_orientation_ranks_own_occupation_first_and_marks_shortage(mini):
    _, _, engine = mini
    res = Orientation(engine).orient(portfolios()[0], top=4)
    first = res.results[0]
    assert first.code == "OP-1" and first.shortage is not None
    assert first.missing_essential == 0
    assert res.results == sorted(res.results, key=lambda r: -r.score)


def test_broader_orientation_other_sectors_with_max_missing(mini):
    _, _, engine = mini
    res = Orientation(engine).orient(portfolios()[0], top=10, broader=True, max_missing=1)
    assert res.mode == "broader"
    codes = [r.code for r in res.results]
    assert "OP-1" not in codes                                   # own sector excluded
    assert all(r.other_sector and r.missing_essential <= 1 for r in res.results)
    assert "OP-3" in codes                                       # lasser: has KN-V, misses only SK-S
    lasser = next(r for r in res.results if r.code == "OP-3")
    assert [g.competence_id for g in lasser.gaps] == ["SK-S"]


# ------------------------------------------------------------------ geo
@pytest.mark.parametrize("pc_,province,region", [
    ("1000", "Brussel", "Brussel"), ("1300", "Waals-Brabant", "Wallonië"), ("1500", "Vlaams-Brabant", "Vlaanderen"),
    ("2000", "Antwerpen", "Vlaanderen"), ("3000", "Vlaams-Brabant", "Vlaanderen"), ("3500", "Limburg", "Vlaanderen"),
    ("4000", "Luik", "Wallonië"), ("5000", "Namen", "Wallonië"), ("6000", "Henegouwen", "Wallonië"),
    ("6600", "Luxemburg", "Wallonië"), ("7000", "Henegouwen", "Wallonië"), ("8000", "West-Vlaanderen", "Vlaanderen"),
    ("9000", "Oost-Vlaanderen", "Vlaanderen"), ("0999", "", ""), ("abc", "", ""),
])
def test_postcode_ranges(pc_, province, region):
    assert province_of(pc_) == (province, region)


def test_locate_and_distance():
    gent, antwerpen = locate(postcode="9000"), locate(municipality="Antwerpen")
    assert antwerpen.postcode == "2000" and antwerpen.precision == "postcode"
    assert 45 < distance_km(gent, antwerpen) < 55
    near = locate(postcode="9051")
    assert near.precision == "nearby_postcode" and distance_km(gent, near) < 10
    assert locate(province="Limburg").precision == "province"
    assert distance_km(locate(), gent) is None


# ------------------------------------------------------------------ near table and caches
def test_near_table_from_label_vectors():
    import numpy as np

    from indexer.label_index import IndexSet, LabelIndex, LabelRef
    from matcher.matching.near import NearTable, credit_from_cosine, label_vectors_from_index
    from tests.match_helpers import taxonomy

    tax = taxonomy()
    rng = np.random.default_rng(0)
    ids = ["SK-H", "SK-R", "SK-L", "SK-S"]
    base = rng.normal(size=(4, 16))
    base[1] = base[0] + 0.12 * rng.normal(size=16)            # reachtruck close to heftruck
    vecs = base / np.linalg.norm(base, axis=1, keepdims=True)
    refs = [LabelRef(i, "nl", tax.label(i), "preferred") for i in ids]
    extra = LabelRef("SK-H", "en", "drive a forklift", "alternative")
    li = LabelIndex.build(np.vstack([vecs, vecs[:1] * -1]).astype("float32"), refs + [extra])
    idx = IndexSet("vtest", None, {}, li, li)
    got, order = label_vectors_from_index(idx, ids, tax.competence_labels)
    assert order == ids and np.allclose(got, vecs, atol=1e-6)          # preferred nl label chosen
    cos = float(vecs[0] @ vecs[1])
    table = NearTable.build(tax, ids, vectors=got, vector_ids=order)
    hit = table.lookup("SK-R").get("SK-H")
    assert hit is not None and hit.source == "embedding"
    assert hit.credit == pytest.approx(float(credit_from_cosine(cos)), abs=1e-3) and hit.credit <= 0.8
    assert "SK-S" not in table.lookup("SK-H")                          # unrelated: no credit


def test_engine_snapshot_cache(tmp_path):
    from matcher.matching.engine import MatchEngine
    from tests.match_helpers import near_table, taxonomy
    from indexer.storage.sqlite import SqliteVacancyRepository

    repo = SqliteVacancyRepository(tmp_path / "app.sqlite")
    repo.upsert_vacancies(vacancies())
    repo.upsert_portfolios(portfolios())
    a = MatchEngine(taxonomy(), repo, near_table(), cache_dir=tmp_path / "match")
    first = a.score_all_vacancies(portfolios()[0])
    assert list((tmp_path / "match").glob("engine-*.pkl"))
    b = MatchEngine(taxonomy(), repo, near_table(), cache_dir=tmp_path / "match")
    assert b.score_all_vacancies(portfolios()[0]) == first
    assert (a.last_build, b.last_build) == ("encoded", "snapshot")


def _same_scores(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all((math.isnan(x) and math.isnan(b[k])) or x == pytest.approx(b[k], abs=1e-9)
                                        for k, x in a.items())


def _writes(repo):
    """A vacancy changed, one added (a new language, a competence the taxonomy lacks), one deleted,
    a portfolio changed: what an update must encode without a full build."""
    v1, v4 = vacancies()[0], vacancies()[3]
    v1.competences = v1.competences[:1]
    v4 = dataclasses.replace(v4, id="V6", competences=v4.competences + [dataclasses.replace(
        v4.competences[0], competence_id="SK-ONBEKEND")], languages=[dataclasses.replace(v4.languages[0], code="pl")])
    repo.upsert_vacancies([v1, v4])
    repo.delete_vacancies(["V3"])
    p4 = portfolios()[3]
    p4.competences = p4.competences + [pc("SK-H")]
    repo.upsert_portfolios([p4])


def test_engine_update_encodes_only_what_changed(tmp_path):
    """A successor engine updates its predecessor's index (the one API writes keep current) and
    scores exactly as an engine that encodes everything; the predecessor keeps its own index."""
    from matcher.matching.engine import MatchEngine
    from tests.match_helpers import near_table, taxonomy
    from indexer.storage.sqlite import SqliteVacancyRepository

    repo = SqliteVacancyRepository(tmp_path / "app.sqlite")
    repo.upsert_vacancies(vacancies())
    repo.upsert_portfolios(portfolios())
    old = MatchEngine(taxonomy(), repo, near_table())
    old.ensure_built()
    old_ids, old_index = list(old.vac.ids), old._index
    _writes(repo)
    new = MatchEngine(taxonomy(), repo, base=old)
    fresh = MatchEngine(taxonomy(), repo, near_table())
    for person in portfolios():
        assert _same_scores(new.score_all_vacancies(person), fresh.score_all_vacancies(person))
    for vacancy in repo.iter_vacancies():
        assert _same_scores(new.score_all_candidates(vacancy), fresh.score_all_candidates(vacancy))
    assert (new.last_build, fresh.last_build) == ("updated", "encoded")
    assert sorted(new.vac.ids) == ["V1", "V2", "V4", "V5", "V6"] and "pl" in new.ctx.languages
    assert old.vac.ids == old_ids and old._index is old_index and "pl" not in old.ctx.languages
    old.repo = repo   # the old engine re-reading the store is brought up to date the same way
    old.ensure_built()
    assert old.last_build == "updated" and sorted(old.vac.ids) == sorted(new.vac.ids)
    old.ensure_built()
    assert old.last_build == "updated"          # same generation: nothing done at all


def test_engine_update_from_snapshot_after_restart(tmp_path):
    """A restart loads the last snapshot and re-encodes only what was written since."""
    from matcher.matching.engine import MatchEngine
    from tests.match_helpers import near_table, taxonomy
    from indexer.storage.sqlite import SqliteVacancyRepository

    repo = SqliteVacancyRepository(tmp_path / "app.sqlite")
    repo.upsert_vacancies(vacancies())
    repo.upsert_portfolios(portfolios())
    MatchEngine(taxonomy(), repo, near_table(), cache_dir=tmp_path / "match").ensure_built()
    _writes(repo)
    restarted = MatchEngine(taxonomy(), repo, near_table(), cache_dir=tmp_path / "match")
    fresh = MatchEngine(taxonomy(), repo, near_table())
    for person in portfolios():
        assert _same_scores(restarted.score_all_vacancies(person), fresh.score_all_vacancies(person))
    assert restarted.last_build == "snapshot" and len(list((tmp_path / "match").glob("engine-*.pkl"))) == 1
    # a deleted portfolio leaves the snapshot at once, however recent the last one
    repo.delete_portfolios(["P2"])
    restarted.repo = repo
    restarted.ensure_built()
    (snap,) = (tmp_path / "match").glob("engine-*.pkl")
    assert "P2" not in pickle.loads(snap.read_bytes()).port.ids
    # a store that changed wholesale is encoded again rather than patched row by row
    repo.delete_vacancies(repo.ids("vacancies"))
    again = MatchEngine(taxonomy(), repo, near_table(), cache_dir=tmp_path / "match")
    again.ensure_built()
    assert again.last_build == "encoded" and again.vac.n == 0


# ------------------------------------------------------------------ CLI end to end (real taxonomy)
@pytest.mark.slow
def test_cli_end_to_end(tmp_path, monkeypatch):
    import json
    import os
    from pathlib import Path

    from typer.testing import CliRunner

    from indexer.taxonomy.store import ensure_store
    from indexer.settings import get_settings

    real = get_settings()
    ensure_store(real, progress=False)
    (tmp_path / "store").mkdir()
    os.symlink(real.store_path, tmp_path / "store" / "taxonomy.sqlite")
    monkeypatch.setenv("CMATCH_VAR", str(tmp_path))
    monkeypatch.setenv("CMATCH_DATA", str(real.data_dir))
    from cmatch.cli import app

    runner = CliRunner()
    fixtures = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "match"

    def run(*args):
        res = runner.invoke(app, list(args))
        assert res.exit_code == 0, res.output
        return res.output

    # enough vacancies that a forklift driver finds work among them (400 of 638 occupations did not always)
    run("demo", "generate", "--vacancies", "1500", "--portfolios", "60", "--seed", "3")
    out = json.loads(run("match", "vacancies", "--portfolio", str(fixtures / "portfolio_heftruck.json"),
                         "--top", "10", "--json"))
    assert out["results"] and out["results"][0]["breakdown"][0]["factor"] == "coverage"
    assert all(r["vacancy"]["synthetic"] for r in out["results"])
    vid = out["results"][0]["vacancy"]["id"]
    cands = json.loads(run("match", "candidates", "--vacancy", vid, "--top", "10", "--json"))
    assert all(c["candidate"]["id"].startswith("K-") for c in cands["results"])
    orient = json.loads(run("orient", "--portfolio", str(fixtures / "portfolio_heftruck.json"), "--json"))
    assert orient["results"][0]["code"] in ("OP-388", "OP-389")
    check = json.loads(run("vacancy", "check", str(fixtures / "vacancy_check.json"), "--json"))
    assert {w["category"] for w in check["warnings"]} == {"age", "gender", "origin", "health", "diploma"}
    bench = json.loads(run("bench", "match", "--json", "--queries", "20"))
    assert {"p50_ms", "p95_ms", "p99_ms", "n_vacancies"} <= set(bench) and bench["n_vacancies"] == 1500
    again = runner.invoke(app, ["vacancies", "import", str(tmp_path / "demo" / "vacancies.jsonl"), "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["unchanged"] == 1500


def test_bench_update_patches_one_row_per_write():
    """``cmatch bench update`` on the miniature: every successor is an update, the store untouched."""
    from types import SimpleNamespace

    from eval.bench_update import bench_update
    from indexer.storage.vacancy_index import CompetenceVectors

    tax, repo, engine = world()
    before = repo.checksums("vacancies")
    res = bench_update(SimpleNamespace(match_taxonomy=tax, competence_vectors=CompetenceVectors.hashed(),
                                       matcher=engine, vacancies=repo), writes=3)
    assert (res["vacancies"], res["portfolios"], res["writes_each"]) == (5, 4, 3)
    assert res["update_vacancy_ms_median"] >= 0 and repo.checksums("vacancies") == before


def test_update_keeps_the_derived_parts_of_an_unchanged_side():
    """A portfolio write re-derives nothing of the vacancy side (its by-competence matrix and
    row map are the previous index's objects), and scores as before."""
    from matcher.matching.engine import MatchEngine

    tax, repo, old = world()
    old.ensure_built()
    p1 = portfolios()[0]
    p1.max_distance_km = 45.0
    repo.upsert_portfolios([p1])
    new = MatchEngine(tax, repo, base=old)
    new.ensure_built()
    assert new.last_build == "updated"
    assert new._index.vacancies_by_competence is old._index.vacancies_by_competence
    assert new._index.vacancy_row is old._index.vacancy_row
    assert new._index.portfolios_by_competence is not old._index.portfolios_by_competence
    assert _same_scores(new.score_all_vacancies(p1), MatchEngine(tax, repo, near_table()).score_all_vacancies(p1))
