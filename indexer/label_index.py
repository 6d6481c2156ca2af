"""Versioned FAISS label indexes for occupations and competences.

Every label and altLabel (Dutch, English, French) is one vector; an id map ties each vector
to its occupation or competence. A build goes into ``var/index/.tmp-…``, is renamed to
``var/index/<version>/`` and only then becomes active by an atomic rewrite of
``var/index/ACTIVE``; an interrupted build leaves the previous version serving. The version
is a hash of the inputs (store checksums), the model and the index format, so an unchanged
build is skipped.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.cache_files import write_atomic
from indexer.clock import utc_stamp
from indexer.model.encoder import Encoder
from indexer.taxonomy.store import TaxonomyStore

INDEX_FORMAT = "1"
KINDS = ("occupations", "competences")
ACTIVE_FILE = "ACTIVE"


@dataclass(frozen=True)
class LabelRef:
    """One indexed label: the item it names, its language and whether it is preferred."""

    item_id: str
    lang: str
    label: str
    kind: str


@dataclass(frozen=True)
class LabelHit:
    item_id: str
    score: float
    label: str
    lang: str


def index_version(store: TaxonomyStore, model_id: str, prefixes: tuple[str, str]) -> str:
    meta = store.meta()
    payload = json.dumps({
        "format": INDEX_FORMAT, "inputs": meta.get("input_checksums"), "schema": meta.get("schema_version"),
        "model": model_id, "prefixes": prefixes,
    }, sort_keys=True)
    return "v" + hashlib.sha256(payload.encode()).hexdigest()[:12]


#: Label kinds that get an approximate (HNSW) graph next to the exact vectors, and from what size.
#: Extraction searches 30–40 clause parts at once in ~125k competence labels: exact search costs
#: ~300 ms there, the graph ~25 ms with recall@10 1.00 / recall@40 0.99 (see eval/RESULTS.md).
ANN_KINDS = ("competences",)
ANN_MIN_LABELS = 20_000
ANN_M = 32
ANN_EF_CONSTRUCTION = 200
ANN_EF_SEARCH = 512


class LabelIndex:
    """A FAISS inner-product index over L2-normalised label vectors, with its id map.

    ``index`` is always the exact (flat) index; ``ann``, when present, is an HNSW graph over
    the *same* vectors (its storage is ``index``), used only by callers that ask for
    ``approximate=True``. On disk ``{kind}.faiss`` holds either the flat index or the HNSW
    graph with its flat storage, so the vectors are stored once.
    """

    def __init__(self, index, refs: list[LabelRef], ann=None):
        self.index = index
        self.refs = refs
        self.ann = ann

    @classmethod
    def build(cls, vectors: np.ndarray, refs: list[LabelRef]) -> "LabelIndex":
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, refs)

    def with_ann(self) -> "LabelIndex":
        """This index plus an HNSW graph over its vectors.

        Built on one thread: FAISS inserts in parallel non-deterministically, and the same
        inputs should give the same graph (and so the same extractions) on every machine.
        """
        import faiss

        flat = faiss.downcast_index(self.index)
        xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        ann = faiss.IndexHNSWFlat(flat.d, ANN_M, faiss.METRIC_INNER_PRODUCT)
        ann.hnsw.efConstruction = ANN_EF_CONSTRUCTION
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            ann.add(np.ascontiguousarray(xb))
        finally:
            faiss.omp_set_num_threads(threads)
        return LabelIndex(faiss.downcast_index(ann.storage), self.refs, ann)

    def save(self, folder: Path, kind: str) -> None:
        import faiss

        write_atomic(folder / f"{kind}.faiss",
                      lambda p: faiss.write_index(self.ann if self.ann is not None else self.index, str(p)))
        lines = "".join(json.dumps([r.item_id, r.lang, r.label, r.kind], ensure_ascii=False) + "\n" for r in self.refs)
        write_atomic(folder / f"{kind}.ids.jsonl", lambda p: p.write_text(lines, encoding="utf-8"))

    @classmethod
    def load(cls, folder: Path, kind: str) -> "LabelIndex":
        import faiss

        index = faiss.read_index(str(folder / f"{kind}.faiss"))
        ann = None
        if isinstance(index, faiss.IndexHNSW):
            ann, index = index, faiss.downcast_index(index.storage)
        with open(folder / f"{kind}.ids.jsonl", encoding="utf-8") as fh:
            refs = [LabelRef(*json.loads(line)) for line in fh]
        if index.ntotal != len(refs):
            raise RuntimeError(f"Index {folder / kind} is beschadigd: {index.ntotal} vectoren, {len(refs)} labels.")
        return cls(index, refs, ann)

    @property
    def dim(self) -> int:
        return self.index.d

    @functools.cached_property
    def rows_by_item(self) -> dict[str, list[int]]:
        """Item id -> the rows of its labels (built once, on first use)."""
        out: dict[str, list[int]] = {}
        for row, ref in enumerate(self.refs):
            out.setdefault(ref.item_id, []).append(row)
        return out

    def label_vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored (normalised) vectors of these label rows, from the exact index."""
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))

    def search_labels(self, query_vectors: np.ndarray, k: int, *,
                      approximate: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` labels per query row: exact, or through the HNSW graph when asked for and built."""
        k = max(1, min(k, len(self.refs)))
        q = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if approximate and self.ann is not None:
            import faiss

            params = faiss.SearchParametersHNSW(efSearch=max(ANN_EF_SEARCH, k))
            return self.ann.search(q, k, params=params)
        return self.index.search(q, k)

    def search_items(self, query_vector: np.ndarray, k: int, *, accept=None, fanout: int = 12) -> list[LabelHit]:
        """Best label per item, ``k`` items, optionally filtered by ``accept(item_id)``."""
        n = min(len(self.refs), max(k * fanout, 50))
        while True:
            scores, ids = self.search_labels(query_vector.reshape(1, -1), n)
            best: dict[str, LabelHit] = {}
            for score, idx in zip(scores[0], ids[0]):
                if idx < 0:
                    continue
                ref = self.refs[idx]
                if accept is not None and not accept(ref.item_id):
                    continue
                if ref.item_id not in best:
                    best[ref.item_id] = LabelHit(ref.item_id, float(score), ref.label, ref.lang)
            if len(best) >= k or n >= len(self.refs):
                return sorted(best.values(), key=lambda h: -h.score)[:k]
            n = min(len(self.refs), n * 4)


@dataclass
class IndexSet:
    """The active version's indexes, loaded together."""

    version: str
    folder: Path
    manifest: dict
    occupations: LabelIndex
    competences: LabelIndex

    @classmethod
    def load_active(cls, index_dir: Path, lexical_only: bool = False) -> "IndexSet":
        """The active version; ``lexical_only`` (the lexical serving stage) never loads one, as an
        index left from an older taxonomy may not match the store."""
        folder = None if lexical_only else active_folder(index_dir)
        if folder is None:
            raise FileNotFoundError(f"Geen actieve index in {index_dir}. Voer eerst 'cmatch index build' uit.")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return cls(folder.name, folder, manifest, LabelIndex.load(folder, "occupations"),
                   LabelIndex.load(folder, "competences"))


def active_folder(index_dir: Path) -> Path | None:
    marker = Path(index_dir) / ACTIVE_FILE
    if not marker.exists():
        return None
    folder = Path(index_dir) / marker.read_text(encoding="utf-8").strip()
    return folder if (folder / "manifest.json").exists() else None


def activate(index_dir: Path, version: str) -> None:
    """Point ``ACTIVE`` at ``version`` with one atomic rename."""
    write_atomic(Path(index_dir) / ACTIVE_FILE, lambda p: p.write_text(version + "\n", encoding="utf-8"))


def _label_refs(rows: Iterable[tuple[str, str, str, str]]) -> list[LabelRef]:
    return [LabelRef(*row) for row in rows]


#: Labels encoded between two checkpoints of an index build (a resumed build redoes at most one).
CHECKPOINT_LABELS = 4096
#: Progress callback of a build: ``(stage, done, total)``, e.g. ``("competences", 8192, 125000)``.
Progress = Callable[[str, int, int], None]


def encode_unique(encoder: Encoder, texts: Sequence[str], *, progress: bool, desc: str,
                  checkpoint: Path | None = None, on_progress: Progress | None = None,
                  stage: str = "") -> np.ndarray:
    """Encode each distinct text once (labels repeat across languages and items).

    With ``checkpoint`` (a folder), every :data:`CHECKPOINT_LABELS` vectors are saved there as
    they are made, and chunks already there are loaded instead of encoded: an interrupted build
    resumes where it stopped.
    """
    uniq: dict[str, int] = {}
    for t in texts:
        uniq.setdefault(t, len(uniq))
    order = list(uniq)
    vectors = np.zeros((len(order), encoder.dim), dtype=np.float32)
    if checkpoint is not None:
        checkpoint.mkdir(parents=True, exist_ok=True)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(order), desc=desc, unit="label")
    for start in range(0, len(order), CHECKPOINT_LABELS):
        chunk = order[start:start + CHECKPOINT_LABELS]
        saved = checkpoint / f"{start:08d}-{len(chunk)}.npy" if checkpoint is not None else None
        block = _load_chunk(saved, len(chunk), encoder.dim)
        if block is None:
            block = encoder.encode_passages(chunk)
            if saved is not None:
                write_atomic(saved, lambda p, b=block: _save_npy(p, b))
        vectors[start:start + len(chunk)] = block
        if bar is not None:
            bar.update(len(chunk))
        if on_progress is not None:
            on_progress(stage, start + len(chunk), len(order))
    if bar is not None:
        bar.close()
    return vectors[[uniq[t] for t in texts]]


def _save_npy(path: Path, block: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, block)


def _load_chunk(path: Path | None, rows: int, dim: int) -> np.ndarray | None:
    """A checkpointed chunk of the expected shape, or None (missing or unreadable: re-encode)."""
    if path is None or not path.exists():
        return None
    try:
        block = np.load(path)
    except (OSError, ValueError):
        return None
    return block if block.shape == (rows, dim) else None


def build_indexes(
    store: TaxonomyStore,
    encoder: Encoder,
    index_dir: Path,
    *,
    model_id: str,
    prefixes: tuple[str, str] = ("query: ", "passage: "),
    force: bool = False,
    progress: bool = True,
    ann_min_labels: int = ANN_MIN_LABELS,
    on_progress: Progress | None = None,
    activate_when_done: bool = True,
) -> tuple[str, bool]:
    """Build (or reuse) the indexes for this store and model; return ``(version, built)``.

    The build goes into ``.partial-<version>/``, which survives an interrupt: encoded chunks
    and finished kinds are kept there and reused by the next build of the same version, and the
    folder is renamed to ``<version>/`` only when complete. A reused version that predates the
    HNSW graphs gets them added (no re-encoding). ``activate_when_done=False`` leaves ``ACTIVE``
    alone (the server switches itself, see :mod:`api.readiness`).
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    version = index_version(store, model_id, prefixes)
    final = index_dir / version
    if (final / "manifest.json").exists() and not force:
        ensure_ann(final, ann_min_labels=ann_min_labels, progress=progress)
        if activate_when_done:
            activate(index_dir, version)
        return version, False
    partial = index_dir / f".partial-{version}"
    if force:
        shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(exist_ok=True)
    with _build_lock(partial):
        started = time.time()
        counts: dict[str, int] = {}
        per_kind_seconds: dict[str, float] = {}
        with_graph: list[str] = []
        for kind in KINDS:
            t0 = time.time()
            if (partial / f"{kind}.done").exists():   # finished before an interrupt
                index = LabelIndex.load(partial, kind)
                refs = index.refs
            else:
                refs = _label_refs(store.labels(kind))
                vectors = encode_unique(encoder, [r.label for r in refs], progress=progress,
                                        desc=f"Index {'beroepen' if kind == 'occupations' else 'competenties'}",
                                        checkpoint=partial / f"{kind}.chunks", on_progress=on_progress, stage=kind)
                if on_progress is not None and kind in ANN_KINDS and len(refs) >= ann_min_labels:
                    on_progress(f"{kind}-hnsw", 0, 1)
                index = _with_graph_if_due(LabelIndex.build(vectors, refs), kind, ann_min_labels, progress)
                index.save(partial, kind)
                (partial / f"{kind}.done").write_text(str(len(refs)), encoding="utf-8")
                shutil.rmtree(partial / f"{kind}.chunks", ignore_errors=True)
            if index.ann is not None:
                with_graph.append(kind)
            counts[kind] = len(refs)
            counts[f"{kind}_items"] = len({r.item_id for r in refs})
            per_kind_seconds[kind] = round(time.time() - t0, 1)
        meta = store.meta()
        manifest = {
            "version": version, "format": INDEX_FORMAT, "model": model_id, "dimension": encoder.dim,
            "prefixes": list(prefixes), "counts": counts, "seconds": per_kind_seconds,
            "ann": _ann_manifest(with_graph),
            "encoder_backend": getattr(encoder, "backend", "torch"),
            "input_checksums": json.loads(meta.get("input_checksums", "{}")),
            "taxonomy_versions": json.loads(meta.get("versions", "{}")),
            "built_at": utc_stamp(),
            "build_seconds": round(time.time() - started, 1),
        }
        for done in partial.glob("*.done"):
            done.unlink()
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
    (final / ".lock").unlink(missing_ok=True)
    if activate_when_done:
        activate(index_dir, version)
    _prune(index_dir, keep={version, (active_folder(index_dir) or final).name})
    return version, True


@contextmanager
def _build_lock(folder: Path):
    """One builder per partial folder: a second one fails at once instead of mixing chunks."""
    import fcntl

    fh = open(folder / ".lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"Er bouwt al een proces aan {folder.name}; wacht tot het klaar is.") from None
        yield
    finally:
        fh.close()


def partial_builds(index_dir: Path) -> list[str]:
    """Versions with an unfinished build on disk (resumed by the next build of that version)."""
    return sorted(p.name.removeprefix(".partial-") for p in Path(index_dir).glob(".partial-*") if p.is_dir())


def _with_graph_if_due(index: LabelIndex, kind: str, ann_min_labels: int, progress: bool) -> LabelIndex:
    """``index`` with an HNSW graph when its kind gets one and it is large enough, else itself."""
    if index.ann is not None or kind not in ANN_KINDS or len(index.refs) < ann_min_labels:
        return index
    if progress:
        print(f"HNSW-graaf voor {kind} ({len(index.refs):,} labels) …", flush=True)
    return index.with_ann()


def _ann_manifest(kinds: list[str]) -> dict:
    """The manifest's record of which kinds carry an HNSW graph, with its settings."""
    return {kind: {"type": "HNSWFlat", "M": ANN_M, "efConstruction": ANN_EF_CONSTRUCTION, "efSearch": ANN_EF_SEARCH}
            for kind in kinds}


def ensure_ann(folder: Path, *, ann_min_labels: int = ANN_MIN_LABELS, progress: bool = False) -> bool:
    """Add the HNSW graphs an index folder should have but lacks (an index built before they
    existed); each file is replaced atomically, the manifest last. Returns whether it added any."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if "ann" in manifest:
        return False
    added = False
    with_graph: list[str] = []
    for kind in ANN_KINDS:
        index = LabelIndex.load(folder, kind)
        due = _with_graph_if_due(index, kind, ann_min_labels, progress)
        if due is not index:
            due.save(folder, kind)
            added = True
        if due.ann is not None:
            with_graph.append(kind)
    manifest["ann"] = _ann_manifest(with_graph)
    write_atomic(manifest_path,
                  lambda p: p.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"))
    return added


def _prune(index_dir: Path, keep: set[str], keep_last: int = 2) -> None:
    """Remove old versions, keeping the active one and the most recent previous one."""
    versions = sorted((p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for p in versions[keep_last:]:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)

