"""``cmatch bench update``: what one write costs the match index, against encoding every row.

The configured store's vacancies and portfolios are copied into a throw-away SQLite store (the
real one is never written). One engine encodes everything (``full_build_s``); then ``writes``
times a vacancy and a portfolio are changed in turn, and each time a successor engine is made
from the previous one, as the API does after a write (:mod:`api.match_refresh`):
``update_*_ms`` is its :meth:`~matcher.matching.engine.MatchEngine.ensure_built`, which
re-encodes only the changed row (:class:`~matcher.matching.match_index.MatchIndex`).
"""
from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

from indexer.storage.sqlite import SqliteVacancyRepository


def bench_update(services, *, writes: int = 20) -> dict:
    from matcher.matching.engine import MatchEngine

    tax, vectors, near = services.match_taxonomy, services.competence_vectors, services.matcher.near
    with tempfile.TemporaryDirectory(prefix="cmatch-bench-update-") as tmp:
        repo = SqliteVacancyRepository(Path(tmp) / "app.sqlite")
        try:
            repo.upsert_vacancies(list(services.vacancies.iter_vacancies()))
            repo.upsert_portfolios(list(services.vacancies.iter_portfolios()))
            vids, pids = repo.ids("vacancies"), repo.ids("portfolios")
            if not vids or not pids:
                raise RuntimeError("Geen vacatures of portfolio's: voer eerst 'cmatch demo generate' uit.")
            t = time.perf_counter()
            engine = MatchEngine(tax, repo, near, vectors=vectors)
            engine.ensure_built()
            full_s = time.perf_counter() - t
            times: dict[str, list[float]] = {"vacancy": [], "portfolio": []}
            for i in range(writes):
                v = repo.get_vacancy(vids[i % len(vids)])
                repo.upsert_vacancies([dataclasses.replace(v, title=f"{v.title} ({i})")])
                engine = _timed_successor(engine, tax, repo, vectors, times["vacancy"])
                p = repo.get_portfolio(pids[i % len(pids)])
                repo.upsert_portfolios([dataclasses.replace(p, max_distance_km=(p.max_distance_km or 20) + 1)])
                engine = _timed_successor(engine, tax, repo, vectors, times["portfolio"])
        finally:
            repo.close()
    out = {"vacancies": len(vids), "portfolios": len(pids), "writes_each": writes, "cores": os.cpu_count(),
           "load_1min": round(os.getloadavg()[0], 2), "full_build_s": round(full_s, 2)}
    for kind, ts in times.items():
        out[f"update_{kind}_ms_median"] = round(1000 * statistics.median(ts), 1)
        out[f"update_{kind}_ms_max"] = round(1000 * max(ts), 1)
    return out


def _timed_successor(previous, tax, repo, vectors, into: list[float]):
    from matcher.matching.engine import MatchEngine

    t = time.perf_counter()
    engine = MatchEngine(tax, repo, base=previous, vectors=vectors)
    engine.ensure_built()
    into.append(time.perf_counter() - t)
    if engine.last_build != "updated":
        raise RuntimeError(f"verwacht een bijwerking van één rij, kreeg '{engine.last_build}'")
    return engine
