"""The ranker every label benchmark uses: the product's hybrid ranker over the benchmark's own texts.

``adapter="auto"`` takes the trained query adapter of the configured model (none in lexical
mode); the embedding cache reuses the active label index's vectors where the texts match.
"""
from __future__ import annotations

from collections.abc import Sequence

from indexer.model.adapter import load_adapter
from matcher.search.ranking import EmbeddingCache, HybridRanker


def group_by_label(texts: Sequence[str], by_label: dict[str, set[str]]) -> list[str]:
    """Group id per text: the one taxonomy item it is a label of (lower-cased), else ``text:<itself>``."""
    groups = []
    for t in texts:
        ids = by_label.get(t.lower(), set())
        groups.append(next(iter(ids)) if len(ids) == 1 else "text:" + t)
    return groups


def benchmark_ranker(texts: Sequence[str], components, *, mode: str = "hybrid", adapter="auto", lang: str = "nl",
                     groups: Sequence[str] | None = None, extra: Sequence[tuple[str, str]] = (),
                     progress: bool = False) -> tuple[HybridRanker, EmbeddingCache | None]:
    """(ranker, cache) over ``texts``; the cache is None in lexical mode."""
    if adapter == "auto":
        adapter = load_adapter(components.settings) if mode != "lexical" else None
    cache = EmbeddingCache(components.retrieval) if mode != "lexical" else None
    ranker = HybridRanker(list(texts), cache=cache, lang=lang, mode=mode, groups=groups, extra=extra,
                          adapter=adapter, progress=progress)
    return ranker, cache
