"""The application store behind one repository interface, run against SQLite and PostgreSQL.

PostgreSQL tests use a throw-away schema on the server of ``CMATCH_PG_DSN`` (``make postgres``
starts one on 127.0.0.1). Locally they skip with the reason when no server answers; in CI
(``CI=true``) an unreachable server is a failure.
"""
from __future__ import annotations

import os
import threading

import pytest

from indexer.settings import Settings
from indexer.storage import migrations
from indexer.storage.factory import open_repository, open_url
from indexer.storage.pg_connect import drop_schema, server_for_tests, temp_schema_name
from indexer.storage.postgres import PostgresVacancyRepository
from indexer.storage.protocol import ChangeLog, VacancyRepository
from indexer.storage.sqlite import DurableSqliteVacancyRepository, SqliteVacancyRepository
from indexer.domain import (Evidence, LanguageSkill, Location, Portfolio, PortfolioCompetence, Vacancy,
                            VacancyCompetence)

BACKENDS = ["sqlite", "postgres"]


def require_postgres() -> str:
    dsn, reason = server_for_tests(Settings.from_env().pg_dsn)
    if dsn is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true maar {reason}")
        pytest.skip(reason)
    return dsn


@pytest.fixture()
def pg_url():
    """A DSN with a fresh schema, dropped afterwards."""
    dsn = require_postgres()
    schema = temp_schema_name()
    yield f"{dsn}?schema={schema}"
    drop_schema(dsn, schema)


@pytest.fixture(params=BACKENDS)
def repo_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture()
def repo(repo_url):
    r = open_url(repo_url)
    yield r
    r.close()


def vac(i: int, title: str = "Lasser (m/v/x)", comps=("SK-1", "SK-2"), **kw) -> Vacancy:
    return Vacancy(id=f"V{i}", title=title, employer="Peeters NV (fictief)", text="Je kan lassen.",
                   occupation_codes=["OP-1"],
                   competences=[VacancyCompetence(c, "essential" if j == 0 else "optional", label=c, weight=0.5 + j / 10,
                                                  evidence=[Evidence("vacancy_text", c, 0, 3)]) for j, c in enumerate(comps)],
                   location=Location(municipality="Gent", postcode="9000", lat=51.05, lon=3.72),
                   regimes=["full_time"], contract_type="permanent", driving_licence="B",
                   languages=[LanguageSkill("nl", "B2")], diplomas=["secundair"], synthetic=kw.pop("synthetic", False),
                   extra={"k": [1, 2]}, **kw)


def port(i: int, comps=("SK-1", "SK-3")) -> Portfolio:
    return Portfolio(id=f"P{i}", competences=[PortfolioCompetence(c, evidence=[Evidence("cv", "x")]) for c in comps],
                     preferred_occupations=["OP-1"], max_distance_km=30, personal={"name": "Els (fictief)", "age": 41},
                     synthetic=True)


def test_both_backends_implement_the_interfaces(repo):
    assert isinstance(repo, VacancyRepository)
    assert isinstance(repo, ChangeLog)


def test_upsert_is_idempotent_by_id_and_roundtrips(repo):
    r = repo.upsert_vacancies([vac(1), vac(2), vac(3)])
    assert (r.inserted, r.updated, r.unchanged) == (3, 0, 0)
    r = repo.upsert_vacancies([vac(1), vac(2, title="Lasser-monteur")])
    assert (r.inserted, r.updated, r.unchanged) == (0, 1, 1)
    assert repo.get_vacancy("V1") == vac(1)                       # every field survives the round trip
    assert repo.get_vacancy("V2").title == "Lasser-monteur"
    assert repo.get_vacancy("nope") is None
    assert [v.id for v in repo.get_vacancies(["V3", "V1", "zz"])] == ["V3", "V1"]   # order of the request
    assert [v.id for v in repo.iter_vacancies()] == ["V1", "V2", "V3"]
    assert repo.count_vacancies() == 3


