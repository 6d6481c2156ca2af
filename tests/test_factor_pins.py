"""Scores and breakdowns pinned on the miniature world, computed before factors became one file
each: restructuring the factors (or adding a neutral one) must not move a number. They are pinned
under the weights of that time (:data:`PINNED_WEIGHTS`); the defaults have moved since (chosen on
the relevance benchmark's dev split, see ``matcher/MATCHING.md``)."""
from __future__ import annotations

import dataclasses
import math

import pytest

from matcher.matching.factors import MatchOptions

from tests.match_helpers import portfolios, vacancies, world

NAN = float("nan")
PINNED_FORWARD = {  # (options, person) -> every vacancy's score
    ("default", "P1"): {"V1": 0.8753191489361702, "V2": 0.22379152249765824, "V3": 0.18330259685031938, "V4": 0.0,
                        "V5": 0.6957446808510638},
    ("default", "P4"): {"V1": 0.3446978723404256, "V2": 0.7808510638297873, "V3": 0.1, "V4": 0.066,
                        "V5": 0.31336170212765957},
    ("hard", "P1"): {"V1": 0.8753191489361702, "V2": NAN, "V3": NAN, "V4": NAN, "V5": 0.6957446808510638},
    ("noboost", "P2"): {"V1": 0.018642077480255502, "V2": 0.0, "V3": 1.0, "V4": 0.0, "V5": 0.03200000000000001},
}
PINNED_BACKWARD = {  # (options, vacancy) -> every candidate's score
    ("default", "V2"): {"P1": 0.22379152249765824, "P2": 0.0, "P3": 0.0, "P4": 0.7808510638297873},
    ("mixed", "V1"): {"P1": 0.8753191489361702, "P2": NAN, "P3": NAN, "P4": 0.49242553191489374},
}
#: the additive weights the numbers were pinned under (profile similarity did not exist: weight 0)
PINNED_WEIGHTS = {"coverage_weight": 0.8, "affinity_weight": 0.2, "similarity_weight": 0.0}


def pinned(opts: MatchOptions) -> MatchOptions:
    return dataclasses.replace(opts, **PINNED_WEIGHTS)


OPTIONS = {"default": pinned(MatchOptions()), "hard": pinned(MatchOptions.with_constraints("hard")),
           "noboost": pinned(MatchOptions(shortage_boost=False)),
           "mixed": pinned(MatchOptions.with_constraints("soft", hard=["distance"], off=["language"]))}


def same(got: dict, want: dict) -> bool:
    return got.keys() == want.keys() and all(
        (math.isnan(want[k]) and math.isnan(got[k])) or got[k] == want[k] for k in want)


@pytest.fixture(scope="module")
def engine():
    return world()[2]


@pytest.mark.parametrize("key", list(PINNED_FORWARD))
def test_forward_scores_pinned(engine, key):
    person = next(p for p in portfolios() if p.id == key[1])
    assert same(engine.score_all_vacancies(person, OPTIONS[key[0]]), PINNED_FORWARD[key])


@pytest.mark.parametrize("key", list(PINNED_BACKWARD))
def test_backward_scores_pinned(engine, key):
    vacancy = next(v for v in vacancies() if v.id == key[1])
    assert same(engine.score_all_candidates(vacancy, OPTIONS[key[0]]), PINNED_BACKWARD[key])


def test_breakdowns_pinned(engine):
    res = engine.match_vacancies(portfolios()[0], top=3, options=OPTIONS["default"])
    lines = {r.vacancy["id"]: {l.factor: (l.value, l.effect, l.explanation) for l in r.breakdown} for r in res.results}
    assert [r.vacancy["id"] for r in res.results] == ["V1", "V5", "V2"]
    assert [r.score for r in res.results] == [0.8753, 0.6957, 0.2238]
    v1, v2 = lines["V1"], lines["V2"]
    assert v1["coverage"] == (0.7447, 0.5957, "1 van 2 essentiële competenties aanwezig, 1 gedeeltelijk via een "
                                              "verwante competentie; 0 van 1 optionele (essentieel telt 1, optioneel 0.35)")
    assert v1["affinity"] == (1.0, 0.2, "het beroep van de vacature is een voorkeursberoep")
    assert v1["shortage_boost"] == (1.0, 1.1, "knelpuntberoep 'Heftruckchauffeur' (VDAB 2026): score x1.10")
    assert v1["exposure"] == (0.0, 1.0, "uit")
    assert v2["affinity"] == (0.5679, 0.1136, "verwant aan voorkeursberoep Heftruckchauffeur (profielgelijkenis 0.57)")
    assert v2["constraints"] == (0.3905, 0.3905, "niet vervuld: afstand (zachte voorwaarde, x0.488), "
                                                 "werkregime (zachte voorwaarde, x0.8)")
    assert [(g.competence_id, g.opens_vacancies) for g in res.results[0].gaps] == [("SK-V", 1)]


def test_exposure_spreading_pinned():
    _, _, engine = world()
    opts = pinned(MatchOptions(spread_exposure=True))
    for _ in range(3):
        for p in portfolios():
            res = engine.match_vacancies(p, top=3, options=opts)
    best = res.results[0]   # P4, third round
    assert best.score == 0.6637
    assert {l.factor: l.effect for l in best.breakdown}["exposure"] == 0.85
