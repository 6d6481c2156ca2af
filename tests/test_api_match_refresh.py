"""The served match index is brought up to date in the background after a write (issue 13e):
requests keep the old index until the new one is swapped in; an erasure refreshes at once."""
from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from indexer.domain import Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence
from tests.auth_helpers import account_headers


def test_write_does_not_rebuild_in_the_request(mini_services, tmp_path) -> None:
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex",
                            match_refresh="background")
    svc = Components(s, encoder=mini_services.encoder_handle)
    repo = svc.vacancies
    repo.upsert_vacancies([Vacancy(id="V-A", title="Magazijnier", competences=[VacancyCompetence("SK-5")])])
    body = {"portfolio": {"competences": [{"id": "SK-5"}]}, "top": 10}
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
        ids = lambda r: [x["vacancy"]["id"] for x in r.json()["results"]]  # noqa: E731
        assert ids(client.post("/api/v1/match/vacancies", json=body)) == ["V-A"]   # first build: in the caller
        first = svc.matcher.engine
        employer = account_headers(svc, "em-bg", "employer", "Org BG")
        assert client.put("/api/v1/vacancies/V-B", json={"id": "V-B", "title": "Magazijnier", "competences": [
            {"id": "SK-5"}]}, headers=employer).status_code == 200
        stale = client.post("/api/v1/match/vacancies", json=body)
        assert stale.status_code == 200
        thread = svc.matcher._thread
        assert thread is not None                                   # the request only started the build
        thread.join(60)
        assert svc.matcher.engine is not first and svc.matcher.rebuilds == 2
        assert svc.matcher.engine.last_build == "updated"           # the new row encoded, the rest shared
        assert sorted(ids(client.post("/api/v1/match/vacancies", json=body))) == ["V-A", "V-B"]
        # a row deleted after the build is skipped, not a 500
        repo.delete_vacancies(["V-B"])
        r = client.post("/api/v1/match/vacancies", json=body)
        assert r.status_code == 200 and "V-B" not in ids(r)
        svc.matcher._thread.join(60)
        # an erasure refreshes before answering: the person is gone from the served index at once
        me = account_headers(svc, "js-bg", "jobseeker")
        repo.upsert_portfolios([Portfolio(id="P-BG", competences=[PortfolioCompetence("SK-5")]),
                                Portfolio(id="P-KEEP", competences=[PortfolioCompetence("SK-5")])])
        repo.set_owner("portfolio", "P-BG", "js-bg")
        svc.matcher.refresh(wait=True)
        assert "P-BG" in svc.matcher.port.ids
        assert client.delete("/api/v1/me", headers=me).status_code == 204
        assert "P-BG" not in svc.matcher.port.ids
    repo.close()
