"""Versioned SQL migrations of the application store, one folder per backend.

``migrations/<backend>/NNNN_name.sql`` (or ``NNNN_name.py``, whose ``SQL`` string is the
script: per-table statements written once as a template) are applied in order of ``NNNN``; each one runs
in its own transaction together with its row in ``schema_migrations`` (version, name, sha256,
applied_at), so a migration is applied completely or not at all, and exactly once. A migration
whose script changed after it was applied stops the runner (write a new migration instead); the
checksum covers the script, so a ``.py`` migration is checked like the ``.sql`` it could have been.
Concurrent runners are serialised (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``).

>>> [m.version for m in available("sqlite")][:2]
[1, 2]
"""
from __future__ import annotations

import hashlib
import re
import runpy
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

HERE = Path(__file__).resolve().parent
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")
LOCK_KEY = 0x636D6174  # "cmat": advisory lock key of the PostgreSQL runner

LEDGER = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at text NOT NULL)"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @cached_property
    def sql(self) -> str:
        """The script (a ``.py`` migration is run once per :class:`Migration` to get it)."""
        if self.path.suffix == ".py":
            script = runpy.run_path(str(self.path)).get("SQL")
            if not isinstance(script, str):
                raise MigrationError(f"Migratie {self.path.name} definieert geen SQL-tekst (SQL = \"...\")")
            return script
        return self.path.read_bytes().decode("utf-8")

    @cached_property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()[:16]


def available(backend: str) -> list[Migration]:
    """The migrations of ``backend`` (``postgres`` or ``sqlite``), in order."""
    found = []
    for p in sorted(q for q in (HERE / backend).iterdir() if q.suffix in (".sql", ".py")):
        m = _NAME.match(p.name)
        if not m:
            raise MigrationError(f"Migratie {p} heeft geen naam als 0001_naam.sql of 0001_naam.py")
        found.append(Migration(int(m.group(1)), m.group(2), p))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"Dubbele migratieversies in {HERE / backend}")
    return found


def _check(applied: dict[int, str], migrations: list[Migration]) -> None:
    for m in migrations:
        if m.version in applied and applied[m.version] != m.checksum:
            raise MigrationError(f"Migratie {m.path.name} is gewijzigd nadat ze werd toegepast "
                                 f"(schrijf een nieuwe migratie)")


# ---------------------------------------------------------------------- PostgreSQL
def apply_postgres(con) -> list[int]:
    """Apply pending migrations on a psycopg connection (in its current ``search_path``)."""
    migrations = available("postgres")
    done: list[int] = []
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        con.execute(LEDGER)
        applied = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        _check(applied, migrations)
        for m in migrations:
            if m.version in applied:
                continue
            with con.transaction():  # a savepoint: one migration, all or nothing
                con.execute(m.sql)
                con.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s, now()::text)",
                            (m.version, m.name, m.checksum))
            done.append(m.version)
    return done


# ---------------------------------------------------------------------- SQLite
def _statements(script: str) -> list[str]:
    """Split a script into complete statements (trigger bodies keep their semicolons)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip() and not all(l.strip().startswith("--") or not l.strip() for l in buf.splitlines()):
        raise MigrationError(f"Onvolledige SQL-opdracht: {buf[:80]!r}")
    return out


def apply_sqlite(target: str | Path | sqlite3.Connection) -> list[int]:
    """Apply pending migrations to the SQLite file ``target`` (own connection) or connection."""
    migrations = available("sqlite")
    own = not isinstance(target, sqlite3.Connection)
    con = sqlite3.connect(str(target), timeout=60) if own else target
    if con.in_transaction:
        con.commit()
    saved, con.isolation_level = con.isolation_level, None
    done: list[int] = []
    try:
        con.execute(LEDGER)
        for m in migrations:
            con.execute("BEGIN IMMEDIATE")
            try:
                applied = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
                _check(applied, migrations)
                if m.version in applied:
                    con.execute("COMMIT")
                    continue
                for stmt in _statements(m.sql):
                    con.execute(stmt)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                            (m.version, m.name, m.checksum))
                con.execute("COMMIT")
                done.append(m.version)
            except BaseException:
                con.execute("ROLLBACK")
                raise
    finally:
        con.isolation_level = saved
        if own:
            con.close()
    return done


def applied_versions(con) -> list[int]:
    """Versions recorded in ``schema_migrations`` (sqlite3 or psycopg connection)."""
    return [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]
