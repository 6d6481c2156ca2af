"""Search occupations and competences by free text (Dutch, English or French).

Occupations are ranked by the hybrid normaliser (lexical + dense, :mod:`matcher.search.normalise`);
competences by dense retrieval over the label index (the query encoded with the query prefix,
labels with the passage prefix; an item scores with its best label). Results come per source
(Competent and ESCO), so a Flemish title and its European counterpart both show up, each with
its crosswalk links and knelpuntberoep status.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from indexer.model.encoder import Encoder
from indexer.label_index import IndexSet, LabelHit
from indexer.taxonomy.store import ShortageInfo, TaxonomyStore

if TYPE_CHECKING:  # pragma: no cover
    from matcher.search.normalise import OccupationNormaliser


@dataclass
class OccupationHit:
    id: str
    source: str
    code: str
    label: str
    score: float
    matched_label: str
    matched_lang: str
    labels: dict[str, str] = field(default_factory=dict)
    isco_group: str = ""
    shortage: ShortageInfo | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    confidence: float | None = None     # calibrated chance (0..1) that this is the occupation meant
    is_shortage: bool = False           # set from ``shortage``

    def __post_init__(self) -> None:
        self.is_shortage = self.shortage is not None


@dataclass
class CompetenceHit:
    id: str
    source: str
    kind: str
    label: str
    score: float
    matched_label: str
    matched_lang: str
    labels: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)


class TaxonomySearch:
    """Occupation and competence search over the active indexes.

    >>> search = TaxonomySearch(store, indexes, encoder)          # doctest: +SKIP
    >>> search.occupations("verpleegkundige", top=3)[0].label      # doctest: +SKIP
    'Verpleegkundige'
    """

    def __init__(self, store: TaxonomyStore, indexes: IndexSet, encoder: Encoder,
                 normaliser: "OccupationNormaliser | None" = None):
        self.store = store
        self.normaliser = normaliser
        self.indexes = indexes
        self.encoder = encoder
        self._comp_source = {c.id: c.source for c in store.competences()}

    def encode_query(self, text: str) -> np.ndarray:
        return self.encoder.encode_queries([text])[0]

    # ----------------------------------------------------------- occupations
    def occupations(self, text: str, top: int = 10, sources: tuple[str, ...] = ("competent", "esco")) -> list[OccupationHit]:
        """Top ``top`` occupations of each source, merged by score (best first).

        Ranking is the hybrid occupation normaliser's (:mod:`matcher.search.normalise`); this adds the
        crosswalk links and the knelpuntberoep details for display.
        """
        if self.normaliser is None:
            raise RuntimeError("TaxonomySearch needs an OccupationNormaliser for occupation search")
        out = []
        for h in self.normaliser.normalise(text, top=top, sources=sources):
            hit = self.describe_occupation(LabelHit(h.id, h.score, h.matched_label, h.matched_lang))
            hit.confidence = h.confidence
            out.append(hit)
        return out

    def describe_occupation(self, hit: LabelHit) -> OccupationHit:
        occ = self.store.occupation(hit.item_id)
        assert occ is not None, hit.item_id
        if occ.source == "competent":
            links = [{"id": uri, "relation": rel, "label": self._occ_label(uri)} for uri, rel in self.store.esco_for_competent(occ.id)]
        else:
            links = [{"id": code, "relation": rel, "label": self._occ_label(code)} for code, rel in self.store.competent_for_esco(occ.id)]
        return OccupationHit(
            id=occ.id, source=occ.source, code=occ.code, label=occ.label("nl"), score=round(hit.score, 4),
            matched_label=hit.label, matched_lang=hit.lang, labels=occ.labels, isco_group=occ.isco_group,
            shortage=self.store.shortage_info(occ.id), links=links,
        )

    def _occ_label(self, item_id: str) -> str:
        occ = self.store.occupation(item_id)
        return occ.label("nl") if occ else item_id

    # ----------------------------------------------------------- competences
    def competences(self, text: str, top: int = 10, sources: tuple[str, ...] = ("competent", "esco")) -> list[CompetenceHit]:
        if self.indexes is None:   # lexical stage (api/readiness.py): the label index is still being built
            raise FileNotFoundError("competence search needs the label index")
        vector = self.encode_query(text)
        hits: list[LabelHit] = []
        for source in sources:
            hits.extend(self.indexes.competences.search_items(
                vector, top, accept=lambda item_id, s=source: self._comp_source.get(item_id) == s))
        hits.sort(key=lambda h: -h.score)
        return [self.describe_competence(h) for h in hits]

    def describe_competence(self, hit: LabelHit) -> CompetenceHit:
        comp = self.store.competence(hit.item_id)
        assert comp is not None, hit.item_id
        pairs = self.store.esco_for_competence(comp.id) if comp.source == "competent" else self.store.competent_for_skill(comp.id)
        links = []
        for other, rel in pairs:
            c = self.store.competence(other)
            links.append({"id": other, "relation": rel, "label": c.label("nl") if c else other})
        return CompetenceHit(
            id=comp.id, source=comp.source, kind=comp.kind, label=comp.label("nl"), score=round(hit.score, 4),
            matched_label=hit.label, matched_lang=hit.lang, labels=comp.labels, links=links,
        )
