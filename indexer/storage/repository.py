"""The application store for vacancies and portfolios: one repository interface, one SQL module per backend.

This module holds **all** SQL for vacancies, portfolios and exposure counters of the SQLite
backend (``var/store/app.sqlite``, kept apart from the taxonomy file, which is rebuilt by atomic
replace). A PostgreSQL backend implements :class:`VacancyRepository` in its own module.

Records are stored as their JSON document (the dataclasses of :mod:`indexer.domain`) plus a
content checksum, so an import is idempotent by id: the same document again is ``unchanged``,
a changed one ``updated``. Side tables (``vacancy_competences``, ``portfolio_competences``) let
counts by competence run without loading documents. ``meta.generation`` increases with every
write, so in-memory matching indexes know when to reload.

>>> repo = SqliteVacancyRepository(":memory:")
>>> from indexer.domain import Vacancy
>>> repo.upsert_vacancies([Vacancy(id="V1", title="Lasser (m/v/x)")]).inserted
1
>>> repo.upsert_vacancies([Vacancy(id="V1", title="Lasser (m/v/x)")]).unchanged
1
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from indexer.domain import Portfolio, Vacancy, portfolio_from_dict, vacancy_from_dict

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


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


@runtime_checkable
class VacancyRepository(Protocol):
    """Storage of vacancies, portfolios and exposure counters (SQLite here, PostgreSQL later)."""

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> UpsertResult: ...
    def upsert_portfolios(self, items: Sequence[Portfolio]) -> UpsertResult: ...
    def get_vacancy(self, vacancy_id: str) -> Vacancy | None: ...
    def get_vacancies(self, ids: Sequence[str]) -> list[Vacancy]: ...
    def iter_vacancies(self) -> Iterator[Vacancy]: ...
    def get_portfolio(self, portfolio_id: str) -> Portfolio | None: ...
    def get_portfolios(self, ids: Sequence[str]) -> list[Portfolio]: ...
    def iter_portfolios(self) -> Iterator[Portfolio]: ...
    def count_vacancies(self) -> int: ...
    def count_portfolios(self) -> int: ...
    def delete_vacancies(self, ids: Sequence[str]) -> int: ...
    def delete_portfolios(self, ids: Sequence[str]) -> int: ...
    def generation(self) -> int: ...
    def state_key(self) -> str: ...
    def competence_ids(self) -> list[str]: ...
    def ids(self, kind: str, synthetic: bool | None = None) -> list[str]: ...
    def record_exposure(self, kind: str, ids: Sequence[str]) -> None: ...
    def exposure_counts(self, kind: str) -> dict[str, int]: ...
    def reset_exposure(self, kind: str | None = None) -> None: ...


def _doc(obj) -> tuple[str, str]:
    text = json.dumps(dataclasses.asdict(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()[:20]


def plan_upsert(items: Sequence, existing: dict[str, str]) -> tuple[UpsertResult, dict[str, tuple]]:
    """What an upsert writes, for every backend: ``(counts, {id: (item, doc, checksum)})``.

    ``existing`` maps stored ids to checksums (updated in place); an item whose document is
    unchanged is skipped, and within one batch the last item with an id wins.
    """
    res = UpsertResult()
    planned: dict[str, tuple] = {}
    for it in items:
        doc, checksum = _doc(it)
        if existing.get(it.id) == checksum:
            res.unchanged += 1
            continue
        if it.id in existing or it.id in planned:
            res.updated += 1
        else:
            res.inserted += 1
        existing[it.id] = checksum
        planned[it.id] = (it, doc, checksum)
    return res, planned


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _DocumentReads:
    """The typed reads both SQL repositories share; each backend supplies ``con``,
    ``_get_many(table, ids, make)`` and ``_iter(table, make)`` (its own placeholders, paging)."""

    con: Any

    def _get_many(self, table: str, ids: Sequence[str], make) -> list:
        raise NotImplementedError

    def _iter(self, table: str, make) -> Iterator:
        raise NotImplementedError

    def get_vacancy(self, vacancy_id: str) -> Vacancy | None:
        got = self._get_many("vacancies", [vacancy_id], vacancy_from_dict)
        return got[0] if got else None

    def get_vacancies(self, ids: Sequence[str]) -> list[Vacancy]:
        return self._get_many("vacancies", ids, vacancy_from_dict)

    def iter_vacancies(self) -> Iterator[Vacancy]:
        return self._iter("vacancies", vacancy_from_dict)

    def get_portfolio(self, portfolio_id: str) -> Portfolio | None:
        got = self._get_many("portfolios", [portfolio_id], portfolio_from_dict)
        return got[0] if got else None

    def get_portfolios(self, ids: Sequence[str]) -> list[Portfolio]:
        return self._get_many("portfolios", ids, portfolio_from_dict)

    def iter_portfolios(self) -> Iterator[Portfolio]:
        return self._iter("portfolios", portfolio_from_dict)

    def count_vacancies(self) -> int:
        return self.con.execute("SELECT COUNT(*) FROM vacancies").fetchone()[0]

    def count_portfolios(self) -> int:
        return self.con.execute("SELECT COUNT(*) FROM portfolios").fetchone()[0]

    def generation(self) -> int:
        return int(self.con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def competence_ids(self) -> list[str]:
        """Every competence id used by a stored vacancy or portfolio."""
        return [r[0] for r in self.con.execute(
            "SELECT competence_id FROM vacancy_competences UNION SELECT competence_id FROM portfolio_competences")]


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
        rows = [(it.id, doc, checksum, int(bool(it.synthetic)), _now()) for it, doc, checksum in planned.values()]
        changed = [it for it, _, _ in planned.values()]
        if not rows:
            return res
        with con:
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
        table = {"vacancies": "vacancies", "portfolios": "portfolios"}[kind]
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


def app_store_path(settings) -> Path:
    """``var/store/app.sqlite`` (``CMATCH_APP_DB`` overrides)."""
    import os

    override = os.environ.get("CMATCH_APP_DB")
    return Path(override) if override else Path(settings.var_dir) / "store" / "app.sqlite"


def open_repository(settings) -> VacancyRepository:
    """The configured backend: ``CMATCH_STORE=sqlite`` (default) or ``postgres`` (see vacancy_store_pg)."""
    from indexer.storage.postgres import open_repository as _open  # local import: that module imports this one

    return _open(settings)
