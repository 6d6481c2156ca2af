"""Nightly matching: every stored portfolio against every stored vacancy, top ``k`` each.

The driver builds (or loads) the match index once, which leaves the engine's snapshot and the
near table in ``var/match``; each worker then opens the engine exactly as the API does
(``Components(settings).matcher``) from the same store and snapshot, once per worker process,
and scores whole shards of portfolios. Portfolio ids are sorted and cut into contiguous
shards, so concatenating the shard files in order gives ``matches.jsonl`` sorted by portfolio
id, byte for byte the same in one process and on any number of Ray workers::

    {"portfolio": "SYN-P-00001", "vacancies": [["SYN-V-004512", 0.8123], ...]}

Exposure is neither read nor recorded (``spread_exposure`` stays off), so the result depends
only on the stored records.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from api.wiring import Components
from cmatch.batch.shards import ShardDir, cut, run_shards
from indexer.settings import Settings

MATCHES_FILE = "matches.jsonl"


def match_line(engine, portfolio, top: int) -> str:
    """One output line: the portfolio's top vacancies with their scores (no explanations)."""
    res = engine.match_vacancies(portfolio, top=top, explain=False, record_exposure=False)
    return json.dumps({"portfolio": portfolio.id, "vacancies": [[r.vacancy["id"], r.score] for r in res.results]},
                      ensure_ascii=False, separators=(",", ":"))


class MatchShardWorker:
    """One worker: the engine loaded once, then shard after shard."""

    def __init__(self, settings: Settings, state_key: str, out_dir: str, plan: dict):
        t0 = time.perf_counter()
        components = Components(settings)
        self.repo = components.vacancies
        if self.repo.state_key() != state_key:
            raise RuntimeError("de opslag veranderde tijdens de batch; start de batch opnieuw")
        self.engine = components.matcher
        self.engine.ensure_built()
        self.shards = ShardDir(out_dir, plan)
        self.load_seconds = round(time.perf_counter() - t0, 3)

    def pid(self) -> int:
        return os.getpid()

    def run(self, shard: int, ids: list[str], top: int) -> dict:
        people = {p.id: p for p in self.repo.get_portfolios(ids)}
        self.shards.write_lines(shard, (match_line(self.engine, people[i], top) for i in ids if i in people))
        return {"shard": shard, "portfolios": len(ids), "pid": os.getpid(), "load_s": self.load_seconds}


@dataclass
class MatchAllReport:
    n_portfolios: int
    n_vacancies: int
    seconds: float
    pairs_per_s: float
    workers: int
    shards: int
    resumed_shards: int
    top: int
    out: str
    ray: str | None


def match_all(settings: Settings, out_dir: Path | str, *, top: int = 20, ray_address: str | None = None,
              workers: int = 1, shard_size: int = 200, on_done=None, components: Components | None = None) -> MatchAllReport:
    """Write ``out_dir/matches.jsonl``; with ``ray_address`` the shards run on Ray (``cmatch.batch.ray_runtime``
    must have connected). ``seconds`` runs from the first shard handed out to the merged file."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    components = components or Components(settings)
    engine = components.matcher
    state = components.vacancies.state_key()
    engine.ensure_built()   # once, here: writes the snapshot the workers load
    ids = sorted(components.vacancies.ids("portfolios"))
    parts = cut(ids, max(1, shard_size))
    plan = {"job": "match-all", "state": state, "top": top, "n": len(ids), "shard_size": shard_size,
            "bounds": [[p[0], p[-1]] for p in parts]}
    shards = ShardDir(out, plan)
    resumed = shards.prepare()
    done = shards.done()
    tasks = [(i, p, top) for i, p in enumerate(parts) if i not in done]
    t0 = time.perf_counter()
    run_shards(MatchShardWorker, (settings, state, str(out), plan), tasks, ray_address=ray_address,
               workers=workers, on_done=on_done)
    shards.merge(len(parts), out / MATCHES_FILE)
    seconds = time.perf_counter() - t0
    scored = sum(len(t[1]) for t in tasks)
    n_vac = engine.vac.n
    return MatchAllReport(len(ids), n_vac, round(seconds, 3), round(scored * n_vac / seconds, 1) if seconds > 0 else 0.0,
                          workers if ray_address else 1, len(parts), resumed, top, str(out / MATCHES_FILE), ray_address)
