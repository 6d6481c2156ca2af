"""The query adapter: a linear map on e5 query vectors, trained on taxonomy pairs.

``var/model/adapter/`` holds

* ``adapter.npz`` — a linear map ``W`` (dim x dim, started at the identity) applied to the e5
  *query* vectors before search, ``q' = normalise(q W)``; label / passage vectors are untouched,
  so the FAISS label indexes and every embedding cache stay valid;
* ``manifest.json`` — the pair counts per source, the hyper-parameters, the model fingerprint,
  the store's input checksums, the held-out accuracy before/after, and the seconds taken.

The pairs come from :mod:`indexer.model.pairs` (the taxonomy store only, never a benchmark
file). Loss: multiple-negatives ranking (:func:`indexer.model.pairs.mnrl_loss`) plus
``l2 * ||W - I||^2`` to stay close to the base model. ``cmatch model train`` runs the training
(:mod:`cmatch.pipeline`, which also fits the extraction calibration next to it); runtime code
only calls :func:`load_adapter`.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.model.fingerprint import model_fingerprint
from indexer.settings import Settings, get_settings
from indexer.taxonomy.store import TaxonomyStore

log = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"
#: Hyper-parameters (few, fixed; reported in eval/RESULTS.md).
HPARAMS = {
    "max_pairs": 16000, "epochs": 4, "batch_size": 256, "lr": 1e-3, "scale": 20.0, "l2": 1.0,
    "heldout_fraction": 0.05,
}


@dataclass
class Adapter:
    W: np.ndarray

    def apply_queries(self, vectors: np.ndarray) -> np.ndarray:
        out = np.asarray(vectors, dtype=np.float32) @ self.W
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32, copy=False)


_adapters: dict[str, tuple[float, Adapter | None]] = {}
_lock = threading.Lock()


def adapter_dir(settings: Settings) -> Path:
    return settings.var_dir / "model" / ADAPTER_DIR


def calibration_path(settings: Settings) -> Path:
    """The extraction calibration, trained together with the adapter."""
    return settings.var_dir / "model" / "calibration.json"


def load_adapter(settings: Settings | None = None) -> Adapter | None:
    """The trained adapter for ``settings.model``, or None (not trained, other model, or
    switched off: ``settings.adapter_enabled``)."""
    settings = settings or get_settings()
    if not settings.adapter_enabled:
        return None
    folder = adapter_dir(settings)
    path, manifest = folder / "adapter.npz", folder / "manifest.json"
    if not path.exists() or not manifest.exists():
        return None
    mtime = path.stat().st_mtime
    with _lock:
        hit = _adapters.get(str(path))
        if hit and hit[0] == mtime:
            return hit[1]
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if info.get("model") != model_fingerprint(settings.model):
            log.warning("adapter in %s was trained for %s; not used with %s", folder, info.get("model"), settings.model)
            adapter = None
        else:
            adapter = Adapter(np.load(path)["W"].astype(np.float32))
        _adapters[str(path)] = (mtime, adapter)
        return adapter


def is_trained(settings: Settings | None = None) -> bool:
    """Adapter and calibration exist for this model and this taxonomy."""
    settings = settings or get_settings()
    path = adapter_dir(settings) / "manifest.json"
    if not path.is_file() or not calibration_path(settings).is_file():
        return False
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    meta = TaxonomyStore(settings.store_path).meta()
    return (info.get("model") == model_fingerprint(settings.model)
            and info.get("input_checksums") == json.loads(meta.get("input_checksums", "{}")))


def fit_adapter(Q: np.ndarray, P: np.ndarray, concept: np.ndarray, hp: dict, seed: int) -> Adapter:
    """Train ``W`` on query vectors ``Q`` against their positives ``P`` (seeded, CPU)."""
    import torch

    from indexer.model.pairs import mnrl_loss

    torch.manual_seed(seed)
    d = Q.shape[1]
    W = torch.nn.Parameter(torch.eye(d))
    opt = torch.optim.Adam([W], lr=hp["lr"])
    Qt, Pt, Ct = torch.from_numpy(Q), torch.from_numpy(P), torch.from_numpy(concept)
    eye = torch.eye(d)
    n = len(Q)
    g = torch.Generator().manual_seed(seed)
    for _epoch in range(hp["epochs"]):
        perm = torch.randperm(n, generator=g)
        for a in range(0, n, hp["batch_size"]):
            idx = perm[a:a + hp["batch_size"]]
            q = torch.nn.functional.normalize(Qt[idx] @ W, dim=1)
            p = Pt[idx]
            loss = mnrl_loss(q, p, Ct[idx], hp["scale"])
            loss = loss + hp["l2"] * ((W - eye) ** 2).sum() / d
            opt.zero_grad()
            loss.backward()
            opt.step()
    return Adapter(W.detach().numpy().astype(np.float32))


def heldout_accuracy(Q: np.ndarray, P_all: np.ndarray, target: np.ndarray) -> float:
    """Share of held-out queries whose own positive is the nearest of all positives."""
    if len(Q) == 0:
        return 0.0
    sims = Q @ P_all.T
    return float((sims.argmax(axis=1) == target).mean())


def save_adapter(settings: Settings, adapter: Adapter, manifest: dict) -> None:
    """Write ``adapter.npz`` (atomically) and then its manifest."""
    folder = adapter_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "adapter.tmp.npz"
    np.savez(tmp, W=adapter.W)
    tmp.replace(folder / "adapter.npz")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
