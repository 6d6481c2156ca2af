"""Accounts for API tests: a bearer token per role, created in the application store."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from indexer.security.passwords import new_token


def account_headers(svc, name: str, role: str, organisation: str = "") -> dict[str, str]:
    """``Authorization`` for account ``name`` (created on first use) with a fresh token."""
    repo = svc.vacancies
    if repo.get_account(name) is None:
        repo.add_account(name, role, organisation=organisation)
    token = new_token()
    repo.add_token(name, token)
    return {"Authorization": f"Bearer {token}"}


def admin_headers(svc) -> dict[str, str]:
    return account_headers(svc, "test-admin", "admin")


@contextmanager
def backend_client(backend: str, mini_services, tmp_path, pg_url: str | None = None):
    """(components, client) over a fresh application store of ``backend`` (the miniature's taxonomy
    and index, the shared model), closed afterwards."""
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex",
                            dev_mode=True)
    if backend == "postgres":
        s = dataclasses.replace(s, store_backend="postgres", pg_dsn=pg_url)
    svc = Components(s, encoder=mini_services.encoder_handle)
    try:
        with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
            yield svc, client
    finally:
        svc.vacancies.close()
