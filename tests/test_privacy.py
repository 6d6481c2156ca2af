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
from tests.auth_helpers import account_headers
from tests.test_store_backends import BACKENDS, pg_url, require_postgres  # noqa: F401 - fixtures


@pytest.fixture(params=BACKENDS)
def world(request, mini_services, tmp_path):
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex",
                            dev_mode=True)
    if request.param == "postgres":
        s = dataclasses.replace(s, store_backend="postgres", pg_dsn=request.getfixturevalue("pg_url"))
    svc = Components(s, encoder=mini_services.encoder_handle)
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as c:
        yield request.param, svc, c, tmp_path
    svc.vacancies.close()


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
