"""Occupation affinity: does the vacancy's occupation fit the occupations the person prefers? (additive)

1.0 for the same occupation; otherwise the cosine similarity of the two Competent occupation
profiles (weighted competence vectors), the best over the person's preferred occupations.
When the person states no preference, or the vacancy has no known occupation, the factor is
neutral (0.5) — nobody is ranked down for leaving it open.
"""
from __future__ import annotations

from matcher.matching.factors.base import Factor, FactorOutput, MatchOptions, PairDetail, PairFeatures


class Affinity(Factor):
    name = "affinity"
    label = "beroepsaffiniteit"
    kind = "additive"
    order = 20

    def compute(self, f: PairFeatures, opts: MatchOptions) -> FactorOutput:
        return FactorOutput(f.affinity, opts.affinity_weight * f.affinity, weight=opts.affinity_weight)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        if not f.affinity_known[i]:
            return {"text": "geen voorkeursberoep of geen beroep bij de vacature: neutraal (0,5)"}
        best = pair.extra.get("affinity_via")
        if f.affinity[i] >= 0.999:
            return {"text": "het beroep van de vacature is een voorkeursberoep", "via": best}
        return {"text": f"verwant aan voorkeursberoep {best['label'] if best else ''} "
                        f"(profielgelijkenis {f.affinity[i]:.2f})".replace("  ", " "), "via": best}
