"""Shards of a batch run: a plan, one file per shard written atomically, a final merge, and
the one loop that hands shards to workers (in this process, or Ray actors).

A shard file appears only complete (written to a temporary name, fsynced, renamed), and a
shard's content depends only on the plan, so a retried task rewrites the same bytes and a
killed run continues with the shards that are missing. ``plan.json`` names what the shards
were cut from; a different plan (other data, other options) starts the directory afresh.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

#: Attempts Ray gives a worker that died (its process killed, its machine lost) and its task.
RETRIES = 3


def plan_key(plan: dict) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so that it is either absent or complete (also across machines on one share)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ShardDir:
    """``<out>/shards/``: the plan and one ``part-NNNNN.<suffix>`` per finished shard."""

    def __init__(self, out_dir: Path | str, plan: dict, suffix: str = "jsonl"):
        self.out = Path(out_dir)
        self.root = self.out / "shards"
        self.plan = plan
        self.key = plan_key(plan)
        self.suffix = suffix

    def prepare(self) -> int:
        """Keep the shards of the same plan, drop those of another; returns how many are kept."""
        marker = self.root / "plan.json"
        if self.root.exists():
            same = marker.exists() and json.loads(marker.read_text(encoding="utf-8")).get("key") == self.key
            if not same:
                shutil.rmtree(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(marker, json.dumps({"key": self.key, "plan": self.plan}, ensure_ascii=False, indent=1).encode())
        return len(self.done())

    def path(self, shard: int, suffix: str | None = None) -> Path:
        return self.root / f"part-{shard:05d}.{suffix or self.suffix}"

    def done(self) -> set[int]:
        return {int(p.name[5:10]) for p in self.root.glob(f"part-*.{self.suffix}")}

    def write_lines(self, shard: int, lines: Iterable[str]) -> None:
        write_atomic(self.path(shard), "".join(line + "\n" for line in lines).encode())

    def read_lines(self, shard: int) -> list[str]:
        return self.path(shard).read_text(encoding="utf-8").splitlines()

    def merge(self, n_shards: int, dest: Path) -> int:
        """Concatenate shards 0..n-1 into ``dest`` (atomically); returns the number of lines."""
        missing = sorted(set(range(n_shards)) - self.done())
        if missing:
            raise RuntimeError(f"{len(missing)} shard(s) ontbreken (eerste: {missing[0]}); run opnieuw om te hervatten")
        tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
        n = 0
        with open(tmp, "wb") as out:
            for i in range(n_shards):
                data = self.path(i).read_bytes()
                n += data.count(b"\n")
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        return n


def cut(items: Sequence, size: int) -> list[list]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def run_shards(worker_cls: type, init_args: tuple, tasks: list[tuple], *, ray_address: str | None,
               workers: int, on_done: Callable[[Any, list], None] | None = None) -> list:
    """Call ``worker.run(*task)`` for every task, on ``workers`` workers; returns their results.

    Without ``ray_address`` one worker runs here, in order. With Ray each worker is an actor
    (one CPU; it loads what it needs once, in ``__init__``) that Ray restarts when its process
    dies, retrying the task it was running; ``on_done(result, actors)`` follows every finished task.
    """
    if not tasks:
        return []
    if ray_address is None:
        worker = worker_cls(*init_args)
        results = []
        for task in tasks:
            results.append(worker.run(*task))
            if on_done:
                on_done(results[-1], [worker])
        return results
    import ray
    from ray.util import ActorPool

    remote_cls = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES)(worker_cls)
    actors = [remote_cls.remote(*init_args) for _ in range(max(1, min(workers, len(tasks))))]
    pool = ActorPool(actors)
    results = []
    try:
        for res in pool.map_unordered(lambda actor, task: actor.run.remote(*task), tasks):
            results.append(res)
            if on_done:
                on_done(res, actors)
    finally:
        for actor in actors:
            ray.kill(actor)
    return results
