"""Keyset pagination on the list endpoints (issue 13e): ``after=next_after`` walks every record once."""
from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from indexer.domain import Portfolio, PortfolioCompetence, Vacancy
from tests.auth_helpers import account_headers
from tests.test_store_backends import BACKENDS, pg_url, require_postgres  # noqa: F401 - fixtures


@pytest.mark.parametrize("backend", BACKENDS)
def test_keyset_pages(request, backend, mini_services, tmp_path) -> None:
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex")
    if backend == "postgres":
        s = dataclasses.replace(s, store_backend="postgres", pg_dsn=request.getfixturevalue("pg_url"))
    svc = Components(s, encoder=mini_services.encoder_handle)
    repo = svc.vacancies
    repo.upsert_vacancies([Vacancy(id=f"VK-{i:02d}", title="Lasser (m/v/x)") for i in range(7)])
    repo.upsert_portfolios([Portfolio(id=f"PK-{i:02d}", competences=[PortfolioCompetence("SK-5")]) for i in range(5)])
    me = account_headers(svc, "js-page", "jobseeker")
    for i in (1, 2, 4):
        repo.set_owner("portfolio", f"PK-{i:02d}", "js-page")
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
        def walk(path: str, headers=None) -> list[str]:
            seen, after = [], None
            for _ in range(20):
                params = {"limit": 3, **({"after": after} if after else {})}
                page = client.get(path, params=params, headers=headers or {}).json()
                seen += [it["id"] for it in page["items"]]
                after = page["next_after"]
                if after is None:
                    return seen
            raise AssertionError("no last page")
        vac = [v for v in walk("/api/v1/vacancies") if v.startswith("VK-")]
        assert vac == [f"VK-{i:02d}" for i in range(7)]
        assert walk("/api/v1/portfolios", me) == ["PK-01", "PK-02", "PK-04"]
        admin = account_headers(svc, "adm-page", "admin")
        assert [p for p in walk("/api/v1/portfolios", admin) if p.startswith("PK-")] == [f"PK-{i:02d}" for i in range(5)]
        assert client.get("/api/v1/vacancies", params={"after": "bad/id"}).status_code == 422
    repo.close()
