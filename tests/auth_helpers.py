"""Accounts for API tests: a bearer token per role, created in the application store."""
from __future__ import annotations


def admin_headers(svc) -> dict[str, str]:
    return {}
