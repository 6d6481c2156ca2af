"""Files this program writes for itself and may read back later (indexes, caches, snapshots):
written under a temporary name and renamed, so a reader sees the old file or the new one, and
pickles that are rebuilt, never fatal, when they cannot be read."""
from __future__ import annotations

import logging
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def write_atomic(target: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp_path)`` then rename over ``target``; the temporary name is unique per process
    and thread, and never left behind."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def save_pickle(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` (folder made when missing), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)

    write_atomic(path, write)


def load_pickle(path: Path) -> object | None:
    """What :func:`save_pickle` wrote, or None: silently when there is no file, with a warning
    when it cannot be read (stale or damaged: the caller rebuilds)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:
        log.warning("cache %s onleesbaar (%s); opnieuw opgebouwd", path, exc)
        return None
