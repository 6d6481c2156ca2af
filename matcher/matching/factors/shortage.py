"""Knelpuntberoep boost: a separate, open, switchable factor (multiplier).

When the vacancy's occupation is on the VDAB knelpuntberoepen list (2026, linked to Competent
by code), the score is multiplied by ``1 + shortage_weight`` (default 1.10). Because it
multiplies, a poor match stays a poor match: it only tips the balance between comparable
matches. It is shown in every breakdown — also when it does not apply or is switched off
(``--no-shortage-boost`` / ``MatchOptions.shortage_boost = False``).
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import FactorOutput, Option, PairDetail, PairFeatures, SwitchedMultiplier


class ShortageBoost(SwitchedMultiplier):
    name = "shortage_boost"
    label = "knelpuntberoep"
    order = 40
    switch = Option("shortage_boost", True, bool, "Knelpuntberoepen iets hoger rangschikken.", api=True)
    strength = Option("shortage_weight", 0.10, float, "Boost voor een knelpuntberoep: score x (1 + gewicht).", ge=0, le=1)

    def encode_vacancies(self, items, ctx) -> dict:
        return {"shortage": np.array([any(ctx.tax.shortage_of(c) for c in v.occupation_codes) for v in items],
                                     dtype=bool)}

    def features(self, pairs) -> dict:
        return {"shortage": pairs.full(pairs.v("shortage"))}

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        return self.scaled(f.shortage.astype(float), opts)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        info = next((s for s in map(pair.ctx.tax.shortage_of, pair.vacancy.occupation_codes) if s), None)
        if not f.shortage[i]:
            return {"text": "geen knelpuntberoep: geen boost", "enabled": opts.shortage_boost}
        if not opts.shortage_boost:
            return {"text": f"knelpuntberoep ({info['title'] if info else ''}), boost uitgeschakeld",
                    "enabled": False, "shortage": info}
        return {"text": f"knelpuntberoep '{info['title'] if info else ''}' (VDAB 2026): "
                        f"score x{1 + opts.shortage_weight:.2f}", "enabled": True, "shortage": info}