def test_duplicates_inside_one_batch(repo):
    r = repo.upsert_vacancies([vac(1), vac(1, title="B")])
    assert r.inserted == 1 and r.updated == 1
    assert repo.get_vacancy("V1").title == "B"
    assert repo.count_vacancies() == 1


def test_portfolios_roundtrip_and_delete(repo):
    assert repo.upsert_portfolios([port(1), port(2)]).inserted == 2
    assert repo.get_portfolio("P1") == port(1)
    assert [p.id for p in repo.iter_portfolios()] == ["P1", "P2"]
    assert repo.delete_portfolios(["P1", "P9"]) == 1
    assert repo.count_portfolios() == 1 and repo.get_portfolios(["P1"]) == []


def test_delete_removes_side_rows(repo):
    repo.upsert_vacancies([vac(1, comps=("SK-7",)), vac(2, comps=("SK-8",))])
    assert {"SK-7", "SK-8"} <= set(repo.competence_ids())
    assert repo.delete_vacancies(["V1", "V404"]) == 1
    assert "SK-7" not in repo.competence_ids()
    assert repo.ids("vacancies") == ["V2"]


def test_generation_moves_only_on_change(repo):
    g0, k0 = repo.generation(), repo.state_key()
    repo.upsert_vacancies([vac(1)])
    g1 = repo.generation()
    assert g1 > g0 and repo.state_key() != k0
    repo.upsert_vacancies([vac(1)])
    assert repo.generation() == g1


def test_checksums_follow_content(repo):
    """What the match index compares to re-encode only changed rows: one checksum per stored row,
    new when (and only when) the document changes."""
    repo.upsert_vacancies([vac(1), vac(2)])
    repo.upsert_portfolios([port(1)])
    before = repo.checksums("vacancies")
    assert sorted(before) == ["V1", "V2"] and list(repo.checksums("portfolios")) == ["P1"]
    repo.upsert_vacancies([vac(1), vac(2, title="Lasser-monteur")])
    repo.delete_vacancies(["V1"])
    after = repo.checksums("vacancies")
    assert list(after) == ["V2"] and after["V2"] != before["V2"]
    repo.upsert_vacancies([vac(2, title="Lasser-monteur")])
    assert repo.checksums("vacancies") == after


def test_ids_filter_synthetic(repo):
    repo.upsert_vacancies([vac(1, synthetic=True), vac(2)])
    assert repo.ids("vacancies", synthetic=True) == ["V1"]
    assert repo.ids("vacancies", synthetic=False) == ["V2"]


def test_exposure_counters(repo):
    repo.record_exposure("vacancy", ["V1", "V2", "V1"])
    repo.record_exposure("vacancy", ["V1"])
    assert repo.exposure_counts("vacancy") == {"V1": 3, "V2": 1}
    repo.reset_exposure("vacancy")
    assert repo.exposure_counts("vacancy") == {}


