"""GDPR: export of the caller's data, and erasure that leaves no byte of it behind (issue 13).

After ``DELETE /api/v1/me`` a unique marker from the person's portfolio occurs in no file of
the application store (SQLite with its WAL) and in no PostgreSQL table; the audit log keeps
only a pseudonymous tombstone.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from tests.auth_helpers import account_headers, backend_client
from tests.test_store_backends import BACKENDS, pg_url, require_postgres  # noqa: F401 - fixtures


@pytest.fixture(params=BACKENDS)
def world(request, mini_services, tmp_path):
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with backend_client(request.param, mini_services, tmp_path, pg) as (svc, client):
        yield request.param, svc, client, tmp_path


def _pg_contains(svc, marker: str) -> bool:
    con = svc.vacancies.con
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
    return any(con.execute(f'SELECT 1 FROM "{t}" x WHERE x::text LIKE %s LIMIT 1', (f"%{marker}%",)).fetchone()
               for t in tables)


def _files_contain(root, marker: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]


def test_export_then_erase_leaves_nothing(world) -> None:
    backend, svc, client, root = world
    marker = "MARK" + uuid.uuid4().hex
    me = account_headers(svc, "erase-me", "jobseeker")
    counsellor = account_headers(svc, "co-x", "counsellor")
    body = {"id": "P-ERASE", "competences": [{"id": "SK-5"}], "personal": {"name": f"Els {marker}"}}
    assert client.post("/api/v1/portfolios", json=body, headers=me).status_code == 201
    assert client.put("/api/v1/portfolios/P-ERASE", json={**body, "personal": {"name": f"Els B {marker}"}},
                      headers=me).status_code == 200
    assert client.post("/api/v1/portfolios/P-ERASE/consents", json={"counsellor": "co-x"}, headers=me).status_code == 201
    assert client.post("/api/v1/match/vacancies", json={"portfolio_id": "P-ERASE"}, headers=counsellor).status_code == 200
    svc.vacancies.record_exposure("portfolios", ["P-ERASE"])

    export = client.get("/api/v1/me/export", headers=me)
    assert export.status_code == 200 and export.headers["cache-control"] == "no-store"
    data = export.json()
    assert data["portfolios"][0]["personal"]["name"].endswith(marker)
    assert data["consents"]["P-ERASE"][0]["counsellor"] == "co-x" and data["audit"]

    assert client.delete("/api/v1/me", headers=me).status_code == 204
    assert client.get("/api/v1/me/export", headers=me).status_code == 401
    assert client.get("/api/v1/portfolios/P-ERASE", headers=counsellor).status_code == 404
    assert svc.vacancies.exposure_counts("portfolios").get("P-ERASE") is None
    audit = svc.vacancies.audit_log(limit=1000)
    assert not [e for e in audit if e["entity_id"] == "P-ERASE" or e["actor"] == "erase-me"]
    assert any(e["entity"] == "person" and e["entity_id"].startswith("T-") for e in audit)
    if backend == "sqlite":
        assert _files_contain(root, marker) == []
    else:
        assert not _pg_contains(svc, marker)


# ---------------------------------------------------------------------- caches, retention, employer view
@pytest.fixture()
def own_var(mini_services, tmp_path):
    """Components whose whole var dir is this test's (match snapshots land there too)."""
    var = tmp_path / "var"
    s = dataclasses.replace(mini_services.settings, var_dir=var, app_db=var / "store" / "app.sqlite",
                            vindex=var / "vindex", dev_mode=True)
    (var / "store").mkdir(parents=True)
    import shutil
    shutil.copyfile(mini_services.settings.store_path, s.store_path)
    svc = Components(s, encoder=mini_services.encoder_handle)
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as c:
        yield svc, c, var
    svc.vacancies.close()


def _person_with_evidence(marker: str):
    from indexer.domain import Evidence, Portfolio, PortfolioCompetence

    ev = Evidence("cv", f"2019-2021 magazijnier bij Firma {marker}", date="2019", confirmed_by=f"Chef {marker}")
    return Portfolio(id="P-" + marker[:24], competences=[PortfolioCompetence("SK-5", evidence=[ev])],
                     personal={"name": f"Els {marker}", "email": f"els.{marker}@example.org"})


