"""Erasure beyond the store rows: match caches and in-memory counters, and the retention purge.

The store erases rows (:meth:`indexer.storage.accounts.AccountsSQL.erase_person`,
``purge_portfolios``); what else holds a person's portfolio lives here: the match index
snapshots in ``var/match/engine-*.pkl`` (pickled encodings with portfolio ids; the engine's
next update drops the erased rows, and writes a snapshot without them at once) and the exposure
counters the running process keeps in memory.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from api.wiring import Components
from indexer.security.pseudonyms import tombstone

log = logging.getLogger(__name__)


def forget_portfolios(svc: Components, pids: Sequence[str]) -> int:
    """After the store erased ``pids``: remove every match snapshot and the in-memory exposure
    counts. Returns the number of snapshot files removed."""
    removed = 0
    for path in (svc.settings.var_dir / "match").glob("engine-*.pkl*"):
        path.unlink(missing_ok=True)
        removed += 1
    if "matcher" in svc.__dict__:   # only a loaded engine holds counts and rows in memory
        svc.matcher.exposure.forget(list(pids))
        svc.matcher.refresh(wait=True)   # the served index drops the person now, not after a background build
    return removed


def erase_person(svc: Components, name: str) -> dict:
    """``DELETE /api/v1/me``: the account and all stored about it, then the caches."""
    out = svc.vacancies.erase_person(name, tombstone(svc.settings.pseudonym_salt, "erased", name))
    pids = out.pop("portfolio_ids", [])
    out["snapshots_removed"] = forget_portfolios(svc, pids)
    return out


def purge_inactive(svc: Components, days: int | None = None, *, dry_run: bool = False) -> dict:
    """Delete portfolios unchanged for ``days`` (default ``settings.retention_days``; 0 = never)."""
    days = svc.settings.retention_days if days is None else days
    if days <= 0:
        return {"retention_days": days, "inactive": 0, "purged": 0, "dry_run": dry_run}
    pids = svc.vacancies.inactive_portfolios(days)
    purged = 0
    if pids and not dry_run:
        purged = svc.vacancies.purge_portfolios(pids, tombstone(svc.settings.pseudonym_salt, "retention", pids))
        forget_portfolios(svc, pids)
    return {"retention_days": days, "inactive": len(pids), "purged": purged, "dry_run": dry_run}
