"""Occupation normalisation: a job title or short description (nl, en, fr) -> ranked Competent
and ESCO occupations with scores.

Hybrid retrieval over every occupation label of the store (Competent titles nl/fr, ESCO
preferred and alternative labels nl/en/fr): dense e5 cosine (label vectors from the active
index, query through the trained adapter when present) + ``LEXICAL_WEIGHT`` x character n-gram
cosine of the lemmatised texts; an occupation scores with its best label. ``confidence`` is a
logistic calibration of that fused score (same calibration as extraction).

>>> n = OccupationNormaliser(Retrieval(store, settings, encoder, indexes))  # doctest: +SKIP
>>> [h.label for h in n.normalise("heftruckchauffeur", top=2)]   # doctest: +SKIP
['Heftruckchauffeur', 'heftruckbestuurder']
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from indexer.retrieval import Retrieval
from matcher.text.cues import detect_language

MAX_QUERY_CHARS = 500


@dataclass
class NormalisedOccupation:
    id: str                   # Competent code (OP-…) or ESCO URI
    source: str               # "competent" | "esco"
    code: str
    label: str                # Dutch label (fallback en/fr)
    score: float              # fused score (dense cosine + weighted lexical cosine)
    confidence: float         # 0..1
    matched_label: str
    matched_lang: str
    is_shortage: bool = False
    links: list[dict[str, str]] = field(default_factory=list)


class OccupationNormaliser:
    def __init__(self, retrieval: Retrieval):
        self.retrieval = retrieval
        self._lock = threading.Lock()
        self._ranker = None

    def _load(self):
        with self._lock:
            if self._ranker is not None:
                return self._ranker
            from indexer.model.adapter import load_adapter

            from matcher.extraction.calibration import Calibration
            from matcher.search.ranking import EmbeddingCache, HybridRanker

            store = self.retrieval.store
            rows = list(store.labels("occupations"))
            self._rows = rows
            self._source = {o.id: o.source for o in store.occupations()}
            # a Competent occupation also answers to the labels of its exact/close ESCO match
            # (Competent has no English labels; ESCO has)
            labels_of: dict[str, list[str]] = {}
            for item_id, _lang, label, _kind in rows:
                labels_of.setdefault(item_id, []).append(label)
            extra: list[tuple[str, str]] = []
            for code, uri, rel in store.con.execute("SELECT competent_code, esco_uri, relation FROM occupation_map"):
                if rel in ("exactMatch", "closeMatch"):
                    extra.extend((label, code) for label in labels_of.get(uri, []))
            self._calibration = Calibration.load(self.retrieval.settings.var_dir / "model" / "calibration.json")
            self._ranker = HybridRanker(
                [r[2] for r in rows], cache=EmbeddingCache(self.retrieval),
                mode="lexical" if self.retrieval.settings.lexical_only else "hybrid",
                groups=[r[0] for r in rows], extra=extra, text_langs=[r[1] for r in rows],
                adapter=load_adapter(self.retrieval.settings),
                lexical_cache=self.retrieval.settings.cache_dir / "lexical")
            return self._ranker

    def warm(self) -> None:
        self._load()
        self.normalise("opwarmen", top=1)

    def normalise(self, text: str, *, top: int = 10, sources: tuple[str, ...] = ("competent", "esco"),
                  lang: str | None = None) -> list[NormalisedOccupation]:
        """The ``top`` best occupations of each requested source, merged by score."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise ValueError(f"text is longer than {MAX_QUERY_CHARS} characters")
        ranker = self._load()
        lang = lang or detect_language(text)
        ranker.lang = lang if lang in ("nl", "en", "fr") else "nl"
        ranked = ranker.rank([text.strip()], k=max(50, top * 12))[0]
        per_source: dict[str, list] = {s: [] for s in sources}
        seen: set[str] = set()
        for i, score in ranked:
            item_id, l_lang, label, _ = self._rows[i]
            if item_id in seen:
                continue
            seen.add(item_id)
            src = self._source.get(item_id)
            if src in per_source and len(per_source[src]) < top:
                per_source[src].append((item_id, score, label, l_lang, i))
        store = self.retrieval.store
        out: list[NormalisedOccupation] = []
        chosen = [h for hits in per_source.values() for h in hits]
        dense, lex = ranker.components(text.strip(), [h[4] for h in chosen]) if chosen else ([], [])
        conf_of = {h[0]: self._calibration(float(d), float(x)) for h, d, x in zip(chosen, dense, lex)}
        for src, hits in per_source.items():
            for item_id, score, label, l_lang, _i in hits:
                occ = store.occupation(item_id)
                if occ is None:
                    continue
                pairs = store.esco_for_competent(item_id) if src == "competent" else store.competent_for_esco(item_id)
                links = []
                for other, rel in pairs:
                    o = store.occupation(other)
                    links.append({"id": other, "relation": rel, "label": o.label("nl") if o else other})
                conf = conf_of[item_id]
                out.append(NormalisedOccupation(
                    id=item_id, source=src, code=occ.code, label=occ.label("nl"), score=round(float(score), 4),
                    confidence=round(float(conf), 4), matched_label=label, matched_lang=l_lang,
                    is_shortage=store.shortage_info(item_id) is not None, links=links))
        out.sort(key=lambda h: -h.score)
        return out
