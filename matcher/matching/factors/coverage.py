"""Competence coverage: how much of what the vacancy asks the person brings (additive).

Each asked competence has weight 1.0 when essential and 0.35 when optional; it earns credit 1
when the person has it (or an official crosswalk equivalent), a partial near credit
(< 1, see :mod:`matcher.matching.near`) when the person has something close, else 0::

    coverage = sum(weight x credit) / sum(weight)

The engine computes the coverage of all pairs itself (sparse matrix products over competence
ids, shared with the gap openings: see :mod:`matcher.matching.encoding`); this factor weighs and
explains it. Evidence (CV line, EVC, ervaringsbewijs, consulent) is shown with every match but
never changes the credit.
"""
from __future__ import annotations

from indexer.domain import ESSENTIAL_WEIGHT, OPTIONAL_WEIGHT
from matcher.matching.factors.base import Factor, FactorOutput, Option, PairDetail, PairFeatures


class Coverage(Factor):
    name = "coverage"
    label = "competentiedekking"
    kind = "additive"
    order = 10
    options = (
        Option("coverage_weight", 0.5, float, "Gewicht van de competentiedekking in de score.", ge=0, le=1),
        Option("open_threshold", 0.6, float, "Dekking vanaf welke een vacature 'open' is, voor het aantal vacatures "
                                             "dat een ontbrekende competentie opent.", ge=0, le=1),
    )

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        return FactorOutput(f.coverage, opts.coverage_weight * f.coverage, weight=opts.coverage_weight)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        m = pair.extra.get("competences")
        n_ess = int(f.n_essential[i])
        if m is None:
            text = f"{f.coverage[i]:.0%} van de gevraagde competenties gedekt"
        else:
            ess_hit = sum(1 for c in m["matched"] if c["importance"] == "essential" and c["match"] != "near")
            ess_near = sum(1 for c in m["matched"] if c["importance"] == "essential" and c["match"] == "near")
            opt_total = sum(1 for c in m["all"] if c["importance"] != "essential")
            opt_hit = sum(1 for c in m["matched"] if c["importance"] != "essential")
            text = (f"{ess_hit} van {n_ess} essentiële competenties aanwezig"
                    + (f", {ess_near} gedeeltelijk via een verwante competentie" if ess_near else "")
                    + f"; {opt_hit} van {opt_total} optionele"
                    + f" (essentieel telt {ESSENTIAL_WEIGHT:g}, optioneel {OPTIONAL_WEIGHT:g})")
        return {"text": text, "essential_coverage": round(float(f.essential_coverage[i]), 4)}
