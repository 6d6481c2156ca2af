"""Exposure spreading (optional, multiplier): keep the same few items from taking every top slot.

Off by default. When on, each item's earlier appearances in top-k lists (the ``exposure``
feature: counts kept by :class:`matcher.matching.exposure.ExposureTracker`, provided by the
engine) lower its score a little::

    effect = 1 - exposure_strength x log(1 + count) / log(1 + max count)

so the most exposed item loses at most ``exposure_strength`` (default 15 %) and items never shown
lose nothing. Close matches then take turns at the top; a clearly better match stays on top.
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import FactorOutput, Option, PairDetail, PairFeatures, SwitchedMultiplier


class Exposure(SwitchedMultiplier):
    name = "exposure"
    label = "spreiding van blootstelling"
    order = 50
    switch = Option("spread_exposure", False, bool, "Blootstelling spreiden: wat al vaak in een toplijst stond, zakt "
                                                    "een beetje, zodat gelijkwaardige vacatures/kandidaten om beurten "
                                                    "bovenaan staan.", api=True)
    strength = Option("exposure_strength", 0.15, float, "Hoeveel het vaakst getoonde item hoogstens verliest.", ge=0, le=1)

    def needs_every_row(self, opts) -> bool:
        return bool(opts.spread_exposure)   # the most exposed of all items sets the scale

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        counts = f.exposure.astype(float)
        top = counts.max() if counts.size else 0.0
        share = np.log1p(counts) / np.log1p(top) if top > 0 else np.zeros(f.n)
        return self.scaled(share, opts, sign=-1.0)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        n = int(f.exposure[i])
        if not opts.spread_exposure:
            return {"text": "uit", "enabled": False}
        return {"text": f"{n} keer eerder in een top-lijst getoond: score x{out.effect[i]:.3f}", "enabled": True,
                "earlier_appearances": n}
