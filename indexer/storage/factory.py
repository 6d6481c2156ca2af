"""Which application store a process opens: the backend choice from the settings, or a URL.

``settings.store_backend`` (``CMATCH_STORE``) is ``sqlite`` (default: ``settings.app_db_path``)
or ``postgres`` (``settings.pg_dsn``, ``?schema=…`` optional); both come with the change log
and audit log, and both write ``settings.actor`` as the audit actor::

    repo = open_repository(settings)          # what the API, CLI and importers use
"""
from __future__ import annotations

from indexer.storage.postgres import PostgresVacancyRepository
from indexer.storage.protocol import VacancyRepository
from indexer.storage.sqlite import DurableSqliteVacancyRepository


def store_backend(settings) -> str:
    """``sqlite`` or ``postgres`` (``postgresql`` and ``pg`` mean the latter)."""
    backend = (settings.store_backend or "sqlite").strip().lower()
    if backend in ("postgresql", "pg"):
        backend = "postgres"
    if backend not in ("sqlite", "postgres"):
        raise ValueError(f"CMATCH_STORE={backend!r}: kies sqlite of postgres")
    return backend


def open_repository(settings) -> VacancyRepository:
    """The configured application store (see the module docstring)."""
    if store_backend(settings) == "postgres":
        return PostgresVacancyRepository(settings.pg_dsn, actor=settings.actor)
    return DurableSqliteVacancyRepository(settings.app_db_path, actor=settings.actor)


def open_url(url: str, *, actor: str = "") -> VacancyRepository:
    """``sqlite:///path/app.sqlite`` / ``sqlite::memory:`` / ``postgresql://…[?schema=s]``."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresVacancyRepository(url, actor=actor)
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):]
        if path.startswith("//"):
            path = path[2:]
        return DurableSqliteVacancyRepository(path or ":memory:", actor=actor)
    raise ValueError(f"Onbekende opslag-URL {url!r}")
