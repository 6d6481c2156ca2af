"""MELO: rank a directory's own corpus elements for each query; MRR, MAP, success@k.

The ranker sees only the query texts and the corpus texts (never ``concept_mapping.tsv`` nor
the annotations). With ``expand=True`` it adds taxonomy knowledge: a corpus text that is a
label of an ESCO occupation in *our* store is grouped with that occupation, whose other labels
(all languages) also count for it — what the product does when it normalises a title.
"""
from __future__ import annotations

import time
from pathlib import Path

from eval import metrics
from eval.ranking import benchmark_ranker, group_by_label
from eval.readers import read_melo

MAX_RANK = 100


def occupation_label_groups(store, texts: list[str], query_lang: str = "nl") -> tuple[list[str], list[tuple[str, str]]]:
    """Group id per corpus text (its ESCO occupation, else itself) and extra (label, group) pairs.

    A text groups with an occupation only when it is a label of exactly one ESCO occupation;
    the extra labels are those of the query's language and of the corpus texts' language.
    """
    by_label: dict[str, set[str]] = {}
    labels_of: dict[str, list[tuple[str, str]]] = {}
    for item_id, lang, label, _kind in store.labels("occupations"):
        if not item_id.startswith("http"):
            continue
        labels_of.setdefault(item_id, []).append((lang, label))
        by_label.setdefault(label.lower(), set()).add(item_id)
    lang_of: dict[str, set[str]] = {}
    for occ, pairs in labels_of.items():
        for lang, label in pairs:
            lang_of.setdefault(label.lower(), set()).add(lang)
    groups = group_by_label(texts, by_label)
    used = {g for g in groups if not g.startswith("text:")}
    corpus_langs: dict[str, int] = {}
    for t, g in zip(texts, groups):
        if g in used:
            for lang in lang_of.get(t.lower(), ()):
                corpus_langs[lang] = corpus_langs.get(lang, 0) + 1
    langs = {query_lang}
    if corpus_langs:
        langs.add(max(corpus_langs, key=corpus_langs.get))
    present = {t.lower() for t in texts}
    extra = [(label, occ) for occ in sorted(used) for lang, label in labels_of[occ]
             if lang in langs and label.lower() not in present]
    return groups, extra


def evaluate_melo(folder: Path, services, *, mode: str = "hybrid", expand: bool = False, adapter="auto",
                  lang: str = "nl", progress: bool = False) -> dict:
    t0 = time.time()
    data = read_melo(folder)
    texts = [t for _, t in data.corpus]
    groups, extra = (None, ())
    if expand:
        groups, extra = occupation_label_groups(services.store, texts, lang)
    ranker, _ = benchmark_ranker(texts, services, mode=mode, adapter=adapter, lang=lang, groups=groups, extra=extra,
                                 progress=progress)
    ranked = ranker.rank([q for _, q in data.queries], k=MAX_RANK, progress=progress)
    cids = [c for c, _ in data.corpus]
    rankings = [[cids[i] for i, _ in row] for row in ranked]
    gold = [data.relevant[qid] for qid, _ in data.queries]
    return {
        "set": data.name, "mode": mode, "expand": expand, "adapter": ranker.adapter is not None,
        "mrr": round(metrics.mrr(rankings, gold), 4),
        "map": round(metrics.mean_average_precision(rankings, gold), 4),
        "success_1": round(metrics.success(rankings, gold, 1), 4),
        "success_5": round(metrics.success(rankings, gold, 5), 4),
        "success_10": round(metrics.success(rankings, gold, 10), 4),
        "n_queries": len(data.queries), "n_corpus": len(texts), "seconds": round(time.time() - t0, 1),
    }
