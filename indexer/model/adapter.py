"""Train the query adapter and the confidence calibration from the taxonomy alone.

``cmatch model train`` (or ``python -m indexer.model.adapter``) reads **only the taxonomy store** (built
from the data directory) — never a benchmark file — and writes ``var/model/adapter/``:

* ``adapter.npz`` — a linear map ``W`` (dim x dim, started at the identity) applied to the e5
  *query* vectors before search, ``q' = normalise(q W)``; label / passage vectors are untouched,
  so the FAISS label indexes and every embedding cache stay valid;
* ``manifest.json`` — the pair counts per source, the hyper-parameters, the model fingerprint,
  the store's input checksums, the held-out accuracy before/after, and the seconds taken;
* ``../calibration.json`` — the logistic calibration used by competence extraction.

Training signal (each pair: a text -> the concept it names), sampled with a fixed seed:

1. ESCO occupation alternative labels (nl, en, fr) -> the occupation's preferred labels (nl, en);
2. Competent occupation titles (nl, fr) -> the mapped ESCO occupation (exact/close match);
3. Competent competence labels (nl, fr) -> the mapped ESCO skill (exact/close match);
4. ESCO skill alternative labels (en, nl) -> the skill's preferred label;
5. the first sentence of ESCO occupation descriptions (nl) -> the occupation.

Loss: multiple-negatives ranking (in-batch softmax over cosine x scale, as in
sentence-transformers' ``MultipleNegativesRankingLoss``), with the positive's concept masked
where it repeats in the batch, plus ``l2 * ||W - I||^2`` to stay close to the base model.
Query texts are encoded once (cached under ``var/cache/emb``), so a rerun takes seconds.
"""
from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.settings import Settings, get_settings

log = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"
SEED = 13
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


def load_adapter(settings: Settings | None = None) -> Adapter | None:
    """The trained adapter for ``settings.model``, or None (not trained, other model, or
    ``CMATCH_ADAPTER=0``)."""
    import os

    settings = settings or get_settings()
    if os.environ.get("CMATCH_ADAPTER", "1") in ("0", "false", "no"):
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
        from indexer.label_index import model_fingerprint

        if info.get("model") != model_fingerprint(settings.model):
            log.warning("adapter in %s was trained for %s; not used with %s", folder, info.get("model"), settings.model)
            adapter = None
        else:
            adapter = Adapter(np.load(path)["W"].astype(np.float32))
        _adapters[str(path)] = (mtime, adapter)
        return adapter


def is_trained(settings: Settings | None = None) -> bool:
    """Adapter and calibration exist for this model and this taxonomy."""
    from indexer.label_index import model_fingerprint
    from indexer.taxonomy.store import TaxonomyStore

    settings = settings or get_settings()
    path = adapter_dir(settings) / "manifest.json"
    if not path.is_file() or not (settings.var_dir / "model" / "calibration.json").is_file():
        return False
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    meta = TaxonomyStore(settings.store_path).meta()
    return (info.get("model") == model_fingerprint(settings.model)
            and info.get("input_checksums") == json.loads(meta.get("input_checksums", "{}")))


# ------------------------------------------------------------------ pairs
_FIRST_SENTENCE = re.compile(r"^(.{20,200}?[.!?])(?:\s|$)")


