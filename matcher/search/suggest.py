"""Competence autocomplete: label matches first, topped up by dense search.

Dutch preferred and alternative labels, matched on the accent- and case-folded query: prefix
first, then word start, then substring; shorter labels and Competent items before ESCO ones.
When fewer than three labels match and the query has at least five characters, the dense
competence search fills the list.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from indexer.lazy import Lazy
from indexer.taxonomy.store import TaxonomyStore
from matcher.matching.near import MatchTaxonomy
from matcher.search.taxonomy_search import TaxonomySearch
from matcher.text.lexical import strip_accents

#: Queries at least this long may be topped up with dense search.
DENSE_MIN_CHARS = 5


def _fold(text: str) -> str:
    return strip_accents(text.lower())


@dataclass
class Suggestion:
    id: str
    label: str
    kind: str
    matched_label: str


class CompetenceSuggest:
    """``suggest("heftr")`` -> competences whose label starts with, or contains, the text."""

    def __init__(self, tax: MatchTaxonomy, store: TaxonomyStore, search: Lazy[TaxonomySearch] | None = None):
        self.tax = tax
        self.store = store
        self.search = search
        self._lock = threading.Lock()
        self._table: list[tuple[str, str, str]] | None = None
        self._kinds: dict[str, str] = {}

    def _load(self) -> list[tuple[str, str, str]]:
        with self._lock:
            if self._table is None:
                table = [(cid, label, _fold(label)) for cid, label in self.tax.competence_labels.items()]
                for cid, alts in self.tax.competence_alt_labels.items():
                    table += [(cid, a, _fold(a)) for a in alts]
                self._kinds = {cid: kind for cid, kind in self.store.con.execute("SELECT id, kind FROM competences")}
                self._table = table
            return self._table

    def suggest(self, query: str, top: int = 8) -> list[Suggestion]:
        fq = _fold(query.strip())
        ranked: dict[str, tuple[int, str]] = {}
        if fq:
            for cid, label, folded in self._load():
                if folded.startswith(fq):
                    rank = 0
                elif f" {fq}" in f" {folded}":
                    rank = 1
                elif fq in folded:
                    rank = 2
                else:
                    continue
                old = ranked.get(cid)
                if old is None or rank < old[0]:
                    ranked[cid] = (rank, label)
        order = sorted(ranked.items(), key=lambda kv: (kv[1][0], kv[0].startswith("http"), len(kv[1][1]), kv[1][1]))[:top]
        results = [Suggestion(cid, self.tax.label(cid), self._kinds.get(cid, ""), label) for cid, (_, label) in order]
        if self.search is not None and len(results) < min(top, 3) and len(fq) >= DENSE_MIN_CHARS:
            seen = {r.id for r in results}
            for h in self.search.get().competences(query.strip(), top=top):
                if h.id not in seen and len(results) < top:
                    seen.add(h.id)
                    results.append(Suggestion(h.id, h.label, h.kind, h.matched_label))
        return results
