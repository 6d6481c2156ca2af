"""The product extractor (not the label ranker) on the TECH/HOUSE annotation format.

Protocol (issue 16): drop ``LABEL NOT PRESENT`` and ``UNDERSPECIFIED`` rows; keep sentences
with at least one real label (:func:`eval.readers.read_skill_annotations`); a sentence's
prediction is the set of ESCO skills the extractor returns as *held* (a Competent concept
counts through its ESCO URI); compare lower-cased ESCO v1.1.1 English preferred labels; micro
P/R/F1 over all sentences.
"""
from __future__ import annotations

import time
from pathlib import Path

from eval.readers import read_skill_annotations


def esco_preferred_en(store) -> dict[str, str]:
    return {item: label.lower() for item, lang, label, kind in store.labels("competences")
            if lang == "en" and kind == "preferred" and item.startswith("http")}


def evaluate_extract_sentences(annotations: Path, extractor, store, *, kind: str = "free",
                               progress: bool = False) -> dict:
    t0 = time.time()
    sentences = read_skill_annotations(annotations)
    preferred = esco_preferred_en(store)
    tp = fp = fn = 0
    n_pred = 0
    it = sentences
    if progress:
        from tqdm import tqdm

        it = tqdm(sentences, desc="Zinnen", unit="zin")
    for s in it:
        ex = extractor.extract(s.sentence, kind=kind)
        pred = {preferred[c.esco_uri] for c in ex.competences if c.status == "held" and c.esco_uri in preferred}
        gold = {g.lower() for g in s.labels}
        n_pred += len(pred)
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"set": Path(annotations).name, "precision": round(100 * p, 2), "recall": round(100 * r, 2),
            "f1": round(100 * f, 2), "n_sentences": len(sentences),
            "held_per_sentence": round(n_pred / max(1, len(sentences)), 2), "seconds": round(time.time() - t0, 1)}
