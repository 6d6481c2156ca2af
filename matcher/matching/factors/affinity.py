"""Occupation affinity: does the vacancy's occupation fit the occupations the person prefers? (additive)

1.0 for the same occupation; otherwise the cosine similarity of the two Competent occupation
profiles (weighted competence vectors, :class:`matcher.matching.occupations.OccupationSpace`),
the best over the person's preferred occupations. When the person states no preference, or the
vacancy has no known occupation, the factor is neutral (0.5) — nobody is ranked down for leaving
it open. A portfolio made from a CV text without stated preferences takes the job titles the
text names as the person's own (:mod:`matcher.extraction.occupations`, via :mod:`matcher.ingest`).
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import Factor, FactorOutput, Option, PairDetail, PairFeatures, Pairs
from matcher.matching.near import sparse_rows

NEUTRAL_AFFINITY = 0.5


class Affinity(Factor):
    name = "affinity"
    label = "beroepsaffiniteit"
    kind = "additive"
    order = 20
    options = (Option("affinity_weight", 0.5, float, "Gewicht van de beroepsaffiniteit in de score.", ge=0, le=1),)

    def encode_vacancies(self, items, ctx) -> dict:
        return {"occ": np.array([ctx.occ.first_idx(v.occupation_codes) for v in items], dtype=np.int64)}

    def encode_portfolios(self, items, ctx) -> dict:
        rows = [{k: 1.0 for k in map(ctx.occ.idx, p.preferred_occupations) if k >= 0} for p in items]
        return {"prefs": sparse_rows(rows, len(ctx.occ.codes)), "has_pref": np.array([bool(r) for r in rows], dtype=bool)}

    def features(self, pairs: Pairs) -> dict:
        n, sim = pairs.n, pairs.ctx.occ.sim
        vocc = pairs.v("occ")
        affinity, known = np.full(n, NEUTRAL_AFFINITY), np.zeros(n, dtype=bool)
        if sim.size == 0:
            pass
        elif pairs.single_portfolio:
            pref_idx = pairs.p("prefs").indices
            if len(pref_idx):
                best = sim[pref_idx].max(axis=0)
                affinity = np.where(vocc >= 0, best[np.maximum(vocc, 0)], NEUTRAL_AFFINITY)
                known = vocc >= 0
        else:
            o = int(vocc[0]) if len(vocc) else -1
            if o >= 0:
                vals = pairs.p("prefs").multiply(sim[:, o][None, :]).tocsr()
                best = np.asarray(vals.max(axis=1).todense()).ravel()
                has_pref = pairs.p("has_pref")
                affinity = np.where(has_pref, best, NEUTRAL_AFFINITY)
                known = has_pref.copy()
        return {"affinity": pairs.full(affinity, float), "affinity_known": pairs.full(known, bool)}

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        return FactorOutput(f.affinity, opts.affinity_weight * f.affinity, weight=opts.affinity_weight)

    @staticmethod
    def _via(pair: PairDetail) -> dict | None:
        """The preferred occupation closest to the vacancy's, for the explanation."""
        occ, tax = pair.ctx.occ, pair.ctx.tax
        vi = occ.first_idx(pair.vacancy.occupation_codes)
        best = None
        for code in pair.portfolio.preferred_occupations:
            k = occ.idx(code)
            if k < 0 or vi < 0:
                continue
            s = float(occ.sim[k, vi])
            if best is None or s > best["similarity"]:
                best = {"occupation": occ.codes[k], "label": tax.occupation_label(occ.codes[k]), "similarity": round(s, 4)}
        return best

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        if not f.affinity_known[i]:
            return {"text": "geen voorkeursberoep of geen beroep bij de vacature: neutraal (0,5)"}
        best = self._via(pair)
        # preferred occupations taken from the CV's own job titles (matcher.ingest) are named as such
        own = bool(pair.portfolio.preferred_occupations) and \
            pair.portfolio.extra.get("occupations_from_text") == pair.portfolio.preferred_occupations
        kind = "beroep uit je cv" if own else "voorkeursberoep"
        if f.affinity[i] >= 0.999:
            return {"text": f"het beroep van de vacature is een {kind}", "via": best}
        return {"text": f"verwant aan {kind} {best['label'] if best else ''} "
                        f"(profielgelijkenis {f.affinity[i]:.2f})".replace("  ", " "), "via": best}
