"""Encoding throughput of each inference backend, side by side in one process.

* **labels/s** — a deterministic sample of taxonomy labels (``encode_passages``, one call, the
  configured batch size): the rate that bounds building the label indexes (~190k labels).
* **texts/s** — short texts (competence descriptions, the length of a CV sentence) encoded
  one call per text (``encode_queries([text])``), as extraction encodes a short text.
* **cos_min** — the smallest cosine between a backend's vectors and PyTorch's, over both sets.

Backends are measured in alternating rounds (torch, onnx, openvino, torch, …) and the best
round of each is kept, so a burst of load on the shared machine does not favour one of them;
the 1-minute load average before and after is reported with the figures.
"""
from __future__ import annotations

import os
import random
import time
from dataclasses import replace

import numpy as np

from indexer.model.encoder import BACKENDS, clear_encoder_cache, load_encoder
from indexer.settings import Settings
from indexer.taxonomy.store import TaxonomyStore


def sample_texts(store: TaxonomyStore, n_labels: int, n_texts: int, seed: int = 42) -> tuple[list[str], list[str]]:
    """``n_labels`` distinct labels (occupations and competences, all languages) and
    ``n_texts`` short descriptions (≤ 300 characters), sampled with ``seed``."""
    rng = random.Random(seed)
    labels = sorted({row[2] for row in store.labels("occupations")} | {row[2] for row in store.labels("competences")})
    texts = sorted({d for c in store.competences() for d in c.descriptions.values() if d and 40 <= len(d) <= 300})
    if not texts:  # a store without descriptions (the miniature test data): the longer labels
        texts = [t for t in labels if len(t) >= 20] or labels
    return rng.sample(labels, min(n_labels, len(labels))), rng.sample(texts, min(n_texts, len(texts)))


def bench_encode(settings: Settings, *, labels: int = 2000, texts: int = 200, rounds: int = 2,
                 backends: tuple[str, ...] = BACKENDS) -> dict:
    """Figures per backend (``backend``, ``labels_per_s``, ``texts_per_s``, ``cos_min``,
    ``load_s``) for ``settings.model``; PyTorch is always measured, as the reference."""
    backends = ("torch",) + tuple(b for b in backends if b != "torch")
    store = TaxonomyStore(settings.store_path)
    label_texts, short_texts = sample_texts(store, labels, texts)
    load_before = os.getloadavg()[0]
    encoders, results, vectors = {}, {}, {}
    for b in backends:
        clear_encoder_cache()
        t0 = time.perf_counter()
        enc = load_encoder(replace(settings, backend=b))
        got = getattr(enc, "backend", "torch")
        results[b] = {"backend": b, "ran_on": got, "load_s": round(time.perf_counter() - t0, 2),
                      "labels_per_s": 0.0, "texts_per_s": 0.0}
        enc.encode_queries(["opwarmen"])
        encoders[b] = enc
    for _ in range(rounds):
        for b, enc in encoders.items():
            t0 = time.perf_counter()
            L = enc.encode_passages(label_texts)
            lps = len(label_texts) / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            T = np.vstack([enc.encode_queries([t]) for t in short_texts])
            tps = len(short_texts) / (time.perf_counter() - t0)
            r = results[b]
            r["labels_per_s"] = round(max(r["labels_per_s"], lps), 1)
            r["texts_per_s"] = round(max(r["texts_per_s"], tps), 1)
            vectors[b] = (L, T)
    ref_l, ref_t = vectors["torch"]
    for b, (L, T) in vectors.items():
        cos = min(float((L * ref_l).sum(1).min()), float((T * ref_t).sum(1).min()))
        results[b]["cos_min"] = round(cos, 6)
        results[b]["speedup_labels"] = round(results[b]["labels_per_s"] / results["torch"]["labels_per_s"], 2)
        results[b]["speedup_texts"] = round(results[b]["texts_per_s"] / results["torch"]["texts_per_s"], 2)
    clear_encoder_cache()
    return {
        "model": settings.model, "labels": len(label_texts), "texts": len(short_texts), "rounds": rounds,
        "batch_size": settings.batch_size, "cores": os.cpu_count(),
        "load_1min_before": round(load_before, 2), "load_1min_after": round(os.getloadavg()[0], 2),
        "backends": list(results.values()),
    }
