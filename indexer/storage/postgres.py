"""PostgreSQL backend of the application store, the change log and audit log, and the backend choice.

All SQL of the PostgreSQL backend lives here and in ``indexer/migrations/postgres/`` (the
schema, applied by :func:`indexer.storage.migrations.apply_postgres`). The SQLite backend keeps its SQL
in :mod:`indexer.storage.repository`; :class:`DurableSqliteVacancyRepository` only adds the same
change log and audit log to it, by migrations with triggers (``indexer/migrations/sqlite/``).

Both backends then offer, beyond :class:`~indexer.storage.repository.VacancyRepository`, the
:class:`ChangeLog` that the durable FAISS index (:mod:`indexer.storage.vacancy_index`) catches up from:

* ``vacancy_changes(seq, vacancy_id, op)`` gets one row for every insert, update and delete of a
  vacancy, **by trigger, in the writing transaction** — no writer can forget it, and a crash
  either keeps the vacancy and its change or neither;
* sequence order is commit order (SQLite: one writer at a time; PostgreSQL: writers take one
  advisory lock before drawing a number), so a reader that has applied seq N never meets a
  smaller number later;
* ``audit_log`` records who inserted, updated or deleted which vacancy or portfolio, and when.

The backend is chosen by ``CMATCH_STORE=sqlite|postgres`` (default ``sqlite``) and, for
PostgreSQL, ``CMATCH_PG_DSN`` (see :mod:`indexer.storage.pg_connect`)::

    repo = open_repository(settings)          # what the API, CLI and importers use
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from indexer.domain import Portfolio, Vacancy

from indexer.storage import migrations
from indexer.storage.pg_connect import check_ident, connect, dsn_from_env, parse_schema
from indexer.storage.repository import (SqliteVacancyRepository, UpsertResult, VacancyRepository, _DocumentReads, app_store_path,
                           plan_upsert)

CHANGES_LOCK = "cmatch.vacancy_changes"  # hashtext() key of the writers' advisory lock (see 0002)


@runtime_checkable
class ChangeLog(Protocol):
    """What the durable vacancy index needs from a repository besides reading vacancies."""

    def instance(self) -> str: ...
    def max_change_seq(self) -> int: ...
    def changes_since(self, seq: int, limit: int = 10000) -> list[tuple[int, str]]: ...
    def get_vacancies(self, ids: Sequence[str]) -> list[Vacancy]: ...
    def iter_vacancies(self) -> Iterator[Vacancy]: ...


def _actor() -> str:
    return os.environ.get("CMATCH_ACTOR", "")


# ====================================================================== PostgreSQL
class PostgresVacancyRepository(_DocumentReads):
    """:class:`VacancyRepository` + :class:`ChangeLog` on PostgreSQL; one connection per thread.

    ``dsn`` may carry ``?schema=name`` (or pass ``schema``); the schema is created and
    migrated on open. Writes run in one transaction each, together with their change-log and
    audit rows; ``actor`` (default ``CMATCH_ACTOR`` or the database user) is what the audit
    log records.
    """

    backend = "postgres"

    def __init__(self, dsn: str | None = None, *, schema: str | None = None, actor: str | None = None):
        base, from_dsn = parse_schema(dsn or dsn_from_env())
        self.dsn = base
        self.schema = check_ident(schema or from_dsn or "public")
        self.actor = actor if actor is not None else _actor()
        self._local = threading.local()
        self._all: list = []
        con = connect(self.dsn, self.schema, autocommit=False)
        try:
            self.migrated = migrations.apply_postgres(con)
            con.commit()
        finally:
            con.close()

    def __repr__(self) -> str:
        host = self.dsn.split("@")[-1]
        return f"PostgresVacancyRepository({host}, schema={self.schema})"

    @property
    def con(self):
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            con = connect(self.dsn, self.schema, autocommit=True)
            self._local.con = con
            self._all.append(con)
        return con

    # ---------------------------------------------------------------- writes
    def _begin_write(self, con) -> None:
        # One lock for all writers: change-log numbers are drawn in commit order (see 0002).
        con.execute("SELECT pg_advisory_xact_lock(hashtext(%s || current_schema()))", (CHANGES_LOCK + ":",))
        if self.actor:
            con.execute("SELECT set_config('cmatch.actor', %s, true)", (self.actor,))

    def _bump(self, con) -> None:
        con.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")

    def _upsert(self, table: str, items: Sequence, side) -> UpsertResult:
        if not items:
            return UpsertResult()
        con = self.con
        with con.transaction():
            self._begin_write(con)
            ids = list({it.id for it in items})
            existing = dict(con.execute(f"SELECT id, checksum FROM {table} WHERE id = ANY(%s)", (ids,)).fetchall())
            res, planned = plan_upsert(items, existing)
            rows = {i: (it.id, doc, checksum, bool(it.synthetic)) for i, (it, doc, checksum) in planned.items()}
            changed = {i: it for i, (it, _, _) in planned.items()}
            if rows:
                with con.cursor() as cur:
                    cur.executemany(
                        f"INSERT INTO {table} (id, doc, checksum, synthetic, updated_at) VALUES (%s, %s::jsonb, %s, %s, now()) "
                        "ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc, checksum = EXCLUDED.checksum, "
                        "synthetic = EXCLUDED.synthetic, updated_at = EXCLUDED.updated_at",
                        list(rows.values()))
                    side(cur, list(changed.values()))
                self._bump(con)
        return res

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> UpsertResult:
        def side(cur, changed):
            cur.execute("DELETE FROM vacancy_competences WHERE vacancy_id = ANY(%s)", ([v.id for v in changed],))
            cur.executemany(
                "INSERT INTO vacancy_competences VALUES (%s, %s, %s, %s) ON CONFLICT (vacancy_id, competence_id) "
                "DO UPDATE SET importance = EXCLUDED.importance, weight = EXCLUDED.weight",
                [(v.id, c.competence_id, c.importance, float(c.weight)) for v in changed for c in v.competences])
        return self._upsert("vacancies", items, side)

    def upsert_portfolios(self, items: Sequence[Portfolio]) -> UpsertResult:
        def side(cur, changed):
            cur.execute("DELETE FROM portfolio_competences WHERE portfolio_id = ANY(%s)", ([p.id for p in changed],))
            cur.executemany("INSERT INTO portfolio_competences VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(p.id, c.competence_id) for p in changed for c in p.competences])
        return self._upsert("portfolios", items, side)

    def _delete(self, table: str, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        con = self.con
        with con.transaction():
            self._begin_write(con)
            n = con.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", (list(ids),)).rowcount  # side rows cascade
            self._bump(con)
        return n

    def delete_vacancies(self, ids: Sequence[str]) -> int:
        return self._delete("vacancies", ids)

    def delete_portfolios(self, ids: Sequence[str]) -> int:
        return self._delete("portfolios", ids)

    # ----------------------------------------------------------------- reads
    def _get_many(self, table: str, ids: Sequence[str], make) -> list:
        if not ids:
            return []
        found = {rid: make(doc) for rid, doc in
                 self.con.execute(f"SELECT id, doc FROM {table} WHERE id = ANY(%s)", (list(ids),))}
        return [found[i] for i in ids if i in found]

    def _iter(self, table: str, make, batch: int = 2000) -> Iterator:
        # Keyset pagination: no long transaction, constant memory, ordered by id.
        last = ""
        while True:
            rows = self.con.execute(f"SELECT id, doc FROM {table} WHERE id > %s ORDER BY id LIMIT %s",
                                    (last, batch)).fetchall()
            for _, doc in rows:
                yield make(doc)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def state_key(self) -> str:
        return f"{self.instance()}-{self.generation()}"

    def ids(self, kind: str, synthetic: bool | None = None) -> list[str]:
        table = {"vacancies": "vacancies", "portfolios": "portfolios"}[kind]
        if synthetic is None:
            rows = self.con.execute(f"SELECT id FROM {table} ORDER BY id")
        else:
            rows = self.con.execute(f"SELECT id FROM {table} WHERE synthetic = %s ORDER BY id", (bool(synthetic),))
        return [r[0] for r in rows]

    # -------------------------------------------------------------- exposure
    def record_exposure(self, kind: str, ids: Sequence[str]) -> None:
        if not ids:
            return
        con = self.con
        with con.transaction(), con.cursor() as cur:
            cur.executemany("INSERT INTO exposure VALUES (%s, %s, 1) ON CONFLICT (kind, item_id) "
                            "DO UPDATE SET count = exposure.count + 1", [(kind, i) for i in ids])

    def exposure_counts(self, kind: str) -> dict[str, int]:
        return dict(self.con.execute("SELECT item_id, count FROM exposure WHERE kind = %s", (kind,)).fetchall())

    def reset_exposure(self, kind: str | None = None) -> None:
        if kind is None:
            self.con.execute("DELETE FROM exposure")
        else:
            self.con.execute("DELETE FROM exposure WHERE kind = %s", (kind,))

    # ------------------------------------------------------ change log, audit
    def instance(self) -> str:
        return self.con.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()[0]

    def max_change_seq(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(seq), 0) FROM vacancy_changes").fetchone()[0])

    def changes_since(self, seq: int, limit: int = 10000) -> list[tuple[int, str]]:
        return [(int(s), v) for s, v in self.con.execute(
            "SELECT seq, vacancy_id FROM vacancy_changes WHERE seq > %s ORDER BY seq LIMIT %s", (seq, limit))]

    def compact_changes(self) -> int:
        """Drop change rows superseded by a later change of the same vacancy (safe for every reader)."""
        con = self.con
        with con.transaction():
            self._begin_write(con)
            return con.execute(
                "DELETE FROM vacancy_changes c USING vacancy_changes d "
                "WHERE d.vacancy_id = c.vacancy_id AND d.seq > c.seq").rowcount

    def audit_log(self, entity: str | None = None, entity_id: str | None = None, limit: int = 100) -> list[dict]:
        where, args = [], []
        if entity:
            where.append("entity = %s")
            args.append(entity)
        if entity_id:
            where.append("entity_id = %s")
            args.append(entity_id)
        sql = ("SELECT id, at, actor, action, entity, entity_id, checksum FROM audit_log"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT %s")
        return [{"id": r[0], "at": r[1].isoformat(), "actor": r[2], "action": r[3], "entity": r[4],
                 "entity_id": r[5], "checksum": r[6]} for r in self.con.execute(sql, (*args, limit))]

    def migrations_applied(self) -> list[int]:
        return migrations.applied_versions(self.con)

    def close(self) -> None:
        for con in self._all:
            try:
                con.close()
            except Exception:  # noqa: BLE001
                pass
        self._all.clear()
        self._local = threading.local()


# ====================================================================== SQLite
class DurableSqliteVacancyRepository(SqliteVacancyRepository):
    """The SQLite backend plus the change log and audit log (migrations with triggers).

    Commits are fsynced (``synchronous=FULL``), so a snapshot of the index can never be ahead
    of what the database keeps after a power loss.
    """

    backend = "sqlite"

    def __init__(self, path: Path | str, *, actor: str | None = None):
        super().__init__(path)
        self.actor = actor if actor is not None else _actor()
        self.migrated = migrations.apply_sqlite(self.con if self._memory else self.path)

    @property
    def con(self) -> sqlite3.Connection:
        fresh = not self._memory and getattr(self._local, "con", None) is None
        con = super().con
        if fresh:
            con.execute("PRAGMA synchronous=FULL")
        return con

    def instance(self) -> str:
        row = self.con.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
        return row[0] if row else f"sqlite:{self.path}"

    def max_change_seq(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(seq), 0) FROM vacancy_changes").fetchone()[0])

    def changes_since(self, seq: int, limit: int = 10000) -> list[tuple[int, str]]:
        return [(int(s), v) for s, v in self.con.execute(
            "SELECT seq, vacancy_id FROM vacancy_changes WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))]

    def compact_changes(self) -> int:
        con = self.con
        with con:
            return con.execute(
                "DELETE FROM vacancy_changes WHERE EXISTS (SELECT 1 FROM vacancy_changes d "
                "WHERE d.vacancy_id = vacancy_changes.vacancy_id AND d.seq > vacancy_changes.seq)").rowcount

    def audit_log(self, entity: str | None = None, entity_id: str | None = None, limit: int = 100) -> list[dict]:
        where, args = [], []
        if entity:
            where.append("entity = ?")
            args.append(entity)
        if entity_id:
            where.append("entity_id = ?")
            args.append(entity_id)
        sql = ("SELECT id, at, actor, action, entity, entity_id, checksum FROM audit_log"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?")
        return [{"id": r[0], "at": r[1], "actor": r[2], "action": r[3], "entity": r[4],
                 "entity_id": r[5], "checksum": r[6]} for r in self.con.execute(sql, (*args, limit))]

    def migrations_applied(self) -> list[int]:
        return migrations.applied_versions(self.con)


# ====================================================================== choice
def store_backend() -> str:
    backend = (os.environ.get("CMATCH_STORE") or "sqlite").strip().lower()
    if backend in ("postgresql", "pg"):
        backend = "postgres"
    if backend not in ("sqlite", "postgres"):
        raise ValueError(f"CMATCH_STORE={backend!r}: kies sqlite of postgres")
    return backend


def open_repository(settings) -> VacancyRepository:
    """The configured application store: ``CMATCH_STORE=sqlite`` (default) or ``postgres``.

    SQLite: ``var/store/app.sqlite`` (``CMATCH_APP_DB`` overrides); PostgreSQL:
    ``CMATCH_PG_DSN`` (``?schema=…`` optional). Both come with the change log and audit log.
    """
    if store_backend() == "postgres":
        return PostgresVacancyRepository(dsn_from_env())
    return DurableSqliteVacancyRepository(app_store_path(settings))


def open_url(url: str) -> VacancyRepository:
    """``sqlite:///path/app.sqlite`` / ``sqlite::memory:`` / ``postgresql://…[?schema=s]``."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresVacancyRepository(url)
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):]
        if path.startswith("//"):
            path = path[2:]
        return DurableSqliteVacancyRepository(path or ":memory:")
    raise ValueError(f"Onbekende opslag-URL {url!r}")
