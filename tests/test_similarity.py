"""Profile similarity (the dense competence-bag factor): exact in both directions, finds work that
exact ids miss, and adds nothing for unrelated bags."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from indexer.domain import Portfolio
from indexer.storage.sqlite import SqliteVacancyRepository
from indexer.storage.vacancy_index import CompetenceVectors
from matcher.matching.engine import RETRIEVE_MIN_SIMILARITY, MatchEngine
from matcher.matching.factors import MatchOptions
from matcher.matching.factors.similarity import quantised
from matcher.matching.near import NearTable
from matcher.matching.scoring import expand

from tests.match_helpers import pc, portfolios, taxonomy, vacancies, vc


def semantic_vectors() -> CompetenceVectors:
    """Heftruck and reachtruck (and leveringen/voorraad) close in meaning, the rest apart."""
    rng = np.random.default_rng(3)
    base = {k: rng.normal(size=384).astype(np.float32) for k in ("truck", "stock", "weld", "care", "talk", "safe")}
    meaning = {"SK-H": "truck", "SK-R": "truck", "SK-L": "stock", "SK-V": "stock", "SK-S": "weld", "SK-P": "care",
               "SK-W": "care", "SK-K": "talk", "KN-V": "safe"}
    sem = {cid: base[m] / np.linalg.norm(base[m]) for cid, m in meaning.items()}
    return CompetenceVectors(semantic=sem, semantic_share=0.8, source="test")


def engine_with(vectors, vacs=None, people=None):
    repo = SqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(vacs or vacancies())
    repo.upsert_portfolios(people or portfolios())
    return MatchEngine(taxonomy(), repo, NearTable({}, "none"), vectors=vectors)


def test_quantised_dot_is_the_cosine_and_order_free():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 384)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    q, s = quantised(a)
    assert np.abs(q).max() <= 127 and np.all(q == np.rint(q))
    approx = (q @ q[0]) * (s * s[0])
    assert approx == pytest.approx(a @ a[0], abs=0.01)
    # integer partial sums: the same dot product from either side, bit for bit
    assert np.array_equal(q[:, ::-1] @ q[0, ::-1], q @ q[0])


def test_similarity_finds_the_same_work_without_a_shared_id():
    """A heftruck driver and a reachtruck vacancy share no id and (here) no near pair: coverage 0,
    but the bags are alike, so the vacancy is retrieved and the factor says why."""
    person = Portfolio("PX", [pc("SK-H")])
    engine = engine_with(semantic_vectors(), people=[person])
    # the person states no licence or language; the factor weighs in (it is off by default)
    off = dataclasses.replace(MatchOptions.with_constraints("off"), similarity_weight=0.2)
    scores = engine.score_all_vacancies(person, off)
    res = engine.match_vacancies(person, top=5, options=off)
    ids = [r.vacancy["id"] for r in res.results]
    assert "V1" in ids and "V3" not in ids and "V4" not in ids
    line = next(b for b in res.results[ids.index("V1")].breakdown if b.factor == "similarity")
    assert line.value >= RETRIEVE_MIN_SIMILARITY and "gelijkenis" in line.explanation
    assert scores["V1"] > scores["V3"] and scores["V1"] > scores["V4"]


def test_unrelated_bags_add_almost_nothing_with_hashed_vectors():
    engine = engine_with(None)
    p1 = portfolios()[0]                      # heftruck, leveringen, veiligheid
    res = engine.match_vacancies(p1, top=10, explain=True)
    sims = {r.vacancy["id"]: next(b.value for b in r.breakdown if b.factor == "similarity") for r in res.results}
    assert "V4" not in sims                   # the nursing vacancy: nothing shared, not retrieved
    assert sims["V1"] > 0.3                   # shares two of three asked competences


def test_weight_zero_switches_it_off():
    engine = engine_with(semantic_vectors())
    p = portfolios()[0]
    on = engine.score_all_vacancies(p, MatchOptions(similarity_weight=0.2))
    off = engine.score_all_vacancies(p, MatchOptions(similarity_weight=0.0))
    assert all(off[v] <= on[v] for v in on) and any(off[v] < on[v] for v in on)


def test_both_directions_agree_with_semantic_vectors():
    people = portfolios() + [Portfolio("PX", [pc("SK-H")])]
    vacs = vacancies() + [vacancies()[0].__class__("V6", "Reachtruckchauffeur", "X", "…", [], [vc("SK-R")])]
    engine = engine_with(semantic_vectors(), vacs, people)
    for p in people:
        forward = engine.score_all_vacancies(p)
        for v in vacs:
            assert forward[v.id] == engine.score_all_candidates(v)[p.id]


def test_dense_retrieval_reads_the_durable_vacancy_index():
    """With a vacancy index, the dense candidates are the ones it returns (then reranked here);
    when it fails, the engine takes the most similar pairs itself."""
    import tempfile

    from indexer.storage.sqlite import DurableSqliteVacancyRepository
    from indexer.storage.vacancy_index import VacancyIndex

    vectors = semantic_vectors()
    repo = DurableSqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(vacancies())
    person = Portfolio("PX", [pc("SK-H")])
    repo.upsert_portfolios([person])
    index = VacancyIndex.open(repo, tempfile.mkdtemp(), vectors)
    calls = []

    def lookup():
        calls.append(1)
        return index

    off = MatchOptions.with_constraints("off")
    with_index = MatchEngine(taxonomy(), repo, NearTable({}, "none"), vectors=vectors, vector_index=lookup)
    ids = [r.vacancy["id"] for r in with_index.match_vacancies(person, top=5, options=off).results]
    assert calls and "V1" in ids and "V4" not in ids

    def broken():
        raise OSError("index weg")

    fallback = MatchEngine(taxonomy(), repo, NearTable({}, "none"), vectors=vectors, vector_index=broken)
    assert [r.vacancy["id"] for r in fallback.match_vacancies(person, top=5, options=off).results] == ids


def _explained(result_set):
    return [(r.vacancy["id"], r.score, r.summary, [(b.factor, b.value, b.effect, b.explanation) for b in r.breakdown],
             [(g.competence_id, g.opens_vacancies) for g in r.gaps]) for r in result_set.results]


def test_features_of_the_retrievable_rows_only_give_the_same_answers(monkeypatch):
    """With the durable index the engine computes the factors for the rows retrieval can keep
    only; every answer (ids, scores, breakdowns, gap counts) equals the one over all rows, and a
    hard constraint or exposure spreading (which need every row) takes the full path."""
    import tempfile

    from indexer.storage.sqlite import DurableSqliteVacancyRepository
    from indexer.storage.vacancy_index import VacancyIndex

    import matcher.matching.engine as engine_module

    monkeypatch.setattr(engine_module, "RETRIEVE_SIMILAR", 2)   # dense rows: 2 of the 5 vacancies
    vectors = semantic_vectors()
    repo = DurableSqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(vacancies())
    people = portfolios() + [Portfolio("PX", [pc("SK-H")])]
    repo.upsert_portfolios(people)
    index = VacancyIndex.open(repo, tempfile.mkdtemp(), vectors)
    engine = MatchEngine(taxonomy(), repo, NearTable({}, "none"), vectors=vectors, vector_index=lambda: index)
    full = MatchEngine(taxonomy(), repo, NearTable({}, "none"), vectors=vectors, vector_index=lambda: index)
    full._retrieval_rows = lambda *args, **kw: None
    variants = [MatchOptions(), MatchOptions.with_constraints("off"),
                dataclasses.replace(MatchOptions(), similarity_weight=0.2)]
    subsets = 0
    for opts in variants:
        for p in people:
            got = engine.match_vacancies(p, top=5, options=opts)
            assert _explained(got) == _explained(full.match_vacancies(p, top=5, options=opts))
            engine.ensure_built()
            side = engine._portfolio_side(p)
            cov = engine.vacancy_coverage(expand(p, engine.near))[1]
            rows = engine._retrieval_rows(side, cov, engine._dense_rows(p), opts)
            subsets += rows is not None and len(rows) < engine.vac.n
    assert subsets   # the subset path was taken, on fewer rows than all
    for needs_all in (MatchOptions.with_constraints("hard"), MatchOptions(spread_exposure=True)):
        p = people[0]
        side = engine._portfolio_side(p)
        assert engine._retrieval_rows(side, np.ones(engine.vac.n), engine._dense_rows(p), needs_all) is None
