"""How many threads one call of the numeric libraries (BLAS, OpenMP) may use.

A serving process answers concurrent requests one thread each; a BLAS or OpenMP pool that also
splits each small product over every core only makes those threads wait for each other (on 2
busy cores a match took 20 ms with the pools at 2 threads, 9 ms at 1). Builds and benchmarks set
their own counts.
"""
from __future__ import annotations

from collections.abc import Callable


def limit_pools(threads: int) -> Callable[[], None]:
    """Cap the BLAS and OpenMP pools loaded now at ``threads``; returns what undoes it.

    OpenBLAS's count holds for the whole process; OpenMP's only for the calling thread, which is
    why a FAISS search sets its own (:class:`indexer.storage.vacancy_index.IndexConfig`)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it the pools stay as they are
        return lambda: None
    return threadpool_limits(threads).restore_original_limits
