"""Accounts, tokens, record owners and consents: the SQL both durable backends share.

* an **account** has a name, a role (``jobseeker``, ``employer``, ``counsellor``, ``admin``), an
  organisation (employers) and an optional argon2 password hash (hashing lives in
  :mod:`indexer.security.passwords`; this module stores strings);
* a **token** is stored only as its SHA-256 (``api`` tokens until revoked, ``session`` tokens of
  the web login with an expiry), so a copy of the database holds no usable credential;
* a **record owner** says which account (portfolios) or ``org:<organisation>`` (vacancies) may
  change a record; records without an owner (imports, demo data) are the admin's;
* a **consent** lets one counsellor read one portfolio until the owner revokes it;
* a **job** is the status document of a background import, readable by every server process.

Mixed into :class:`~indexer.storage.sqlite.DurableSqliteVacancyRepository` and
:class:`~indexer.storage.postgres.PostgresVacancyRepository`, which supply ``con``, ``_ph`` and
``_tx()``.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.clock import utc_stamp

ROLES: tuple[str, ...] = ("jobseeker", "employer", "counsellor", "admin")


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    organisation: str = ""
    password_hash: str | None = None
    created_at: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountsSQL:
    """Accounts, tokens, owners and consents on a durable repository (see the module docstring)."""

    con: Any
    _ph: str

    def _tx(self):
        raise NotImplementedError

    def _one(self, sql: str, args: tuple = ()):
        return self.con.execute(sql.replace("?", self._ph), args).fetchone()

    def _rows(self, sql: str, args: tuple = ()) -> list:
        return self.con.execute(sql.replace("?", self._ph), args).fetchall()

    def _run(self, sql: str, args: tuple = ()) -> int:
        with self._tx():
            con = self.con
            return con.execute(sql.replace("?", self._ph), args).rowcount

    # ------------------------------------------------------------ accounts
    def add_account(self, name: str, role: str, *, organisation: str = "", password_hash: str | None = None) -> Account:
        if role not in ROLES:
            raise ValueError(f"onbekende rol '{role}' (kies uit {', '.join(ROLES)})")
        if self.get_account(name) is not None:
            raise ValueError(f"account '{name}' bestaat al")
        self._run("INSERT INTO accounts (name, role, organisation, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                  (name, role, organisation, password_hash, utc_stamp()))
        return self.get_account(name)

    def get_account(self, name: str) -> Account | None:
        row = self._one("SELECT name, role, organisation, password_hash, created_at FROM accounts WHERE name = ?", (name,))
        return Account(*row) if row else None

    def list_accounts(self) -> list[Account]:
        return [Account(*r) for r in self._rows(
            "SELECT name, role, organisation, password_hash, created_at FROM accounts ORDER BY name")]

    def set_password_hash(self, name: str, password_hash: str) -> None:
        self._run("UPDATE accounts SET password_hash = ? WHERE name = ?", (password_hash, name))

    def remove_account(self, name: str) -> int:
        with self._tx():
            con = self.con
            con.execute(f"DELETE FROM api_tokens WHERE account = {self._ph}", (name,))
            con.execute(f"DELETE FROM consents WHERE counsellor = {self._ph}", (name,))
            return con.execute(f"DELETE FROM accounts WHERE name = {self._ph}", (name,)).rowcount

    # ------------------------------------------------------------ tokens
    def add_token(self, account: str, token: str, *, kind: str = "api", ttl_s: float | None = None) -> None:
        self._run("INSERT INTO api_tokens (token_hash, account, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                  (token_hash(token), account, kind, utc_stamp(), utc_stamp(time.time() + ttl_s) if ttl_s else None))

    def account_for_token(self, token: str, kinds: Sequence[str] = ("api", "session")) -> Account | None:
        row = self._one("SELECT a.name, a.role, a.organisation, a.password_hash, a.created_at, t.kind, t.expires_at "
                        "FROM api_tokens t JOIN accounts a ON a.name = t.account WHERE t.token_hash = ?",
                        (token_hash(token),))
        if row is None or row[5] not in kinds or (row[6] and row[6] < utc_stamp()):
            return None
        return Account(*row[:5])

    def revoke_token(self, token: str) -> int:
        return self._run("DELETE FROM api_tokens WHERE token_hash = ?", (token_hash(token),))

    # ------------------------------------------------------------ owners
    def set_owner(self, entity: str, entity_id: str, owner: str) -> None:
        with self._tx():
            con = self.con
            ph = self._ph
            con.execute(f"DELETE FROM record_owners WHERE entity = {ph} AND entity_id = {ph}", (entity, entity_id))
            con.execute(f"INSERT INTO record_owners VALUES ({ph}, {ph}, {ph})", (entity, entity_id, owner))

    def owner_of(self, entity: str, entity_id: str) -> str | None:
        row = self._one("SELECT owner FROM record_owners WHERE entity = ? AND entity_id = ?", (entity, entity_id))
        return row[0] if row else None

    def owned_by(self, entity: str, owner: str) -> list[str]:
        return [r[0] for r in self._rows("SELECT entity_id FROM record_owners WHERE entity = ? AND owner = ? "
                                        "ORDER BY entity_id", (entity, owner))]

    # ------------------------------------------------------------ consents
    def grant_consent(self, portfolio_id: str, counsellor: str) -> None:
        with self._tx():
            con = self.con
            ph = self._ph
            con.execute(f"DELETE FROM consents WHERE portfolio_id = {ph} AND counsellor = {ph}", (portfolio_id, counsellor))
            con.execute(f"INSERT INTO consents (portfolio_id, counsellor, granted_at) VALUES ({ph}, {ph}, {ph})",
                        (portfolio_id, counsellor, utc_stamp()))

    def revoke_consent(self, portfolio_id: str, counsellor: str) -> int:
        return self._run("DELETE FROM consents WHERE portfolio_id = ? AND counsellor = ?", (portfolio_id, counsellor))

    def has_consent(self, portfolio_id: str, counsellor: str) -> bool:
        return self._one("SELECT 1 FROM consents WHERE portfolio_id = ? AND counsellor = ?",
                         (portfolio_id, counsellor)) is not None

    def consents_of(self, portfolio_id: str) -> list[dict]:
        return [{"counsellor": c, "granted_at": g} for c, g in self._rows(
            "SELECT counsellor, granted_at FROM consents WHERE portfolio_id = ? ORDER BY counsellor", (portfolio_id,))]

    def consented_to(self, counsellor: str) -> list[str]:
        return [r[0] for r in self._rows("SELECT portfolio_id FROM consents WHERE counsellor = ? ORDER BY portfolio_id",
                                        (counsellor,))]

    # ------------------------------------------------------------ erasure (GDPR art. 17)
    def _after_erase(self) -> None:
        """Backend hook: push erased bytes out of journals (SQLite: WAL checkpoint)."""

    def _erase_portfolios(self, con, pids: Sequence[str]) -> None:
        """Inside a transaction: the side rows of deleted portfolios (exposure, consents, owners, audit)."""
        ph = self._ph
        for pid in pids:
            con.execute(f"DELETE FROM exposure WHERE item_id = {ph}", (pid,))
            con.execute(f"DELETE FROM consents WHERE portfolio_id = {ph}", (pid,))
            con.execute(f"DELETE FROM record_owners WHERE entity = 'portfolio' AND entity_id = {ph}", (pid,))
            con.execute(f"DELETE FROM audit_log WHERE entity = 'portfolio' AND entity_id = {ph}", (pid,))

    def erase_person(self, name: str, tombstone: str) -> dict:
        """Remove an account and everything stored about it: its portfolios (rows, side rows,
        exposure counters, consents, owners), its tokens, the consents it holds, and its audit
        rows, which become one row naming only ``tombstone`` (a salted pseudonym)."""
        ph = self._ph
        pids = self.owned_by("portfolio", name)
        if pids:
            self.delete_portfolios(pids)
        with self._tx():
            con = self.con
            self._erase_portfolios(con, pids)
            con.execute(f"DELETE FROM record_owners WHERE owner = {ph}", (name,))
            con.execute(f"DELETE FROM api_tokens WHERE account = {ph}", (name,))
            con.execute(f"DELETE FROM consents WHERE counsellor = {ph}", (name,))
            con.execute(f"DELETE FROM audit_log WHERE actor = {ph}", (name,))
            con.execute(f"DELETE FROM jobs WHERE owner = {ph}", (name,))
            n = con.execute(f"DELETE FROM accounts WHERE name = {ph}", (name,)).rowcount
            con.execute(f"INSERT INTO audit_log (actor, action, entity, entity_id, checksum) "
                        f"VALUES ({ph}, 'delete', 'person', {ph}, NULL)", (tombstone, tombstone))
        self._after_erase()
        return {"accounts": n, "portfolios": len(pids), "portfolio_ids": pids}

    # ------------------------------------------------------------ background jobs
    def save_job(self, job_id: str, owner: str, doc: dict, *, keep: int = 1000) -> None:
        """Insert or update a job's status document; only the newest ``keep`` jobs are kept."""
        with self._tx():
            con, ph = self.con, self._ph
            con.execute(f"INSERT INTO jobs (id, seq, owner, doc) VALUES ({ph}, (SELECT coalesce(max(seq), 0) + 1 "
                        f"FROM jobs), {ph}, {ph}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                        (job_id, owner, json.dumps(doc)))
            con.execute(f"DELETE FROM jobs WHERE seq <= (SELECT coalesce(max(seq), 0) FROM jobs) - {int(keep)}")

    def get_job(self, job_id: str) -> tuple[str, dict] | None:
        """(owner, status document) of a job, or ``None``."""
        row = self._one("SELECT owner, doc FROM jobs WHERE id = ?", (job_id,))
        return (row[0], json.loads(row[1])) if row else None

    def jobs_of(self, owner: str) -> list[dict]:
        """The status documents of ``owner``'s jobs, oldest first (for the personal export)."""
        return [json.loads(r[0]) for r in self._rows("SELECT doc FROM jobs WHERE owner = ? ORDER BY seq", (owner,))]

    # ------------------------------------------------------------ retention
    def inactive_portfolios(self, days: int, *, now: float | None = None) -> list[str]:
        """Ids of portfolios not changed for ``days`` days (``updated_at``; synthetic demo rows included)."""
        cutoff = utc_stamp((now or time.time()) - days * 86400)
        return [r[0] for r in self._rows(self._inactive_sql, (cutoff,))]

    #: Backend-specific comparison of ``updated_at`` with an ISO cutoff (SQLite text, PostgreSQL timestamptz).
    _inactive_sql = "SELECT id FROM portfolios WHERE updated_at < ? ORDER BY id"

    def purge_portfolios(self, pids: Sequence[str], tombstone: str) -> int:
        """Delete portfolios past their retention period with all side rows; the audit log keeps
        one ``retention`` row naming ``tombstone`` instead of the ids."""
        if not pids:
            return 0
        n = self.delete_portfolios(list(pids))
        with self._tx():
            con = self.con
            self._erase_portfolios(con, pids)
            con.execute(f"INSERT INTO audit_log (actor, action, entity, entity_id, checksum) "
                        f"VALUES ({self._ph}, 'delete', 'retention', {self._ph}, NULL)", (tombstone, tombstone))
        self._after_erase()
        return n
