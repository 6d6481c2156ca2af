"""What a benchmark does to the machine it measures on: pin cores, read resident memory.

Latency targets are stated for (at most) two cores; pinning the process and the BLAS/OpenMP
pools makes a run on a larger machine measure the same thing.
"""
from __future__ import annotations

import os
import resource
from collections.abc import Callable

from indexer.threads import limit_pools


def limit_cores(threads: int) -> tuple[int, Callable[[], None]]:
    """Pin this process to ``threads`` cores and BLAS/OpenMP pools to ``threads`` threads;
    returns (cores in use, a function that undoes it)."""
    undo = []
    try:
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, sorted(before)[:threads])
        undo.append(lambda: os.sched_setaffinity(0, before))
    except (AttributeError, OSError):
        pass
    undo.append(limit_pools(threads))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else threads

    def restore() -> None:
        for fn in reversed(undo):
            fn()
    return cores, restore


def rss_mb() -> float:
    """Resident set size of this process now, in MiB (NaN without psutil)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
