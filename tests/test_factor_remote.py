"""The remote-work preference factor: one file (matcher/matching/factors/remote.py) plus this test."""
from __future__ import annotations

import dataclasses

import pytest

from matcher.ingest import Resolver, portfolio_from_input
from matcher.matching.factors import MatchOptions, factor_set_version, preference_specs

from tests.match_helpers import portfolios, taxonomy, vacancies, world


def remote_line(result):
    return next(line for line in result.breakdown if line.factor == "remote")


@pytest.fixture()
def mini():
    """The miniature world plus V1R: V1 with telework."""
    tax, repo, engine = world()
    repo.upsert_vacancies([dataclasses.replace(vacancies()[0], id="V1R", remote=True)])
    return tax, repo, engine


def wishing(wish: str | None):
    p = portfolios()[0]
    return dataclasses.replace(p, preferences={} if wish is None else {"remote": wish})


def test_neutral_for_everyone_without_a_preference(mini):
    _, _, engine = mini
    off = MatchOptions(remote_preference=False)
    for p in portfolios():
        assert engine.score_all_vacancies(p) == engine.score_all_vacancies(p, off)
    for v in vacancies():
        assert engine.score_all_candidates(v) == engine.score_all_candidates(v, off)
    line = remote_line(engine.match_vacancies(portfolios()[0], top=1).results[0])
    assert line.effect == 1.0 and line.value == 0.0 and "geen telewerkvoorkeur" in line.explanation


@pytest.mark.parametrize("wish,job_effect,remote_job_effect", [
    ("required", 0.9, 1.0), ("preferred", 1.0, 1.05), ("no", 1.0, 1.0), (None, 1.0, 1.0)])
def test_gentle_multiplier(mini, wish, job_effect, remote_job_effect):
    _, _, engine = mini
    neutral = engine.score_all_vacancies(wishing(None))
    scores = engine.score_all_vacancies(wishing(wish))
    assert scores["V1"] == pytest.approx(neutral["V1"] * job_effect, rel=1e-12)
    assert scores["V1R"] == pytest.approx(neutral["V1R"] * remote_job_effect, rel=1e-12)


def test_explained_in_dutch_and_switchable(mini):
    _, _, engine = mini
    lines = {r.vacancy["id"]: remote_line(r) for r in engine.match_vacancies(wishing("required"), top=10).results}
    assert lines["V1"].effect == 0.9 and lines["V1"].explanation == \
        "telewerk vereist, deze vacature biedt geen telewerk: score x0.90"
    assert lines["V1R"].explanation == "telewerk vereist, deze vacature biedt telewerk: neutraal"
    off = engine.match_vacancies(wishing("required"), top=10, options=MatchOptions(remote_preference=False))
    line = next(remote_line(r) for r in off.results if r.vacancy["id"] == "V1")
    assert line.effect == 1.0 and "uitgeschakeld" in line.explanation and line.details["enabled"] is False
    stronger = MatchOptions(remote_strength=0.3)
    assert engine.score_all_vacancies(wishing("required"), stronger)["V1"] == pytest.approx(
        engine.score_all_vacancies(wishing(None))["V1"] * 0.7, rel=1e-12)


def test_same_score_in_both_directions(mini):
    _, repo, engine = mini
    person = dataclasses.replace(wishing("required"), id="PR")
    repo.upsert_portfolios([person])
    forward = engine.score_all_vacancies(person)
    for v in [*vacancies(), dataclasses.replace(vacancies()[0], id="V1R", remote=True)]:
        assert engine.score_all_candidates(v)["PR"] == pytest.approx(forward[v.id], abs=1e-12)


def test_preference_is_declared_and_validated_on_import():
    assert preference_specs()["remote"].values == ("required", "preferred", "no")
    resolver = Resolver(taxonomy())
    p, errors = portfolio_from_input({"id": "X", "preferences": {"remote": " Required "}}, resolver)
    assert not errors and p.preferences == {"remote": "required"}
    assert portfolio_from_input({"id": "X"}, resolver)[0].preferences == {}
    _, errors = portfolio_from_input({"id": "X", "preferences": {"remote": "misschien"}}, resolver)
    assert errors == ["preferences.remote: onbekende waarde 'misschien' (kies uit required, preferred, no)"]
    _, errors = portfolio_from_input({"id": "X", "preferences": {"tuin": "ja"}}, resolver)
    assert errors and errors[0].startswith("preferences.tuin")


def test_options_declared_once():
    from api.schemas import MatchOptionsIn

    opts = MatchOptions()
    assert opts.remote_preference is True and opts.remote_strength == 0.10
    assert "remote_preference" in MatchOptionsIn.model_fields and "remote_strength" not in MatchOptionsIn.model_fields
    assert MatchOptions.from_input({"remote_preference": False}).remote_preference is False
    with pytest.raises(ValueError):
        MatchOptions(remote_strength=0.9)
    assert "remote@" in factor_set_version()
