"""Accounts for API tests: a bearer token per role, created in the application store."""
from __future__ import annotations

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
