"""What every application store offers, and the parts the SQL backends share.

Records are stored as their JSON document (the dataclasses of :mod:`indexer.domain`) plus a
content checksum (:func:`document`), so an import is idempotent by id: the same document again
is ``unchanged``, a changed one ``updated`` (:func:`plan_upsert`). ``meta.generation``
increases with every write, so in-memory matching indexes know when to reload.

Beyond :class:`VacancyRepository`, the durable backends offer the :class:`ChangeLog` that the
durable FAISS index (:mod:`indexer.storage.vacancy_index`) catches up from:

* ``vacancy_changes(seq, vacancy_id, op)`` gets one row for every insert, update and delete of a
  vacancy, **by trigger, in the writing transaction** — no writer can forget it, and a crash
  either keeps the vacancy and its change or neither;
* sequence order is commit order (SQLite: one writer at a time; PostgreSQL: writers take one
  advisory lock before drawing a number), so a reader that has applied seq N never meets a
  smaller number later;
* ``audit_log`` records who inserted, updated or deleted which vacancy or portfolio, and when.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from indexer.domain import (MAX_ID_CHARS, Portfolio, Vacancy, id_problem, portfolio_from_dict, value_problems,
                            vacancy_from_dict)
from indexer.storage import migrations


@dataclass
class WriteCounts:
    """What a write of records did: new, changed and unchanged ones (a store's answer, and the
    tally of an import or batch embed that adds up those answers)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: "WriteCounts") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class UpsertResult(WriteCounts):
    #: ``(id, reason)`` of each record the store refused (the others are stored anyway)
    rejected: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.add(other)
        self.rejected += other.rejected
        return self


@runtime_checkable
class VacancyRepository(Protocol):
    """Storage of vacancies, portfolios and exposure counters (SQLite or PostgreSQL)."""

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
    def checksums(self, kind: str) -> dict[str, str]: ...
    def record_exposure(self, kind: str, ids: Sequence[str]) -> None: ...
    def exposure_counts(self, kind: str) -> dict[str, int]: ...
    def reset_exposure(self, kind: str | None = None) -> None: ...


@runtime_checkable
class ChangeLog(Protocol):
    """What the durable vacancy index needs from a repository besides reading vacancies."""

    def instance(self) -> str: ...
    def max_change_seq(self) -> int: ...
    def changes_since(self, seq: int, limit: int = 10000) -> list[tuple[int, str]]: ...
    def get_vacancies(self, ids: Sequence[str]) -> list[Vacancy]: ...
    def iter_vacancies(self) -> Iterator[Vacancy]: ...


class UnstorableRecord(ValueError):
    """A record no backend can keep as it is (bad id, NUL, NaN, too deep or too large)."""


def document(obj) -> tuple[str, str]:
    """The stored form of a record: canonical JSON and its checksum (the same in every backend).

    Raises :class:`UnstorableRecord` for what would break a backend or a reader (the last line of
    defence behind :mod:`matcher.ingest`): PostgreSQL's jsonb refuses NUL, JSON has no NaN.
    """
    bad = id_problem(obj.id)
    if bad:
        raise UnstorableRecord(f"id: {bad}")
    plain = dataclasses.asdict(obj)
    problems = value_problems(plain)
    if problems:
        raise UnstorableRecord("; ".join(problems[:3]))
    text = json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text, hashlib.sha256(text.encode()).hexdigest()[:20]


def plan_upsert(items: Sequence, existing: dict[str, str]) -> tuple[UpsertResult, dict[str, tuple]]:
    """What an upsert writes, for every backend: ``(counts, {id: (item, doc, checksum)})``.

    ``existing`` maps stored ids to checksums (updated in place); an item whose document is
    unchanged is skipped, and within one batch the last item with an id wins. A record that
    cannot be stored lands in ``counts.rejected``; the rest of the batch is written.
    """
    res = UpsertResult()
    planned: dict[str, tuple] = {}
    for it in items:
        try:
            doc, checksum = document(it)
        except UnstorableRecord as exc:
            res.rejected.append((str(it.id)[:MAX_ID_CHARS], str(exc)))
            continue
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


