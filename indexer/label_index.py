"""Versioned FAISS label indexes for occupations and competences.

Every label and altLabel (Dutch, English, French) is one vector; an id map ties each vector
to its occupation or competence. A build goes into ``var/index/.tmp-…``, is renamed to
``var/index/<version>/`` and only then becomes active by an atomic rewrite of
``var/index/ACTIVE``; an interrupted build leaves the previous version serving. The version
is a hash of the inputs (store checksums), the model and the index format, so an unchanged
build is skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

        _write_atomic(folder / f"{kind}.faiss",
                      lambda p: faiss.write_index(self.ann if self.ann is not None else self.index, str(p)))
        lines = "".join(json.dumps([r.item_id, r.lang, r.label, r.kind], ensure_ascii=False) + "\n" for r in self.refs)
        _write_atomic(folder / f"{kind}.ids.jsonl", lambda p: p.write_text(lines, encoding="utf-8"))

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
    def load_active(cls, index_dir: Path) -> "IndexSet":
        folder = active_folder(index_dir)
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
    tmp = Path(index_dir) / f".{ACTIVE_FILE}.tmp-{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, Path(index_dir) / ACTIVE_FILE)


def _label_refs(rows: Iterable[tuple[str, str, str, str]]) -> list[LabelRef]:
    return [LabelRef(*row) for row in rows]


def encode_unique(encoder: Encoder, texts: Sequence[str], *, progress: bool, desc: str) -> np.ndarray:
    """Encode each distinct text once (labels repeat across languages and items)."""
    uniq: dict[str, int] = {}
    for t in texts:
        uniq.setdefault(t, len(uniq))
    order = list(uniq)
    vectors = np.zeros((len(order), encoder.dim), dtype=np.float32)
    batch = 4096
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(order), desc=desc, unit="label")
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        vectors[start:start + len(chunk)] = encoder.encode_passages(chunk)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return vectors[[uniq[t] for t in texts]]


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
) -> tuple[str, bool]:
    """Build (or reuse) the indexes for this store and model; return ``(version, built)``.

    A reused version that predates the HNSW graphs gets them added (no re-encoding).
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    version = index_version(store, model_id, prefixes)
    final = index_dir / version
    if (final / "manifest.json").exists() and not force:
        ensure_ann(final, ann_min_labels=ann_min_labels, progress=progress)
        activate(index_dir, version)
        return version, False
    tmp = index_dir / f".tmp-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        started = time.time()
        counts: dict[str, int] = {}
        per_kind_seconds: dict[str, float] = {}
        with_graph: list[str] = []
        sources = {"occupations": store.occupation_labels(), "competences": store.competence_labels()}
        for kind in KINDS:
            t0 = time.time()
            refs = _label_refs(sources[kind])
            vectors = encode_unique(encoder, [r.label for r in refs], progress=progress,
                                    desc=f"Index {'beroepen' if kind == 'occupations' else 'competenties'}")
            index = _with_graph_if_due(LabelIndex.build(vectors, refs), kind, ann_min_labels, progress)
            index.save(tmp, kind)
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
            "input_checksums": json.loads(meta.get("input_checksums", "{}")),
            "taxonomy_versions": json.loads(meta.get("versions", "{}")),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": round(time.time() - started, 1),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    activate(index_dir, version)
    _prune(index_dir, keep={version})
    return version, True


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
    _write_atomic(manifest_path,
                  lambda p: p.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"))
    return added


def _write_atomic(target: Path, write) -> None:
    """``write(tmp_path)`` then rename over ``target``: readers see the old or the new file."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _prune(index_dir: Path, keep: set[str], keep_last: int = 2) -> None:
    """Remove old versions, keeping the active one and the most recent previous one."""
    versions = sorted((p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for p in versions[keep_last:]:
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)

