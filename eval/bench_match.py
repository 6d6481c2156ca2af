"""``cmatch bench match``: latency of person -> vacancies, top-20, warm, on (at most) 2 cores.

The engine is built first (not timed), a few warm-up queries run, then ``queries`` stored
portfolios (a fixed, evenly spaced sample) are matched one after the other, each returning
fully explained results (breakdown, evidence, gaps with "opens N vacancies"). Reported: p50,
p95, p99 and mean in milliseconds, plus the number of vacancies searched.
"""
from __future__ import annotations

import time

import numpy as np

from eval.machine import limit_cores


def bench_match(services, *, queries: int = 200, top: int = 20, threads: int = 2, warmup: int = 10) -> dict:
    cores, restore = limit_cores(threads)
    try:
        return _bench(services, queries, top, cores, warmup)
    finally:
        restore()


def _bench(services, queries: int, top: int, cores: int, warmup: int) -> dict:
    engine = services.matcher
    t0 = time.perf_counter()
    engine.ensure_built()
    build_s = time.perf_counter() - t0
    if engine.vac.n == 0 or engine.port.n == 0:
        raise RuntimeError("Geen vacatures of portfolio's geladen: voer eerst 'cmatch demo generate' uit.")
    step = max(1, engine.port.n // (queries + warmup))
    ids = engine.port.ids[::step][: queries + warmup]
    people = services.vacancies.get_portfolios(ids)
    times = []
    for i, p in enumerate(people):
        t = time.perf_counter()
        engine.match_vacancies(p, top=top, record_exposure=False)
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
    a = np.array(times)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "mean_ms": round(float(a.mean()), 2),
            "n_vacancies": engine.vac.n, "n_portfolios": engine.port.n, "queries": len(times), "top": top,
            "threads": cores, "warm": True, "index_build_s": round(build_s, 2), "near_source": engine.near.source,
            "target_p95_ms": 50, "target_met": bool(np.percentile(a, 95) <= 50)}