_RECORD_TABLES = {"vacancies": "vacancies", "portfolios": "portfolios"}


def record_table(kind: str) -> str:
    """The table of a record kind; any other kind is a KeyError (the name goes into SQL)."""
    return _RECORD_TABLES[kind]


class _DocumentReads:
    """The typed reads both SQL repositories share; each backend supplies ``con``,
    ``_get_many(table, ids, make)`` and ``_iter(table, make)`` (its own placeholders, paging)."""

    con: Any

    def _get_many(self, table: str, ids: Sequence[str], make) -> list:
        raise NotImplementedError

    def _iter(self, table: str, make) -> Iterator:
        raise NotImplementedError

    # one record, None when absent
    def get_vacancy(self, vacancy_id: str) -> Vacancy | None:
        return next(iter(self.get_vacancies([vacancy_id])), None)

    def get_portfolio(self, portfolio_id: str) -> Portfolio | None:
        return next(iter(self.get_portfolios([portfolio_id])), None)

    # the records of these ids that exist
    def get_vacancies(self, ids: Sequence[str]) -> list[Vacancy]:
        return self._get_many("vacancies", ids, vacancy_from_dict)

    def get_portfolios(self, ids: Sequence[str]) -> list[Portfolio]:
        return self._get_many("portfolios", ids, portfolio_from_dict)

    # every record, in id order
    def iter_vacancies(self) -> Iterator[Vacancy]:
        return self._iter("vacancies", vacancy_from_dict)

    def iter_portfolios(self) -> Iterator[Portfolio]:
        return self._iter("portfolios", portfolio_from_dict)

    def page_ids(self, kind: str, after: str = "", limit: int = 20) -> list[str]:
        """Keyset pagination: the next ``limit`` ids after ``after``, in id order (an index seek, whatever the page)."""
        table = record_table(kind)
        ph = getattr(self, "_ph", "?")
        return [r[0] for r in self.con.execute(f"SELECT id FROM {table} WHERE id > {ph} ORDER BY id LIMIT {ph}",
                                               (after, int(limit))).fetchall()]

    def checksums(self, kind: str) -> dict[str, str]:
        """Every stored record's content checksum by id: what an in-memory index compares with the
        checksums its rows were encoded from, to re-encode only what changed."""
        table = record_table(kind)
        return dict(self.con.execute(f"SELECT id, checksum FROM {table}").fetchall())

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


class _ChangeLogReads:
    """The change-log and audit-log reads of both durable backends (``_ph``: their placeholder)."""

    con: Any
    _ph: str

    def max_change_seq(self) -> int:
        return int(self.con.execute("SELECT coalesce(max(seq), 0) FROM vacancy_changes").fetchone()[0])

    def changes_since(self, seq: int, limit: int = 10000) -> list[tuple[int, str]]:
        ph = self._ph
        return [(int(s), v) for s, v in self.con.execute(
            f"SELECT seq, vacancy_id FROM vacancy_changes WHERE seq > {ph} ORDER BY seq LIMIT {ph}", (seq, limit))]

    def audit_log(self, entity: str | None = None, entity_id: str | None = None, limit: int = 100) -> list[dict]:
        where, args = [], []
        if entity:
            where.append(f"entity = {self._ph}")
            args.append(entity)
        if entity_id:
            where.append(f"entity_id = {self._ph}")
            args.append(entity_id)
        sql = ("SELECT id, at, actor, action, entity, entity_id, checksum FROM audit_log"
               + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY id DESC LIMIT {self._ph}")
        return [{"id": r[0], "at": r[1] if isinstance(r[1], str) else r[1].isoformat(), "actor": r[2],
                 "action": r[3], "entity": r[4], "entity_id": r[5], "checksum": r[6]}
                for r in self.con.execute(sql, (*args, limit))]

    def migrations_applied(self) -> list[int]:
        return migrations.applied_versions(self.con)
