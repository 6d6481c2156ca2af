"""Proxy fairness can fail: a language requirement ranks equally competent newcomers down."""
from __future__ import annotations

from eval.proxy_fairness import GROUPS, _expected_picks, run_proxy_fairness

from tests.match_helpers import vacancies, world


def test_expected_picks_share_ties_and_skip_removed():
    import numpy as np

    got = _expected_picks(np.array([0.9, 0.5, 0.5, 0.5, -np.inf]), 2)
    assert got.tolist() == [1.0, 1 / 3, 1 / 3, 1 / 3, 0.0]


def test_language_gap_is_found_named_and_closed_by_its_switch():
    tax, _, engine = world()
    res = run_proxy_fairness(tax, engine.near, vacancies(), n_vacancies=5, per_group=10)
    assert set(res["default"]["top10"]["groups"]) == set(GROUPS)
    # vacancies V1, V4, V5 ask Dutch B1/C1: newcomers (A2-B1) fall behind with the default soft penalty
    new = res["default"]["top10"]["groups"]["nieuwkomer"]
    assert new["ratio"] < 0.8
    off = res["language_and_distance_off"]["top10"]["groups"]
    assert min(x["ratio"] for x in off.values()) > 0.99          # equal competences, nothing else read
    assert res["language_hard"]["top10"]["groups"]["nieuwkomer"]["ratio"] <= new["ratio"]
    assert res["career_gap_score_effect"] == 0.0                  # no factor reads evidence dates
    causes = {x.get("cause") for x in res["default"]["top10"]["groups"].values()} - {None}
    assert causes <= {"constraints.language", "constraints.distance"} and causes


def test_a_name_read_as_an_occupation_is_reported_and_moves_the_ranking():
    """If the extractor took a surname for a job title, the eval must show it: as passthrough and
    as a selection gap (the title becomes a preferred occupation, as in matcher.ingest)."""
    from matcher.extraction.results import ExtractedOccupation, Extraction, Span

    class NameAsTitle:
        def extract(self, text, kind="cv"):
            ex = Extraction("nl")
            if "Peeters" in text:
                ex.occupations = [ExtractedOccupation("OP-1", "Heftruckchauffeur", [Span(0, 7, "Peeters")])]
            return ex

    tax, _, engine = world()
    res = run_proxy_fairness(tax, engine.near, vacancies(), extractor=NameAsTitle(), n_vacancies=5, per_group=10)
    assert "occupation:own:OP-1 Heftruckchauffeur" in res["passthrough"]["vlaams"]
    assert not any(k.startswith("occupation:") for g, d in res["passthrough"].items() if g != "vlaams" for k in d)
    off = res["language_and_distance_off"]["top10"]["groups"]
    assert min(x["ratio"] for x in off.values()) < 0.99
