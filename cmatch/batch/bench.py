"""``cmatch bench batch``: pairs per second of ``match-all`` in one process (default thread pools,
and pinned to one core and one BLAS/OpenMP thread as a Ray worker runs) and on 1 and 2 local Ray
workers, in one run over the same store (the match index is built once first, not timed).

Each figure is the whole run: handing out shards, the workers opening the engine (``load_s``:
the slowest worker's start), scoring and the merge; a Ray head already running is assumed, as
on a cluster, so starting the local head is not timed. The three outputs must be identical.
The cluster estimate divides the pairs of a 250,000 × 100,000 night by one hour and by the
per-worker rate measured with 2 workers (scoring one portfolio is linear in the vacancies, so
pairs per second per core carry over to a larger vacancy set as a first approximation).
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from api.wiring import Components
from cmatch.batch.match_all import MATCHES_FILE, match_all
from cmatch.batch.ray_runtime import LOCAL, ray_cluster
from eval.machine import limit_cores
from indexer.settings import Settings

NIGHT_PAIRS = 250_000 * 100_000
NIGHT_SECONDS = 3600


def bench_batch(settings: Settings, *, top: int = 20, shard_size: int = 200, workers: tuple[int, ...] = (1, 2)) -> dict:
    components = Components(settings)
    components.matcher.ensure_built()
    load_before = os.getloadavg()[0]
    runs: dict[str, dict] = {}
    outputs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="cmatch-bench-batch-") as tmp:
        def one(name: str, **kw) -> None:
            loads: list[float] = []
            rep = match_all(settings, Path(tmp) / name, top=top, shard_size=shard_size, components=components,
                            on_done=lambda res, _actors: loads.append(res["load_s"]), **kw)
            runs[name] = {"workers": rep.workers, "seconds": rep.seconds, "pairs_per_s": rep.pairs_per_s,
                          "load_s": max(loads, default=0.0)}
            outputs[name] = (Path(tmp) / name / MATCHES_FILE).read_bytes()

        one("single_process")
        _cores, restore = limit_cores(1)   # as a Ray worker runs: BLAS/OpenMP pools at one thread
        try:
            one("single_process_1_thread")
        finally:
            restore()
        with ray_cluster(LOCAL, max(workers)):
            for n in workers:
                one(f"ray_{n}", ray_address=LOCAL, workers=n)
    engine = components.matcher
    base = runs["single_process"]["pairs_per_s"]
    top_run = runs[f"ray_{max(workers)}"]
    per_worker = top_run["pairs_per_s"] / max(workers)
    return {"n_portfolios": engine.port.n, "n_vacancies": engine.vac.n, "pairs": engine.port.n * engine.vac.n,
            "top": top, "shard_size": shard_size, "cpus": os.cpu_count(), "runs": runs,
            "speedup_vs_single": {k: round(r["pairs_per_s"] / base, 2) for k, r in runs.items()},
            "identical_outputs": len(set(outputs.values())) == 1,
            "target_speedup_2_workers": 1.6,
            "target_met": bool(top_run["pairs_per_s"] >= 1.6 * base),
            "load_1min_before": round(load_before, 2), "load_1min_after": round(os.getloadavg()[0], 2),
            "estimate_250k_x_100k_in_1h": {
                "pairs_per_s_needed": round(NIGHT_PAIRS / NIGHT_SECONDS),
                "per_worker_pairs_per_s": round(per_worker),
                "worker_cores": math.ceil(NIGHT_PAIRS / NIGHT_SECONDS / per_worker) if per_worker else None}}
