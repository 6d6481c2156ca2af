"""Batch jobs on Ray (``cmatch batch``): a local head with two workers on 127.0.0.1, no dashboard.

The nightly match over the miniature gives the same bytes in one process and on two Ray
workers, also when one worker process is killed mid-run or the run is stopped and resumed;
bulk embedding resumes without duplicates and swaps once into the durable vacancy index.
"""
from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
from pathlib import Path

import pytest

from api.wiring import Components
from cmatch.batch.embed import embed_file
from cmatch.batch.match_all import MATCHES_FILE, match_all
from cmatch.batch.ray_runtime import LOCAL, ray_cluster
from indexer.domain import LanguageSkill, Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence
from indexer.storage.vacancy_index import ACTIVE_FILE
from matcher.geo import locate

POSTCODES = ["9000", "2000", "3500", "8000", "1000", "8500", "3000"]


@pytest.fixture(scope="module")
def batch_settings(mini_services, tmp_path_factory):
    """The miniature's taxonomy store and label index, with an application store of its own."""
    base = mini_services.settings
    var = tmp_path_factory.mktemp("batch") / "var"
    (var / "store").mkdir(parents=True)
    (var / "store" / "taxonomy.sqlite").symlink_to(base.store_path)
    (var / "index").symlink_to(base.index_dir)
    settings = dataclasses.replace(base, var_dir=var, app_db=None, vindex=None)
    tax = mini_services.match_taxonomy
    rng = random.Random(14)
    codes = sorted(tax.profiles)
    vacancies = []
    for n in range(45):
        code = codes[n % len(codes)]
        items = [e for e in tax.profiles[code] if rng.random() < 0.75] or tax.profiles[code][:1]
        vacancies.append(Vacancy(f"B-V-{n:03d}", f"{tax.occupation_label(code)} (m/v/x)", occupation_codes=[code],
                                 competences=[VacancyCompetence(e.competence_id, e.importance, weight=e.weight)
                                              for e in items],
                                 location=locate(postcode=rng.choice(POSTCODES)), synthetic=True,
                                 languages=[LanguageSkill("nl", rng.choice(["A2", "B1", "B2"]))]))
    people = []
    for n in range(60):
        code = rng.choice(codes)
        have = rng.sample(tax.profiles[code], k=max(1, len(tax.profiles[code]) // 2))
        people.append(Portfolio(f"B-P-{n:03d}", [PortfolioCompetence(e.competence_id) for e in have],
                                [code] if n % 3 else [], locate(postcode=rng.choice(POSTCODES)),
                                rng.choice([15.0, 40.0, None]), languages=[LanguageSkill("nl", "C1")], synthetic=True))
    repo = Components(settings).vacancies
    repo.upsert_vacancies(vacancies)
    repo.upsert_portfolios(people)
    return settings


@pytest.fixture(scope="module")
def ray_local():
    """One local Ray head with two worker CPUs for the whole module, on the loopback address."""
    try:
        cluster = ray_cluster(LOCAL, 2)
        cpus = cluster.__enter__()
    except Exception as exc:  # pragma: no cover - only where Ray cannot start at all
        pytest.skip(f"Ray start niet: {exc}")
    yield cpus
    cluster.__exit__(None, None, None)


@pytest.fixture(scope="module")
def single(batch_settings, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("single")
    report = match_all(batch_settings, out, top=5, shard_size=4)
    assert report.n_portfolios == 60 and report.n_vacancies == 45 and report.workers == 1
    return (out / MATCHES_FILE).read_bytes()


def test_single_process_output_is_sorted_and_matches_the_engine(batch_settings, single) -> None:
    lines = [json.loads(x) for x in single.decode().splitlines()]
    ids = [x["portfolio"] for x in lines]
    assert ids == sorted(ids) and len(ids) == 60
    assert sum(bool(x["vacancies"]) for x in lines) > 30
    components = Components(batch_settings)
    engine = components.matcher
    for person in components.vacancies.get_portfolios(ids[::13]):
        want = engine.match_vacancies(person, top=5, record_exposure=False)
        got = next(x for x in lines if x["portfolio"] == person.id)
        assert got["vacancies"] == [[r.vacancy["id"], r.score] for r in want.results]


def test_ray_two_workers_give_the_same_bytes(batch_settings, single, ray_local, tmp_path) -> None:
    assert ray_local == 2
    pids = []
    report = match_all(batch_settings, tmp_path, top=5, shard_size=4, ray_address=LOCAL, workers=2,
                       on_done=lambda res, _actors: pids.append(res["pid"]))
    assert (tmp_path / MATCHES_FILE).read_bytes() == single
    assert report.workers == 2 and report.shards == 15 and len(pids) == 15
    assert os.getpid() not in pids


def test_killing_a_worker_loses_and_duplicates_nothing(batch_settings, single, ray_local, tmp_path) -> None:
    import ray

    first, after, killed = [], [], []

    def kill_once(res, actors):
        """At the first result, kill that worker; 29 shards are still to do, and the one Ray
        handed the killed actor next can only finish on its restarted process."""
        if killed:
            after.append(res)
            return
        first.extend(ray.get([a.__ray_call__.remote(lambda _self: os.getpid()) for a in actors]))
        assert res["pid"] in first
        os.kill(res["pid"], signal.SIGKILL)
        killed.append(res["pid"])

    report = match_all(batch_settings, tmp_path, top=5, shard_size=2, ray_address=LOCAL, workers=2, on_done=kill_once)
    assert killed, "geen worker gestopt"
    assert (tmp_path / MATCHES_FILE).read_bytes() == single
    shards = [r["shard"] for r in after]
    assert len(shards) == len(set(shards)) == 29 and report.shards == 30
    restarted = {r["pid"] for r in after} - set(first)
    assert restarted, "de gestopte worker werd niet herstart"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)


def test_a_stopped_run_resumes_with_the_missing_shards(batch_settings, single, tmp_path) -> None:
    class Stop(Exception):
        pass

    done = []

    def stop_after_three(res, _actors):
        done.append(res["shard"])
        if len(done) == 3:
            raise Stop

    with pytest.raises(Stop):
        match_all(batch_settings, tmp_path, top=5, shard_size=4, on_done=stop_after_three)
    assert not (tmp_path / MATCHES_FILE).exists()
    again = []
    report = match_all(batch_settings, tmp_path, top=5, shard_size=4, on_done=lambda r, _a: again.append(r["shard"]))
    assert report.resumed_shards == 3 and sorted(again) == list(range(3, 15))
    assert (tmp_path / MATCHES_FILE).read_bytes() == single
    other = match_all(batch_settings, tmp_path, top=3, shard_size=4)   # another plan starts afresh
    assert other.resumed_shards == 0 and (tmp_path / MATCHES_FILE).read_bytes() != single


TEXTS = [
    ("E-1", "Heftruckchauffeur", "Je kan een heftruck besturen. Je werkt graag in team. Orders verzamelen is een pluspunt."),
    ("E-2", "Kok", "Je kan gerechten bereiden en kent de regels inzake voedselhygiëne."),
    ("E-3", "Verpleegkundige", "Je kan patiënten verzorgen. Kennis van anatomie is vereist."),
    ("E-4", "Vrachtwagenbestuurder", "Je kan een vrachtwagen besturen en kent de verkeersreglementering."),
]


def _embed_input(path: Path) -> Path:
    lines = [json.dumps({"id": i, "title": t, "text": x, "location": {"postcode": "9000"}}, ensure_ascii=False)
             for i, t, x in TEXTS]
    lines.insert(2, "{dit is geen json")
    lines.append(json.dumps({"id": "E-1", "title": "Heftruckchauffeur", "text": TEXTS[0][2] + " Je kan orders verzamelen."},
                            ensure_ascii=False))   # same id again: the later line wins
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_embed_resumes_without_duplicates_and_swaps_once(batch_settings, tmp_path) -> None:
    settings = dataclasses.replace(batch_settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex")
    source = _embed_input(tmp_path / "in.jsonl")

    class Stop(Exception):
        pass

    def stop(res, _actors):
        raise Stop

    with pytest.raises(Stop):
        embed_file(settings, source, tmp_path / "out", shard_size=2, on_done=stop)
    repo = Components(settings).vacancies
    assert repo.count_vacancies() == 0, "nothing is stored before the swap"
    seen = []
    report = embed_file(settings, source, tmp_path / "out", shard_size=2, on_done=lambda r, _a: seen.append(r["shard"]))
    assert report.resumed_shards == 1 and seen == [1, 2] and report.shards == 3
    assert [r["line"] for r in report.rejected] == [3]
    assert report.accepted == 4 and report.inserted == 4 and report.vectors_reused == 4
    stored = {v.id: v for v in repo.iter_vacancies()}
    assert sorted(stored) == ["E-1", "E-2", "E-3", "E-4"]
    comps = {vid: {c.competence_id for c in v.competences} for vid, v in stored.items()}
    assert "SK-5" in comps["E-1"] and "SK-6" in comps["E-1"] and "SK-1" in comps["E-3"]
    index = Components(settings).vacancy_index
    assert sorted(index.held_ids()) == sorted(stored)
    assert (settings.vindex_dir / ACTIVE_FILE).read_text().strip() == report.index_snapshot
    hits = index.search_portfolio(Portfolio("q", [PortfolioCompetence("SK-1"), PortfolioCompetence("KN-2")]), k=1)
    assert hits[0][0] == "E-3"
    again = embed_file(settings, source, tmp_path / "out", shard_size=2)
    assert again.resumed_shards == 3 and again.unchanged == 4 and again.inserted == 0
    assert sorted(Components(settings).vacancy_index.held_ids()) == sorted(stored)


def test_batch_commands_are_mounted() -> None:
    from typer.testing import CliRunner

    from cmatch.cli import app

    out = CliRunner().invoke(app, ["batch", "--help"]).output
    assert "match-all" in out and "embed" in out