def test_change_log_in_commit_order(repo):
    repo.upsert_vacancies([vac(1), vac(2)])
    repo.upsert_vacancies([vac(1)])                 # unchanged: no change row
    repo.upsert_vacancies([vac(2, title="B")])
    repo.delete_vacancies(["V1"])
    rows = repo.changes_since(0)
    assert [v for _, v in rows] == ["V1", "V2", "V2", "V1"]
    seqs = [s for s, _ in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert repo.max_change_seq() == seqs[-1]
    assert repo.changes_since(seqs[1]) == rows[2:]
    assert repo.changes_since(0, limit=1) == rows[:1]
    assert repo.compact_changes() == 2             # the superseded V1 and V2 rows
    assert [v for _, v in repo.changes_since(0)] == ["V2", "V1"]


def test_audit_log(repo):
    repo.upsert_vacancies([vac(1)])
    repo.upsert_vacancies([vac(1, title="B")])
    repo.upsert_portfolios([port(1)])
    repo.delete_vacancies(["V1"])
    log = repo.audit_log()
    assert [(e["action"], e["entity"], e["entity_id"]) for e in log] == [
        ("delete", "vacancy", "V1"), ("insert", "portfolio", "P1"), ("update", "vacancy", "V1"),
        ("insert", "vacancy", "V1")]
    assert all(e["at"] and e["actor"] for e in log)
    assert [e["action"] for e in repo.audit_log("vacancy", "V1", limit=2)] == ["delete", "update"]


def test_audit_actor_on_postgres(pg_url):
    r = PostgresVacancyRepository(pg_url, actor="consulent-17")
    r.upsert_vacancies([vac(1)])
    assert r.audit_log()[0]["actor"] == "consulent-17"
    r.close()


def test_migrations_are_versioned_and_applied_once(repo_url):
    backend = "postgres" if repo_url.startswith("postgresql") else "sqlite"
    first = open_url(repo_url)
    versions = [m.version for m in migrations.available(backend)]
    assert first.migrated == versions
    assert first.migrations_applied() == versions
    first.upsert_vacancies([vac(1)])
    again = open_url(repo_url)                      # reopening applies nothing, keeps the data
    assert again.migrated == [] and again.count_vacancies() == 1
    # a migration edited after it was applied is refused
    con = again.con
    if backend == "postgres":
        con.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    else:
        with con:
            con.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
    with pytest.raises(migrations.MigrationError):
        open_url(repo_url)
    first.close()
    again.close()


#: the checksums stores that applied these migrations hold in ``schema_migrations``: a released
#: migration's script never changes (also not when it is rewritten as a ``.py`` template)
RELEASED_CHECKSUMS = {
    "sqlite": {1: "a43cc5c026ac3c19", 2: "af7a2f3d6664ee17", 3: "de0f850b5844dc1f", 4: "1cb184ede4dc169b"},
    "postgres": {1: "c930897e1b67eb04", 2: "17db2fd4a4253b18", 3: "017c9c50cf73d7a4", 4: "ae8519f39abe1357",
                 5: "65a8930a58727f33"},
}


@pytest.mark.parametrize("backend", sorted(RELEASED_CHECKSUMS))
def test_released_migrations_keep_their_scripts(backend):
    found = {m.version: m for m in migrations.available(backend)}
    for version, checksum in RELEASED_CHECKSUMS[backend].items():
        assert found[version].checksum == checksum, found[version].path.name
    assert any(m.path.suffix == ".py" for m in found.values())   # template migrations are read as their SQL
    assert all(m.sql.lstrip().startswith(("--", "CREATE")) for m in found.values())


def test_a_python_migration_without_sql_is_refused(tmp_path):
    path = tmp_path / "0001_broken.py"
    path.write_text("TABLES = ('vacancies',)\n", encoding="utf-8")
    with pytest.raises(migrations.MigrationError, match="SQL"):
        migrations.Migration(1, "broken", path).sql


def test_sqlite_change_log_covers_existing_rows_and_plain_writers(tmp_path):
    """Rows written before the migration, and by the plain SQLite repository, are logged too."""
    path = tmp_path / "app.sqlite"
    plain = SqliteVacancyRepository(path)
    plain.upsert_vacancies([vac(1), vac(2)])
    durable = DurableSqliteVacancyRepository(path)
    assert sorted(v for _, v in durable.changes_since(0)) == ["V1", "V2"]
    plain.delete_vacancies(["V1"])
    assert durable.changes_since(0)[-1][1] == "V1"


def test_open_repository_follows_cmatch_store(monkeypatch, tmp_path):
    monkeypatch.setenv("CMATCH_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("CMATCH_STORE", raising=False)
    monkeypatch.setenv("CMATCH_APP_DB", str(tmp_path / "x.sqlite"))
    monkeypatch.setenv("CMATCH_ACTOR", "consulent-3")
    r = open_repository(Settings.from_env())
    assert isinstance(r, DurableSqliteVacancyRepository)
    assert r.path == str(tmp_path / "x.sqlite") and r.actor == "consulent-3"
    monkeypatch.setenv("CMATCH_STORE", "nosql")
    with pytest.raises(ValueError):
        open_repository(Settings.from_env())


def test_open_repository_postgres(monkeypatch, pg_url, tmp_path):
    monkeypatch.setenv("CMATCH_VAR", str(tmp_path))
    monkeypatch.setenv("CMATCH_STORE", "postgres")
    monkeypatch.setenv("CMATCH_PG_DSN", pg_url)
    monkeypatch.setenv("CMATCH_ACTOR", "consulent-9")
    r = open_repository(Settings.from_env())
    assert isinstance(r, PostgresVacancyRepository) and r.count_vacancies() == 0
    r.upsert_vacancies([vac(1)])
    assert r.audit_log("vacancy", "V1")[0]["actor"] == "consulent-9"
    r.close()


def test_concurrent_writers_keep_every_change(repo_url):
    """Four threads write at once; the change log holds every write, in strictly increasing seq."""
    repo = open_url(repo_url)
    errors = []

    def writer(t: int) -> None:
        try:
            for b in range(5):
                repo.upsert_vacancies([vac(t * 1000 + b * 10 + j, title=f"T{t}") for j in range(10)])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = repo.changes_since(0, limit=1000)
    assert len(rows) == 200 and len({v for _, v in rows}) == 200
    assert [s for s, _ in rows] == sorted(s for s, _ in rows)
    assert repo.count_vacancies() == 200
    repo.close()


def test_unstorable_records_are_rejected_one_by_one(repo):
    """NUL (PostgreSQL's jsonb refuses it), NaN, a bad id: refused per record, the rest stored."""
    bad = [dataclasses_replace(vac(2), title="nul\x00"), dataclasses_replace(vac(3), extra={"x": float("nan")}),
           dataclasses_replace(vac(4), id="a/b")]
    res = repo.upsert_vacancies([vac(1), *bad, vac(5)])
    assert (res.inserted, sorted(r[0] for r in res.rejected)) == (2, ["V2", "V3", "a/b"])
    assert repo.ids("vacancies") == ["V1", "V5"]
    p = port(1)
    p.personal = {"name": "x\x00"}
    assert [r[0] for r in repo.upsert_portfolios([p, port(2)]).rejected] == ["P1"]
    assert repo.ids("portfolios") == ["P2"]
    assert repo.upsert_vacancies([vac(6)]).inserted == 1  # nothing poisoned


def dataclasses_replace(obj, **kw):
    import dataclasses

    return dataclasses.replace(obj, **kw)


def test_job_status_is_shared_kept_bounded_and_erased(repo_url):
    """Two connections (two server processes) see the same job; only the newest ``keep`` stay;
    erasing the owner erases their jobs."""
    a, b = open_url(repo_url), open_url(repo_url)
    try:
        a.add_account("jobber", "employer", organisation="Org J")
        a.save_job("J-1", "jobber", {"id": "J-1", "status": "queued"})
        assert b.get_job("J-1") == ("jobber", {"id": "J-1", "status": "queued"})
        a.save_job("J-1", "jobber", {"id": "J-1", "status": "done", "result": {"accepted": 3}})
        assert b.get_job("J-1")[1]["result"] == {"accepted": 3}
        for i in range(2, 6):
            a.save_job(f"J-{i}", "iemand", {"id": f"J-{i}"}, keep=3)
        assert sum(b.get_job(f"J-{i}") is not None for i in range(1, 6)) == 3
        a.save_job("J-9", "jobber", {"id": "J-9"})
        assert [j["id"] for j in b.jobs_of("jobber")] == ["J-9"]      # J-1 was among the oldest, pruned
        a.erase_person("jobber", "grafsteen")
        assert b.get_job("J-9") is None and b.get_job("J-5") is not None
    finally:
        a.close()
        b.close()
