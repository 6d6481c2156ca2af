"""Starting or joining the Ray cluster of a batch run.

``local`` starts a private head on 127.0.0.1 with ``workers`` CPUs, no dashboard and no usage
statistics (nothing listens beyond this machine and nothing phones home); any other value is
the address of a running cluster (``ray start --head`` on one machine, ``ray start
--address=HEAD:6379`` on the others). A session that finds Ray already initialised (a test, a
notebook) uses it and leaves it running.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from indexer.settings import set_offline_env

LOCAL = "local"
LOOPBACK = "127.0.0.1"


def init_local(workers: int) -> None:
    """A private single-machine cluster on the loopback address only."""
    import ray

    ray.init(address=LOCAL, num_cpus=workers, include_dashboard=False, _node_ip_address=LOOPBACK,
             log_to_driver=False, configure_logging=False)


@contextmanager
def ray_cluster(address: str, workers: int | None = None) -> Iterator[int]:
    """Connect for the duration of a run; yields the number of CPUs the cluster offers."""
    set_offline_env()  # before Ray starts its processes: they inherit it
    import ray

    owned = not ray.is_initialized()
    if owned:
        if address == LOCAL:
            init_local(workers or os.cpu_count() or 1)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        if owned:
            ray.shutdown()
