"""The PostgreSQL backend of the application store, with the change log and audit log.

All SQL of this backend lives here and in ``migrations/postgres/`` (the schema, applied by
:func:`indexer.storage.migrations.apply_postgres` on open). The server and schema come from a
DSN (``settings.pg_dsn``, see :mod:`indexer.storage.pg_connect`); the backend is chosen in
:mod:`indexer.storage.factory`.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from indexer.domain import Portfolio, Vacancy
from indexer.storage import migrations
from indexer.storage.accounts import AccountsSQL
from indexer.storage.actor import current_actor
from indexer.storage.pg_connect import check_ident, connect, parse_schema
from indexer.storage.protocol import UpsertResult, _ChangeLogReads, _DocumentReads, plan_upsert, record_table

CHANGES_LOCK = "cmatch.vacancy_changes"  # hashtext() key of the writers' advisory lock (see 0002)


class PostgresVacancyRepository(_DocumentReads, _ChangeLogReads, AccountsSQL):
    """:class:`VacancyRepository` + :class:`ChangeLog` on PostgreSQL; one connection per thread.

    ``dsn`` may carry ``?schema=name`` (or pass ``schema``); the schema is created and
    migrated on open. Writes run in one transaction each, together with their change-log and
    audit rows; ``actor`` (``settings.actor``; empty: the database user) is what the audit
    log records.
    """

    backend = "postgres"
    _ph = "%s"
    _inactive_sql = "SELECT id FROM portfolios WHERE updated_at < ?::timestamptz ORDER BY id"

    def __init__(self, dsn: str, *, schema: str | None = None, actor: str = ""):
        base, from_dsn = parse_schema(dsn)
        self.dsn = base
        self.schema = check_ident(schema or from_dsn or "public")
        self.actor = actor
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
        actor = current_actor(self.actor)
        if actor:
            con.execute("SELECT set_config('cmatch.actor', %s, true)", (actor,))

    def _tx(self):
        return self.con.transaction()

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
        table = record_table(kind)
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

    # ------------------------------------------------------ change log
    def instance(self) -> str:
        return self.con.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()[0]

    def compact_changes(self) -> int:
        """Drop change rows superseded by a later change of the same vacancy (safe for every reader)."""
        con = self.con
        with con.transaction():
            self._begin_write(con)
            return con.execute(
                "DELETE FROM vacancy_changes c USING vacancy_changes d "
                "WHERE d.vacancy_id = c.vacancy_id AND d.seq > c.seq").rowcount

    def close(self) -> None:
        for con in self._all:
            try:
                con.close()
            except Exception:  # noqa: BLE001
                pass
        self._all.clear()
        self._local = threading.local()
