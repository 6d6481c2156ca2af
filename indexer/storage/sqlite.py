"""The SQLite backends of the application store: plain, and durable (change log + audit log).

:class:`SqliteVacancyRepository` holds **all** SQL for vacancies, portfolios and exposure
counters on SQLite (``var/store/app.sqlite``, kept apart from the taxonomy file, which is rebuilt
by atomic replace). Side tables (``vacancy_competences``, ``portfolio_competences``) let counts by
competence run without loading documents. :class:`DurableSqliteVacancyRepository` adds the
change log and audit log of :mod:`indexer.storage.protocol` by migrations with triggers
(``migrations/sqlite/``).

>>> repo = SqliteVacancyRepository(":memory:")
>>> from indexer.domain import Vacancy
>>> repo.upsert_vacancies([Vacancy(id="V1", title="Lasser (m/v/x)")]).inserted
1
>>> repo.upsert_vacancies([Vacancy(id="V1", title="Lasser (m/v/x)")]).unchanged
1
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from indexer.clock import utc_stamp
from indexer.domain import Portfolio, Vacancy
from indexer.storage import migrations
from indexer.storage.accounts import AccountsSQL
from indexer.storage.actor import current_actor
from indexer.storage.protocol import UpsertResult, _ChangeLogReads, _DocumentReads, plan_upsert, record_table

APP_SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vacancies (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, checksum TEXT NOT NULL, synthetic INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vacancy_competences (
    vacancy_id TEXT NOT NULL, competence_id TEXT NOT NULL, importance TEXT NOT NULL, weight REAL NOT NULL,
    PRIMARY KEY (vacancy_id, competence_id)
);
CREATE TABLE IF NOT EXISTS portfolios (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, checksum TEXT NOT NULL, synthetic INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS portfolio_competences (
    portfolio_id TEXT NOT NULL, competence_id TEXT NOT NULL, PRIMARY KEY (portfolio_id, competence_id)
);
CREATE TABLE IF NOT EXISTS exposure (kind TEXT NOT NULL, item_id TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (kind, item_id));
CREATE INDEX IF NOT EXISTS ix_vc_comp ON vacancy_competences(competence_id);
CREATE INDEX IF NOT EXISTS ix_pc_comp ON portfolio_competences(competence_id);
"""