def build_pairs(store, rng: random.Random, max_pairs: int) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(query text, positive label text, concept id) pairs from the store, with counts per source."""
    con = store.con
    occ_pref: dict[str, dict[str, str]] = {}
    for oid, nl, en in con.execute("SELECT id, label_nl, label_en FROM occupations WHERE source='esco'"):
        occ_pref[oid] = {k: v for k, v in (("nl", nl), ("en", en)) if v}
    skill_pref: dict[str, dict[str, str]] = {}
    for sid, nl, en in con.execute("SELECT id, label_nl, label_en FROM competences WHERE source='esco'"):
        skill_pref[sid] = {k: v for k, v in (("nl", nl), ("en", en)) if v}

    sources: dict[str, list[tuple[str, str, str]]] = {k: [] for k in
                                                       ("occ_alt", "competent_occ", "competent_comp", "skill_alt", "occ_desc")}

    def targets(pref: dict[str, str], lang: str) -> list[str]:
        # same-language preferred label, plus the Dutch / English one (cross-lingual signal)
        out = [pref[l] for l in dict.fromkeys([lang, "nl", "en"]) if l in pref]
        return out

    for oid, lang, label, kind in con.execute(
            "SELECT occupation_id, lang, label, kind FROM occupation_labels WHERE occupation_id LIKE 'http%'"):
        if kind == "alternative" and oid in occ_pref:
            for t in targets(occ_pref[oid], lang):
                if t != label:
                    sources["occ_alt"].append((label, t, oid))
    for code, uri, rel in con.execute("SELECT competent_code, esco_uri, relation FROM occupation_map"):
        if rel not in ("exactMatch", "closeMatch") or uri not in occ_pref:
            continue
        for (lab,) in con.execute("SELECT label FROM occupation_labels WHERE occupation_id = ?", (code,)):
            for t in targets(occ_pref[uri], "nl"):
                sources["competent_occ"].append((lab, t, uri))
    for code, uri, rel in con.execute("SELECT competent_code, esco_uri, relation FROM competence_map"):
        if rel not in ("exactMatch", "closeMatch") or uri not in skill_pref:
            continue
        for (lab,) in con.execute("SELECT label FROM competence_labels WHERE competence_id = ?", (code,)):
            for t in targets(skill_pref[uri], "nl"):
                sources["competent_comp"].append((lab, t, uri))
    for sid, lang, label, kind in con.execute(
            "SELECT competence_id, lang, label, kind FROM competence_labels WHERE competence_id LIKE 'http%'"):
        if kind == "alternative" and sid in skill_pref:
            t = skill_pref[sid].get(lang) or skill_pref[sid].get("en")
            if t and t != label:
                sources["skill_alt"].append((label, t, sid))
    for oid, desc in con.execute("SELECT id, description_nl FROM occupations WHERE source='esco' AND description_nl IS NOT NULL"):
        m = _FIRST_SENTENCE.match(desc.strip())
        if m and oid in occ_pref and "nl" in occ_pref[oid]:
            sources["occ_desc"].append((m.group(1), occ_pref[oid]["nl"], oid))

    # fixed shares of the budget; Dutch occupation wording gets the largest share
    shares = {"occ_alt": 0.40, "competent_occ": 0.08, "competent_comp": 0.20, "skill_alt": 0.24, "occ_desc": 0.08}
    pairs: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {}
    for name, items in sources.items():
        items = sorted(set(items))
        rng.shuffle(items)
        take = items[: int(shares[name] * max_pairs)]
        counts[name] = len(take)
        pairs.extend(take)
    rng.shuffle(pairs)
    return pairs, counts


# ------------------------------------------------------------------ train
def mnrl_loss(q, p, concept, scale: float):
    """In-batch multiple-negatives ranking loss (sentence-transformers' MNRL): row i's positive is
    ``p[i]``, the other rows are negatives except those naming the same concept (masked).
    ``q``, ``p``: normalised ``(n, d)`` tensors; ``concept``: ``(n,)`` integer tensor."""
    import torch

    same = (concept[:, None] == concept[None, :]) & ~torch.eye(len(concept), dtype=torch.bool)
    logits = (scale * (q @ p.T)).masked_fill(same, -1e4)
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(concept)))


def _train_w(Q: np.ndarray, P: np.ndarray, concept: np.ndarray, hp: dict, seed: int) -> np.ndarray:
    import torch

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
    return W.detach().numpy().astype(np.float32)


def _accuracy(Q: np.ndarray, P_all: np.ndarray, target: np.ndarray) -> float:
    """Share of held-out queries whose own positive is the nearest of all positives."""
    if len(Q) == 0:
        return 0.0
    sims = Q @ P_all.T
    return float((sims.argmax(axis=1) == target).mean())


def train(settings: Settings | None = None, *, progress: bool = True, hp: dict | None = None) -> dict:
    """Train adapter + calibration; returns the manifest."""
    from matcher.search.ranking import EmbeddingCache
    from api.wiring import Services

    from indexer.taxonomy.build import ensure_store
    from indexer.label_index import model_fingerprint

    started = time.time()
    settings = settings or get_settings()
    hp = {**HPARAMS, **(hp or {})}
    ensure_store(settings, progress=progress)
    services = Services(settings)
    rng = random.Random(SEED)
    pairs, counts = build_pairs(services.store, rng, hp["max_pairs"])
    cache = EmbeddingCache(services)
    Q = cache.queries([p[0] for p in pairs], progress=progress)
    P = cache.passages([p[1] for p in pairs], progress=progress)
    concepts = {c: i for i, c in enumerate(dict.fromkeys(p[2] for p in pairs))}
    C = np.array([concepts[p[2]] for p in pairs], dtype=np.int64)
    n_hold = max(1, int(len(pairs) * hp["heldout_fraction"]))
    tr, ho = slice(n_hold, None), slice(0, n_hold)
    W = _train_w(Q[tr], P[tr], C[tr], hp, SEED)
    adapter = Adapter(W)
    # held-out check: nearest positive among all distinct positives
    pos_texts = list(dict.fromkeys(p[1] for p in pairs))
    pos_idx = {t: i for i, t in enumerate(pos_texts)}
    P_all = cache.passages(pos_texts)
    target = np.array([pos_idx[p[1]] for p in pairs[:n_hold]])
    before = _accuracy(Q[ho], P_all, target)
    after = _accuracy(adapter.apply_queries(Q[ho]), P_all, target)
    calibration = fit_calibration(Q[ho], adapter, P_all, target, [pairs[i][0] for i in range(n_hold)], pos_texts)

    folder = adapter_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "adapter.tmp.npz"
    np.savez(tmp, W=W)
    tmp.replace(folder / "adapter.npz")
    meta = services.store.meta()
    manifest = {
        "model": model_fingerprint(settings.model), "pairs": counts, "n_pairs": len(pairs),
        "heldout": n_hold, "heldout_top1_before": round(before, 4), "heldout_top1_after": round(after, 4),
        "hparams": hp, "seed": SEED, "input_checksums": json.loads(meta.get("input_checksums", "{}")),
        "reads": "taxonomy store only (no benchmark file)",
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.time() - started, 1),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    (settings.var_dir / "model" / "calibration.json").write_text(json.dumps(calibration, indent=2), encoding="utf-8")
    manifest["calibration"] = calibration
    return manifest


def fit_calibration(Q: np.ndarray, adapter: Adapter, P_all: np.ndarray, target: np.ndarray,
                    queries: list[str], pos_texts: list[str]) -> dict:
    """Logistic fit of P(correct) on (dense cosine of the hit, lexical cosine of the hit).

    Examples: for each held-out query, its top-3 dense hits, labelled by whether the hit is
    the query's own concept label. Gives the a, b, c of :class:`matcher.extraction.engine.Calibration`.
    """
    from sklearn.linear_model import LogisticRegression

    from matcher.text.lexical import CharNgramIndex, simple_normalise

    sims = adapter.apply_queries(Q) @ P_all.T
    top = np.argsort(-sims, axis=1)[:, :3]
    rows, ys = [], []
    for i, hits in enumerate(top):
        cand = [pos_texts[j] for j in hits]
        lex = CharNgramIndex([simple_normalise(c) for c in cand] + [simple_normalise(queries[i])])
        lex_s = lex.scores([simple_normalise(queries[i])])[0][:3]
        for r, j in enumerate(hits):
            rows.append([float(sims[i, j]), float(lex_s[r])])
            ys.append(int(j == target[i]))
    X, y = np.array(rows), np.array(ys)
    if len(set(ys)) < 2:
        return {"a": 30.0, "b": 3.0, "c": -26.0, "n": len(ys)}
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    return {"a": round(float(lr.coef_[0][0]), 4), "b": round(float(lr.coef_[0][1]), 4),
            "c": round(float(lr.intercept_[0]), 4), "n": int(len(ys)), "positives": int(y.sum())}


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(train(), indent=2))
