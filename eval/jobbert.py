"""JobBERT vacancy titles -> ESCO occupations (English labels); MRR, acc@1/5/10.

The candidates are the ESCO occupations of our store, each with its English preferred and
alternative labels; an occupation scores with its best label (grouped, one entry per
occupation in the ranking).
"""
from __future__ import annotations

import time
from pathlib import Path

from eval import metrics
from eval.ranking import benchmark_ranker
from eval.readers import read_jobbert

MAX_RANK = 10


def evaluate_jobbert(path: Path, services, *, mode: str = "hybrid", adapter="auto", alt_labels: bool = True,
                     lang: str = "en", limit: int | None = None, progress: bool = False) -> dict:
    t0 = time.time()
    rows = read_jobbert(path)
    if limit:
        rows = rows[:limit]
    texts, groups = [], []
    for item_id, l_lang, label, kind in services.store.labels("occupations"):
        if item_id.startswith("http") and l_lang == lang and (alt_labels or kind == "preferred"):
            texts.append(label)
            groups.append(item_id)
    ranker, _ = benchmark_ranker(texts, services, mode=mode, adapter=adapter, lang=lang, groups=groups,
                                 progress=progress)
    titles = list(dict.fromkeys(t for t, _ in rows))
    ranked = ranker.rank(titles, k=MAX_RANK * 8, progress=progress)
    by_title = {}
    for t, row in zip(titles, ranked):
        uris = list(dict.fromkeys(groups[i] for i, _ in row))[:MAX_RANK]
        by_title[t] = uris
    rankings = [by_title[t] for t, _ in rows]
    gold = [{u} for _, u in rows]
    return {
        "set": Path(path).name, "mode": mode, "adapter": ranker.adapter is not None,
        "mrr": round(metrics.mrr(rankings, gold), 4),
        "acc_1": round(metrics.success(rankings, gold, 1), 4),
        "acc_5": round(metrics.success(rankings, gold, 5), 4),
        "acc_10": round(metrics.success(rankings, gold, 10), 4),
        "n_queries": len(rows), "n_unique_titles": len(titles), "seconds": round(time.time() - t0, 1),
    }