class SqliteVacancyRepository(_DocumentReads):
    """:class:`VacancyRepository` over one SQLite file; one connection per thread."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self._memory = self.path == ":memory:"
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        con = self.con
        con.executescript(SCHEMA)
        con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (APP_SCHEMA_VERSION,))
        con.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        con.execute("INSERT OR IGNORE INTO meta VALUES ('instance', ?)", (uuid.uuid4().hex[:12],))
        con.commit()

    @property
    def con(self) -> sqlite3.Connection:
        if self._memory:
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False)
            return self._shared
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        return con

    # ---------------------------------------------------------------- writes
    def _bump(self, con: sqlite3.Connection) -> None:
        con.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def _before_write(self, con: sqlite3.Connection) -> None:
        """Inside every writing transaction, before the first change (the durable store names its actor)."""

    def _upsert(self, table: str, items: Sequence, side) -> UpsertResult:
        if not items:
            return UpsertResult()
        con = self.con
        ids = [it.id for it in items]
        existing: dict[str, str] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            q = f"SELECT id, checksum FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
            existing.update(dict(con.execute(q, chunk).fetchall()))
        res, planned = plan_upsert(items, existing)
        rows = [(it.id, doc, checksum, int(bool(it.synthetic)), utc_stamp()) for it, doc, checksum in planned.values()]
        changed = [it for it, _, _ in planned.values()]
        if not rows:
            return res
        with con:
            self._before_write(con)
            con.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?,?)", rows)
            side(con, changed)
            self._bump(con)
        return res

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> UpsertResult:
        def side(con, changed):
            con.executemany("DELETE FROM vacancy_competences WHERE vacancy_id = ?", [(v.id,) for v in changed])
            con.executemany("INSERT OR REPLACE INTO vacancy_competences VALUES (?,?,?,?)",
                            [(v.id, c.competence_id, c.importance, c.weight) for v in changed for c in v.competences])
        return self._upsert("vacancies", items, side)

    def upsert_portfolios(self, items: Sequence[Portfolio]) -> UpsertResult:
        def side(con, changed):
            con.executemany("DELETE FROM portfolio_competences WHERE portfolio_id = ?", [(p.id,) for p in changed])
            con.executemany("INSERT OR REPLACE INTO portfolio_competences VALUES (?,?)",
                            [(p.id, c.competence_id) for p in changed for c in p.competences])
        return self._upsert("portfolios", items, side)

    def _delete(self, table: str, side: str, key: str, ids: Sequence[str]) -> int:
        con = self.con
        with con:
            self._before_write(con)
            n = con.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in ids]).rowcount
            con.executemany(f"DELETE FROM {side} WHERE {key} = ?", [(i,) for i in ids])
            self._bump(con)
        return n

    def delete_vacancies(self, ids: Sequence[str]) -> int:
        return self._delete("vacancies", "vacancy_competences", "vacancy_id", ids)

    def delete_portfolios(self, ids: Sequence[str]) -> int:
        return self._delete("portfolios", "portfolio_competences", "portfolio_id", ids)

    # ----------------------------------------------------------------- reads
    def _get_many(self, table: str, ids: Sequence[str], make) -> list:
        if not ids:
            return []
        found: dict[str, object] = {}
        for start in range(0, len(ids), 900):
            chunk = list(ids[start:start + 900])
            q = f"SELECT id, doc FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
            for rid, doc in self.con.execute(q, chunk):
                found[rid] = make(json.loads(doc))
        return [found[i] for i in ids if i in found]

    def _iter(self, table: str, make) -> Iterator:
        for (doc,) in self.con.execute(f"SELECT doc FROM {table} ORDER BY id"):
            yield make(json.loads(doc))

    def state_key(self) -> str:
        """Changes whenever the content changes (this database's instance id + generation)."""
        inst = self.con.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()[0]
        return f"{inst}-{self.generation()}"

    def ids(self, kind: str, synthetic: bool | None = None) -> list[str]:
        table = record_table(kind)
        sql = f"SELECT id FROM {table}"
        args: tuple = ()
        if synthetic is not None:
            sql += " WHERE synthetic = ?"
            args = (int(synthetic),)
        return [r[0] for r in self.con.execute(sql + " ORDER BY id", args)]

    # -------------------------------------------------------------- exposure
    def record_exposure(self, kind: str, ids: Sequence[str]) -> None:
        con = self.con
        with con:
            con.executemany(
                "INSERT INTO exposure VALUES (?,?,1) ON CONFLICT(kind, item_id) DO UPDATE SET count = count + 1",
                [(kind, i) for i in ids])

    def exposure_counts(self, kind: str) -> dict[str, int]:
        return dict(self.con.execute("SELECT item_id, count FROM exposure WHERE kind = ?", (kind,)).fetchall())

    def reset_exposure(self, kind: str | None = None) -> None:
        con = self.con
        with con:
            if kind is None:
                con.execute("DELETE FROM exposure")
            else:
                con.execute("DELETE FROM exposure WHERE kind = ?", (kind,))

    def close(self) -> None:
        con = self._shared if self._memory else getattr(self._local, "con", None)
        if con is not None:
            con.close()
        self._shared = None
        self._local.con = None


class DurableSqliteVacancyRepository(SqliteVacancyRepository, _ChangeLogReads, AccountsSQL):
    """The SQLite backend plus the change log, audit log, accounts and consents (migrations).

    Commits are fsynced (``synchronous=FULL``), so a snapshot of the index can never be ahead
    of what the database keeps after a power loss. The audit triggers record the acting account
    (:func:`indexer.storage.actor.current_actor`), else ``actor`` (``settings.actor``), else
    ``'app'``. Deleted rows are overwritten on disk (``secure_delete``).
    """

    backend = "sqlite"
    _ph = "?"

    def __init__(self, path: Path | str, *, actor: str = ""):
        super().__init__(path)
        self.actor = actor
        self.migrated = migrations.apply_sqlite(self.con if self._memory else self.path)

    @property
    def con(self) -> sqlite3.Connection:
        fresh = not self._memory and getattr(self._local, "con", None) is None
        con = super().con
        if fresh:
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA secure_delete=ON")
        return con

    def _tx(self):
        return self.con

    def _after_erase(self) -> None:
        if not self._memory:
            self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.con.execute("VACUUM")

    def _before_write(self, con: sqlite3.Connection) -> None:
        con.execute("INSERT OR REPLACE INTO write_actor VALUES (1, ?)", (current_actor(self.actor) or "app",))

    def instance(self) -> str:
        row = self.con.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
        return row[0] if row else f"sqlite:{self.path}"

    def compact_changes(self) -> int:
        """Drop change rows superseded by a later change of the same vacancy (safe for every reader)."""
        con = self.con
        with con:
            return con.execute(
                "DELETE FROM vacancy_changes WHERE EXISTS (SELECT 1 FROM vacancy_changes d "
                "WHERE d.vacancy_id = vacancy_changes.vacancy_id AND d.seq > vacancy_changes.seq)").rowcount