def test_erase_clears_match_snapshots_and_exposure(own_var) -> None:
    from indexer.domain import Vacancy, VacancyCompetence

    svc, client, var = own_var
    marker = "MARK" + uuid.uuid4().hex
    me = account_headers(svc, "erase-snap", "jobseeker")
    employer = account_headers(svc, "em-snap", "employer", "Org S")
    p = _person_with_evidence(marker)
    other = _person_with_evidence("OTHER" + uuid.uuid4().hex)
    svc.vacancies.upsert_portfolios([p, other])
    svc.vacancies.set_owner("portfolio", p.id, "erase-snap")
    svc.vacancies.upsert_vacancies([Vacancy(id="V-SNAP", title="Magazijnier", competences=[VacancyCompetence("SK-5")])])
    r = client.post("/api/v1/match/candidates", json={"vacancy_id": "V-SNAP", "options": {"spread_exposure": True}},
                    headers=employer)
    assert r.status_code == 200 and r.json()["results"], r.text[:300]
    assert _files_contain(var / "match", p.id), "the match snapshot should hold the portfolio before erasure"
    assert client.delete("/api/v1/me", headers=me).status_code == 204
    assert _files_contain(var, marker) == [] and _files_contain(var, p.id) == []
    assert all(p.id not in counts for counts in svc.matcher.exposure._counts.values())
    gone = svc.matcher.candidate_pseudonym(p.id)
    again = client.post("/api/v1/match/candidates", json={"vacancy_id": "V-SNAP"}, headers=employer)
    assert again.status_code == 200 and [r["candidate"]["id"] for r in again.json()["results"]] == [
        svc.matcher.candidate_pseudonym(other.id)]   # rebuilt without the person
    assert gone not in again.text


def test_employer_view_shows_no_cv_lines_names_or_personal_fields(own_var) -> None:
    from indexer.domain import Vacancy, VacancyCompetence

    svc, client, _ = own_var
    marker = "MARK" + uuid.uuid4().hex
    p = _person_with_evidence(marker)
    svc.vacancies.upsert_portfolios([p])
    svc.vacancies.upsert_vacancies([Vacancy(id="V-EMP", title="Magazijnier", competences=[VacancyCompetence("SK-5")])])
    employer = account_headers(svc, "em-view", "employer", "Org V")
    for body in ({"vacancy_id": "V-EMP"}, {"vacancy": {"title": "Magazijnier", "competences": [{"id": "SK-5"}]}}):
        r = client.post("/api/v1/match/candidates", json=body, headers=employer)
        assert r.status_code == 200, r.text[:300]
        res = r.json()["results"]
        assert res and res[0]["candidate"]["id"].startswith("K-") and "personal" not in res[0]["candidate"]
        assert marker not in r.text and "Els" not in r.text and p.id not in r.text
        assert res[0]["matched"][0]["portfolio_evidence"] == [{"source": "cv", "source_label": res[0]["matched"][0]
                                                               ["portfolio_evidence"][0]["source_label"],
                                                               "text": "", "start": None, "end": None,
                                                               "confirmed_by": None, "date": None}]
    check = client.post("/api/v1/drafting/check", json={"title": "Magazijnier", "competences": [{"id": "SK-5"}]},
                        headers=employer)
    assert marker not in check.text and p.id not in check.text
    page = client.get("/werkgever", headers=employer)
    assert page.status_code == 200 and marker not in page.text


def test_purge_applies_the_retention_period(world) -> None:
    from api.privacy import purge_inactive
    from indexer.domain import Portfolio, PortfolioCompetence

    backend, svc, client, _ = world
    repo = svc.vacancies
    repo.upsert_portfolios([Portfolio(id=pid, competences=[PortfolioCompetence("SK-5")], personal={"name": pid})
                            for pid in ("P-OLD", "P-NEW")])
    repo.set_owner("portfolio", "P-OLD", "someone")
    repo.record_exposure("portfolio", ["P-OLD", "P-NEW"])
    old = "2020-01-01T00:00:00Z"
    with repo._tx():
        repo.con.execute(f"UPDATE portfolios SET updated_at = {repo._ph} WHERE id = 'P-OLD'", (old,))
    svc_days = dataclasses.replace(svc.settings, retention_days=30)
    assert purge_inactive(svc, svc_days.retention_days, dry_run=True) == {
        "retention_days": 30, "inactive": 1, "purged": 0, "dry_run": True}
    assert repo.get_portfolio("P-OLD") is not None
    assert purge_inactive(svc, 0)["purged"] == 0                     # 0 days: never purge
    assert purge_inactive(svc, 30)["purged"] == 1
    assert repo.get_portfolio("P-OLD") is None and repo.get_portfolio("P-NEW") is not None
    assert repo.owner_of("portfolio", "P-OLD") is None and "P-OLD" not in repo.exposure_counts("portfolio")
    audit = repo.audit_log(limit=1000)
    assert not [e for e in audit if e["entity_id"] == "P-OLD"]
    assert any(e["entity"] == "retention" and e["entity_id"].startswith("T-") for e in audit)


def test_privacy_purge_command(tmp_path, mini_settings, monkeypatch) -> None:
    from typer.testing import CliRunner

    from cmatch.cli import app

    monkeypatch.setenv("CMATCH_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CMATCH_DATA", str(mini_settings.data_dir))
    monkeypatch.setenv("CMATCH_RETENTION_DAYS", "10")
    r = CliRunner().invoke(app, ["privacy", "purge", "--dry-run", "--json"])
    assert r.exit_code == 0, r.output
    assert '"retention_days": 10' in r.output and '"inactive": 0' in r.output
