"""A durable, incremental FAISS index of the stored vacancies, caught up from the database.

**The database is the source of truth.** Every write of a vacancy leaves a row in the
repository's change log (``vacancy_changes``: ``seq``, ``vacancy_id``), written by trigger in
the same transaction (see :mod:`indexer.storage.protocol`). The index remembers the last
``seq`` it applied; :meth:`VacancyIndex.catch_up` reads the changes after it, looks up the
*current* state of those vacancies and applies it: remove the id, add it again if it still
exists. Replaying a change twice therefore changes nothing, and a crash at any moment — of
the importer, of an API process, in the middle of a snapshot — loses and duplicates nothing:
on start the index loads its newest complete snapshot and replays what came after.

**Snapshots** are written to ``<root>/.tmp-<pid>-…``, fsynced, renamed to
``<root>/s<seq>/`` (``index.faiss``, ``keys.npy``, ``names.txt``, ``manifest.json``) and
made current by an atomic rewrite of ``<root>/ACTIVE``. A snapshot is only used when its
manifest matches the database instance and the vector definition and is not ahead of the
database; otherwise the index is rebuilt from the database.

**Two API processes** serve the same data by each loading the snapshot and catching up from
the database (:meth:`VacancyIndex.refresh` before a search); writers only write the database.

**Vectors.** A vacancy's vector is the L2-normalised weighted sum of its competences' vectors
(essential 1.0, optional 0.35, times the profile weight); a portfolio's, the normalised sum
of its competences'. Competence vectors (:class:`CompetenceVectors`) come from the active
label index (multilingual-e5, mean over a competence's labels, centred) mixed with a
deterministic hashed random vector per competence id, or from the hashed part alone when no
label index is built. Retrieval is by inner product.

**Index kinds.** Exact (``IndexIDMap2(IndexFlatIP)``) while small; above
``ivf_threshold`` vectors the index is rebuilt once as IVF with 8-bit scalar quantisation
(``IndexIVFScalarQuantizer``, hashtable direct map, so ``remove_ids`` stays cheap).

>>> from indexer.storage.sqlite import DurableSqliteVacancyRepository
>>> from indexer.domain import Vacancy, VacancyCompetence
>>> repo = DurableSqliteVacancyRepository(":memory:")
>>> _ = repo.upsert_vacancies([Vacancy(id="V1", title="Lasser", competences=[VacancyCompetence("SK-1")])])
>>> import tempfile; idx = VacancyIndex.open(repo, tempfile.mkdtemp(), CompetenceVectors.hashed())
>>> idx.ntotal, idx.seq
(1, 1)
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from indexer.clock import utc_stamp
from indexer.domain import class_weight, id_problem
from indexer.storage.factory import open_repository
from indexer.storage.protocol import UpsertResult

log = logging.getLogger(__name__)

INDEX_FORMAT = "1"
DIM = 384
ACTIVE_FILE = "ACTIVE"


# ====================================================================== ids
def key_of(item_id: str) -> int:
    """A stable 63-bit FAISS id for a vacancy id (blake2b; a collision is detected, never silent)."""
    return int.from_bytes(hashlib.blake2b(item_id.encode(), digest_size=8).digest(), "little") & 0x7FFF_FFFF_FFFF_FFFF


def keys_of(ids: Sequence[str]) -> np.ndarray:
    return np.fromiter((key_of(i) for i in ids), dtype=np.int64, count=len(ids))


# ====================================================================== vectors
def _hashed_unit(cid: str, dim: int, salt: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(f"{salt}:{cid}".encode(), digest_size=8).digest(), "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class CompetenceVectors:
    """One unit vector per competence id: semantic (label index) + hashed, or hashed only.

    ``semantic_share`` is the weight of the semantic part before renormalising (0 = hashed
    only). The hashed part keeps different competences apart (their semantic vectors are close
    in e5's space); the semantic part lets near competences meet.
    """

    def __init__(self, dim: int = DIM, semantic: dict[str, np.ndarray] | None = None, semantic_share: float = 0.5,
                 source: str = "hashed", salt: str = "cmatch-v1"):
        self.dim = dim
        self.semantic = semantic or {}
        self.semantic_share = semantic_share if self.semantic else 0.0
        self.source = source if self.semantic else "hashed"
        self.salt = salt
        self._cache: dict[str, np.ndarray] = {}
        h = hashlib.sha256(f"{dim}:{salt}:{self.semantic_share}:{self.source}".encode())
        for cid in sorted(self.semantic):
            h.update(cid.encode())
            h.update(np.round(self.semantic[cid], 4).tobytes())
        self.fingerprint = f"{self.source}-{h.hexdigest()[:12]}"

    @classmethod
    def hashed(cls, dim: int = DIM) -> "CompetenceVectors":
        return cls(dim)

    @classmethod
    def from_label_index(cls, index_dir: Path, semantic_share: float = 0.5, *, indexes=None) -> "CompetenceVectors":
        """Mean label vector per competence from the active label index, centred and normalised.
        ``indexes``: that index set when the caller has it loaded already (reading it again cost
        ~3 s of each service start)."""
        import faiss

        from indexer.label_index import IndexSet

        idx = (indexes if indexes is not None else IndexSet.load_active(index_dir)).competences
        flat = faiss.downcast_index(idx.index)
        xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        items: dict[str, list[int]] = {}
        for row, ref in enumerate(idx.refs):
            items.setdefault(ref.item_id, []).append(row)
        ids = sorted(items)
        table = np.stack([xb[items[i]].mean(axis=0) for i in ids]).astype(np.float32)
        table -= table.mean(axis=0, keepdims=True)
        table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-9)
        return cls(flat.d, dict(zip(ids, table)), semantic_share, source="labels")

    @classmethod
    def auto(cls, settings, *, indexes=None) -> "CompetenceVectors":
        """Semantic + hashed when a label index is built (same dimension), else hashed only;
        ``indexes``: the active index set, if already loaded."""
        try:
            cv = cls.from_label_index(settings.index_dir, indexes=indexes)
            if cv.dim == DIM:
                return cv
        except (FileNotFoundError, RuntimeError, OSError) as exc:
            log.info("geen labelindex voor competentievectoren (%s): gehashte vectoren", exc)
        return cls.hashed()

    def vector(self, cid: str) -> np.ndarray:
        v = self._cache.get(cid)
        if v is None:
            v = _hashed_unit(cid, self.dim, self.salt)
            sem = self.semantic.get(cid)
            if sem is not None and self.semantic_share > 0:
                v = (1 - self.semantic_share) * v + self.semantic_share * sem
                v = (v / np.linalg.norm(v)).astype(np.float32)
            self._cache[cid] = v
        return v

    def table(self, ids: Sequence[str]) -> np.ndarray:
        return np.stack([self.vector(c) for c in ids]) if ids else np.zeros((0, self.dim), np.float32)

    # ------------------------------------------------------------ records
    def bag(self, items: Iterable[tuple[str, float]]) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for cid, w in items:
            v += w * self.vector(cid)
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v

    def vacancy(self, vacancy) -> np.ndarray:
        return self.bag((c.competence_id, vacancy_weight(c.importance, c.weight)) for c in vacancy.competences)

    def portfolio(self, portfolio) -> np.ndarray:
        return self.bag((c.competence_id, 1.0) for c in portfolio.competences)


def vacancy_weight(importance: str, weight: float) -> float:
    return class_weight(importance) * max(float(weight), 0.05)


# ====================================================================== FAISS
@dataclass
class IndexConfig:
    """``kind``: ``auto`` (exact while small, IVF-SQ8 from ``ivf_threshold``), ``flat`` or ``ivf``."""

    kind: str = "auto"
    ivf_threshold: int = 100_000
    nlist: int = 0            # 0: about sqrt(n), a power of two, 64..4096
    nprobe: int = 32
    sq8: bool = True
    train_size: int = 0       # 0: 40 * nlist
    #: OpenMP threads per search (set in the searching thread): one, as an API process answers
    #: concurrent requests a thread each; handing one query to a second thread only added
    #: waiting (5 of 23 ms per match on a busy 2-core machine)
    search_threads: int = 1


def auto_nlist(n: int) -> int:
    target = np.sqrt(max(n, 1))
    return int(min(4096, max(64, 2 ** round(np.log2(target)))))


def new_flat(dim: int):
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def new_ivf(train: np.ndarray, nlist: int, *, sq8: bool = True, niter: int = 10, seed: int = 1234):
    """A trained, empty IVF index (inner product) with a hashtable direct map."""
    import faiss

    dim = train.shape[1]
    quantizer = faiss.IndexFlatIP(dim)
    if sq8:
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = niter
    index.cp.seed = seed
    index.cp.max_points_per_centroid = 10_000
    index.train(np.ascontiguousarray(train, dtype=np.float32))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    return index  # the Python wrapper keeps ``quantizer`` referenced


def index_kind(index) -> str:
    import faiss

    return "ivf" if isinstance(faiss.downcast_index(index), faiss.IndexIVF) else "flat"


def stored_keys(index) -> np.ndarray:
    """Every id held by the FAISS structure itself (so a duplicate would show)."""
    import faiss

    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexIVF):
        inv = index.invlists
        parts = [faiss.rev_swig_ptr(inv.get_ids(l), inv.list_size(l)).copy()
                 for l in range(index.nlist) if inv.list_size(l)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return faiss.vector_to_array(index.id_map).astype(np.int64)


def _remove(index, keys: np.ndarray) -> int:
    import faiss

    if len(keys) == 0 or index.ntotal == 0:
        return 0
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    if index_kind(index) == "ivf":
        sel = faiss.IDSelectorArray(len(keys), faiss.swig_ptr(keys))
    else:
        sel = faiss.IDSelectorBatch(keys)
    return int(index.remove_ids(sel))


def _all_vectors(index) -> np.ndarray:
    """The stored vectors of an exact index, in id-map order (for the switch to IVF)."""
    import faiss

    flat = faiss.downcast_index(index.index)
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d).copy()


# ====================================================================== fs helpers
def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _FileLock:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.fh = open(self.path, "a+")
        fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


# ====================================================================== the index
class SnapshotError(RuntimeError):
    pass


class VacancyIndex:
    """The vacancy index of one repository; see the module docstring.

    >>> idx = VacancyIndex.open(repo, "var/vindex", CompetenceVectors.hashed())  # doctest: +SKIP
    >>> idx.search_portfolio(portfolio, k=20)                                    # doctest: +SKIP
    [('SYN-V-000123', 0.81), ...]
    """

    def __init__(self, repo, root: Path | str, vectors: CompetenceVectors, config: IndexConfig | None = None):
        self.repo = repo
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.vectors = vectors
        self.config = config or IndexConfig()
        self.index = self._empty()
        self.names: dict[int, str] = {}
        self.seq = 0
        self.instance = repo.instance()
        self.loaded_from: str | None = None
        self.snapshot_seq = 0
        #: vacancy id -> why it is not in the index (a stored row that cannot be indexed)
        self.set_aside: dict[str, str] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, repo, root: Path | str, vectors: CompetenceVectors, config: IndexConfig | None = None, *,
             catch_up: bool = True) -> "VacancyIndex":
        """Load the newest usable snapshot (or start empty) and catch up from the database."""
        self = cls(repo, root, vectors, config)
        self._load_newest()
        if catch_up:
            self.catch_up()
        return self

    def _empty(self):
        if self.config.kind == "ivf":
            return None  # trained on the first catch-up
        return new_flat(self.vectors.dim)

    def _snapshot_dirs(self) -> list[Path]:
        return sorted((p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("s") and p.name[1:].isdigit()),
                      key=lambda p: int(p.name[1:]), reverse=True)

    def _load_newest(self) -> None:
        active = self.root / ACTIVE_FILE
        order: list[Path] = []
        if active.exists():
            order.append(self.root / active.read_text(encoding="utf-8").strip())
        order += [p for p in self._snapshot_dirs() if p not in order]
        max_seq = self.repo.max_change_seq()
        for folder in order:
            try:
                self._load(folder, max_seq)
                return
            except (SnapshotError, OSError, RuntimeError, ValueError) as exc:
                log.warning("snapshot %s niet gebruikt: %s", folder.name, exc)
        log.info("geen bruikbare snapshot in %s: opbouwen uit de database", self.root)

    def _load(self, folder: Path, max_seq: int) -> None:
        import faiss

        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != INDEX_FORMAT:
            raise SnapshotError(f"formaat {manifest.get('format')}")
        if manifest["instance"] != self.instance:
            raise SnapshotError("andere database (instance)")
        if manifest["vectors"] != self.vectors.fingerprint:
            raise SnapshotError(f"andere vectoren ({manifest['vectors']} ≠ {self.vectors.fingerprint})")
        if manifest["seq"] > max_seq:
            raise SnapshotError(f"snapshot (seq {manifest['seq']}) is verder dan de database (seq {max_seq})")
        for name, size in manifest["files"].items():
            if (folder / name).stat().st_size != size:
                raise SnapshotError(f"{name}: grootte klopt niet")
        index = faiss.read_index(str(folder / "index.faiss"))
        keys = np.load(folder / "keys.npy")
        names = (folder / "names.txt").read_text(encoding="utf-8").split("\n") if len(keys) else []
        if not (index.ntotal == len(keys) == len(names) == manifest["count"]):
            raise SnapshotError(f"aantallen kloppen niet ({index.ntotal}, {len(keys)}, {len(names)})")
        if index_kind(index) == "ivf":
            faiss.downcast_index(index).nprobe = self.config.nprobe
        self.index = index
        self.names = dict(zip(keys.tolist(), names))
        self.seq = self.snapshot_seq = int(manifest["seq"])
        self.loaded_from = folder.name

    # ------------------------------------------------------------ catching up
    def catch_up(self, batch: int = 5000, limit: int | None = None) -> int:
        """Apply every change after ``seq``; returns the number of change rows read."""
        read = 0
        with self._lock:
            while limit is None or read < limit:
                rows = self.repo.changes_since(self.seq, batch)
                if not rows:
                    break
                ids = list(dict.fromkeys(v for _, v in rows))
                try:
                    self.apply(ids, self.repo.get_vacancies(ids))
                except (ValueError, RuntimeError, OSError) as exc:
                    log.warning("vacature-index: batch van %d wijzigingen apart toepassen (%s)", len(ids), exc)
                    self._apply_one_by_one(ids)
                self.seq = rows[-1][0]
                read += len(rows)
            self._maybe_upgrade()
        return read

    def _apply_one_by_one(self, ids: Sequence[str]) -> None:
        """Apply each change alone; a row that cannot be indexed is set aside (``set_aside``, in
        :meth:`status`) instead of blocking every later change."""
        for vid in ids:
            try:
                self.apply([vid], self.repo.get_vacancies([vid]))
                self.set_aside.pop(vid, None)
            except (ValueError, RuntimeError, OSError) as exc:
                self.set_aside[vid] = str(exc)[:200]
                try:  # never hold a half-applied entry
                    self.apply([vid], [])
                except (ValueError, RuntimeError, OSError):
                    pass

    def refresh(self) -> int:
        """Cheap check before serving: catch up only when the database moved on."""
        if self.repo.max_change_seq() > self.seq:
            return self.catch_up()
        return 0

    def apply(self, ids: Sequence[str], present: Sequence) -> None:
        """Make the index hold exactly the current state of ``ids`` (``present``: those that exist)."""
        bad = [v.id for v in present if id_problem(v.id)]
        if bad:
            raise ValueError(f"ongeldige vacature-id {bad[0][:40]!r}")
        with self._lock:
            keys = keys_of(ids)
            for k, i in zip(keys.tolist(), ids):
                other = self.names.get(k)
                if other is not None and other != i:
                    raise RuntimeError(f"FAISS-sleutelbotsing tussen {other!r} en {i!r}")
            if self.index is not None:
                _remove(self.index, keys)
            for k in keys.tolist():
                self.names.pop(k, None)
            if not present:
                return
            vecs = np.stack([self.vectors.vacancy(v) for v in present]).astype(np.float32)
            pkeys = keys_of([v.id for v in present])
            if self.index is None:  # kind=ivf, first data: train on it
                self.index = new_ivf(vecs, self.config.nlist or auto_nlist(len(vecs)), sq8=self.config.sq8)
                self.index.nprobe = self.config.nprobe
            self.index.add_with_ids(vecs, pkeys)
            for k, v in zip(pkeys.tolist(), present):
                self.names[k] = v.id

    def _maybe_upgrade(self) -> None:
        cfg = self.config
        if cfg.kind != "auto" or self.index is None or index_kind(self.index) == "ivf":
            return
        if self.index.ntotal < cfg.ivf_threshold:
            return
        self.index = self.rebuilt_as_ivf()

    def rebuilt_as_ivf(self, nlist: int | None = None):
        """The same vectors in a freshly trained IVF-SQ8 index (the exact index stays untouched)."""
        import faiss

        with self._lock:
            keys = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            xb = _all_vectors(self.index)
            nlist = nlist or self.config.nlist or auto_nlist(len(xb))
            train_n = min(len(xb), self.config.train_size or 40 * nlist)
            rng = np.random.default_rng(7)
            sample = xb[rng.choice(len(xb), train_n, replace=False)] if train_n < len(xb) else xb
            ivf = new_ivf(sample, nlist, sq8=self.config.sq8)
            ivf.nprobe = self.config.nprobe
            for s in range(0, len(xb), 100_000):
                ivf.add_with_ids(xb[s:s + 100_000], keys[s:s + 100_000])
            return ivf

    # ------------------------------------------------------------ searching
    @property
    def ntotal(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    @property
    def kind(self) -> str:
        return "empty" if self.index is None else index_kind(self.index)

    def search(self, vectors: np.ndarray, k: int = 20) -> list[list[tuple[str, float]]]:
        import faiss

        q = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        with self._lock:
            if self.ntotal == 0:
                return [[] for _ in range(len(q))]
            faiss.omp_set_num_threads(self.config.search_threads)  # the calling thread's setting
            scores, keys = self.index.search(q, min(k, self.ntotal))
            return [[(self.names[int(key)], float(s)) for s, key in zip(srow, krow) if key >= 0]
                    for srow, krow in zip(scores, keys)]

    def search_portfolio(self, portfolio, k: int = 20) -> list[tuple[str, float]]:
        return self.search(self.vectors.portfolio(portfolio), k)[0]

    def held_ids(self) -> list[str]:
        """The vacancy ids the FAISS structure holds, one entry per stored vector."""
        with self._lock:
            if self.index is None:
                return []
            return [self.names.get(int(k), f"?{int(k)}") for k in stored_keys(self.index)]

    # ------------------------------------------------------------ snapshots
    def snapshot(self, keep: int = 2) -> Path:
        """Write the current state as ``<root>/s<seq>/`` and make it ACTIVE (atomic)."""
        import faiss

        with self._lock:
            seq, index = self.seq, self.index
            keys = np.fromiter(self.names.keys(), dtype=np.int64, count=len(self.names))
            names = list(self.names.values())
            if index is None:
                index = new_flat(self.vectors.dim)
            if index.ntotal != len(keys):
                raise RuntimeError(f"index ({index.ntotal}) en namen ({len(keys)}) lopen uiteen")
            final = self.root / f"s{seq:012d}"
            with _FileLock(self.root / ".lock"):
                if not (final / "manifest.json").exists():
                    tmp = self.root / f".tmp-{os.getpid()}-{time.time_ns()}"
                    tmp.mkdir()
                    faiss.write_index(index, str(tmp / "index.faiss"))
                    np.save(tmp / "keys.npy", keys)
                    (tmp / "names.txt").write_text("\n".join(names), encoding="utf-8")
                    files = {n: (tmp / n).stat().st_size for n in ("index.faiss", "keys.npy", "names.txt")}
                    manifest = {"format": INDEX_FORMAT, "seq": seq, "count": len(keys), "instance": self.instance,
                                "vectors": self.vectors.fingerprint, "dim": self.vectors.dim, "kind": index_kind(index),
                                "nlist": int(getattr(faiss.downcast_index(index), "nlist", 0)),
                                "config": asdict(self.config), "files": files, "pid": os.getpid(),
                                "created_at": utc_stamp()}
                    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
                    for n in (*files, "manifest.json"):
                        _fsync_file(tmp / n)
                    _fsync_dir(tmp)
                    if final.exists():  # a half-written leftover cannot exist (rename is atomic); be safe
                        shutil.rmtree(final)
                    os.rename(tmp, final)
                    _fsync_dir(self.root)
                self._activate(final.name)
                self._prune(keep)
            self.snapshot_seq = seq
            return final

    def _activate(self, name: str) -> None:
        """Point ACTIVE at ``name`` unless it already points at a newer snapshot."""
        marker = self.root / ACTIVE_FILE
        if marker.exists():
            current = marker.read_text(encoding="utf-8").strip()
            if current[1:].isdigit() and int(current[1:]) > int(name[1:]) and (self.root / current / "manifest.json").exists():
                return
        tmp = self.root / f".{ACTIVE_FILE}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, marker)
        _fsync_dir(self.root)

    def _prune(self, keep: int) -> None:
        marker = self.root / ACTIVE_FILE
        active = marker.read_text(encoding="utf-8").strip() if marker.exists() else ""
        for p in self._snapshot_dirs()[keep:]:
            if p.name != active:
                shutil.rmtree(p, ignore_errors=True)
        for p in self.root.glob(".tmp-*"):
            try:
                pid = int(p.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if not _pid_alive(pid):
                shutil.rmtree(p, ignore_errors=True)

    def status(self) -> dict:
        return {"root": str(self.root), "seq": self.seq, "snapshot_seq": self.snapshot_seq, "count": self.ntotal,
                "kind": self.kind, "vectors": self.vectors.fingerprint, "loaded_from": self.loaded_from,
                "set_aside": dict(self.set_aside),
                "db_seq": self.repo.max_change_seq()}


def open_for(settings, repo=None, *, catch_up: bool = True, vectors: CompetenceVectors | None = None) -> VacancyIndex:
    """The vacancy index of the configured store in ``settings.vindex_dir`` (what an API process
    or importer opens); ``vectors`` defaults to :meth:`CompetenceVectors.auto`."""
    if repo is None:
        repo = open_repository(settings)
    return VacancyIndex.open(repo, settings.vindex_dir, vectors or CompetenceVectors.auto(settings), catch_up=catch_up)


# ====================================================================== importing
def import_vacancies(repo, index: VacancyIndex | None, batches: Iterable[Sequence], *,
                     snapshot_every: int = 0, progress=None) -> dict:
    """Write batches through the repository; the index catches up after each (DB first, always).

    ``snapshot_every``: write a snapshot each time that many changes were applied since the last.
    """
    total = UpsertResult()
    done = 0
    for batch in batches:
        total += repo.upsert_vacancies(batch)
        done += len(batch)
        if index is not None:
            index.catch_up()
            if snapshot_every and index.seq - index.snapshot_seq >= snapshot_every:
                index.snapshot()
        if progress:
            progress(done, index.seq if index is not None else repo.max_change_seq())
    if index is not None and snapshot_every:
        index.snapshot()
    return {"inserted": total.inserted, "updated": total.updated, "unchanged": total.unchanged, "records": done}
