"""TECH / HOUSE skill extraction benchmark: rank all skill labels for each sentence; RP@k, MRR.

Each sentence is split into clause parts (:mod:`matcher.text.clauses`); a label's score is the best
over the sentence and its parts, so a long requirement sentence can name several skills.
With ``expand=True`` (off by default: on TECH and HOUSE dev it lowered RP@5) a label that is an ESCO skill's preferred label in our store also scores
through that skill's alternative labels (taxonomy knowledge, no benchmark data).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from eval import metrics
from eval.ranking import benchmark_ranker, group_by_label
from eval.readers import read_labels, read_skill_annotations

MAX_RANK = 100


def skill_label_groups(store, labels: list[str], lang: str = "en") -> tuple[list[str], list[tuple[str, str]]]:
    by_label: dict[str, set[str]] = {}
    alts: dict[str, list[str]] = {}
    for item_id, l_lang, label, kind in store.labels("competences"):
        if not item_id.startswith("http") or l_lang != lang:
            continue
        if kind == "preferred":
            by_label.setdefault(label.lower(), set()).add(item_id)
        else:
            alts.setdefault(item_id, []).append(label)
    groups = group_by_label(labels, by_label)
    used = [g for g in groups if not g.startswith("text:")]
    present = {t.lower() for t in labels}
    extra = [(a, g) for g in dict.fromkeys(used) for a in alts.get(g, []) if a.lower() not in present]
    return groups, extra


def sentence_units(sentence: str) -> list[str]:
    from matcher.text.clauses import split_parts

    parts = [sentence[a:b] for a, b in split_parts(sentence, 0, len(sentence))]
    return list(dict.fromkeys([sentence] + [p for p in parts if len(p) >= 3]))


def evaluate_skills(annotations: Path, labels_path: Path, services, *, mode: str = "hybrid", expand: bool = False,
                    adapter="auto", units: bool = True, lang: str = "en", progress: bool = False) -> dict:
    t0 = time.time()
    sentences = read_skill_annotations(annotations)
    labels = read_labels(labels_path)
    groups, extra = (None, ())
    if expand:
        groups, extra = skill_label_groups(services.store, labels, lang)
    ranker, cache = benchmark_ranker(labels, services, mode=mode, adapter=adapter, lang=lang, groups=groups,
                                     extra=extra, progress=progress)
    rankings = []
    for s in sentences:
        qs = sentence_units(s.sentence) if units else [s.sentence]
        qv = cache.queries(qs) if cache is not None else None
        if groups is not None:
            own, best = ranker.group_scores(qs, qv)
            scores = np.maximum(own, best[:, ranker.gid[:ranker.n]])
        else:
            scores = ranker.score_matrix(qs, qv)
        # the whole sentence counts fully, parts a little less (they are shorter, noisier)
        if len(qs) > 1:
            final = np.maximum(scores[0], scores[1:].max(axis=0) - PART_PENALTY)
        else:
            final = scores[0]
        top = np.argsort(-final, kind="stable")[:MAX_RANK]
        rankings.append([labels[i] for i in top])
    gold = [s.labels for s in sentences]
    return {
        "set": Path(annotations).name, "mode": mode, "expand": expand, "adapter": ranker.adapter is not None,
        "rp_5": round(100 * metrics.r_precision_at_k(rankings, gold, 5), 2),
        "rp_10": round(100 * metrics.r_precision_at_k(rankings, gold, 10), 2),
        "mrr": round(metrics.mrr(rankings, gold), 4),
        "n_sentences": len(sentences), "n_labels": len(labels), "seconds": round(time.time() - t0, 1),
    }


#: Score handicap of a clause part against the whole sentence (one global choice).
PART_PENALTY = 0.02
