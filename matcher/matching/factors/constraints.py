"""Practical constraints: distance, working regime, contract type, driving licence, languages (multiplier).

The user picks per constraint (``MatchOptions.constraints``):

* ``hard`` — a pair that violates it is removed from the results;
* ``soft`` (default) — it stays, with a penalty multiplied into the score;
* ``off`` — ignored.

Unknown data never counts as a violation. Soft penalties (multiplied together):

=========  ====================================================================
distance   ``1 - min(0.6, 0.3 + 0.3 x excess / max_km)`` beyond the person's range
regime     0.8 when the vacancy has a regime the person does not accept
contract   0.85 when the contract type is not one the person accepts
licence    0.8 when the asked driving licence is missing
language   ``1 - min(0.4, 0.1 x levels short)`` (CEFR levels, summed over languages)
=========  ====================================================================

A diploma asked for by the vacancy is shown with the result, never enforced.
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import CONSTRAINT_LABELS_NL, CONSTRAINTS, Factor, FactorOutput, MatchOptions, PairDetail, PairFeatures

REGIME_PENALTY = 0.8
CONTRACT_PENALTY = 0.85
LICENCE_PENALTY = 0.8
LANGUAGE_STEP = 0.1
LANGUAGE_MAX = 0.4


def violations(f: PairFeatures) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore"):
        too_far = (~f.remote) & np.isfinite(f.distance_km) & np.isfinite(f.max_km) & (f.distance_km > f.max_km)
    return {"distance": too_far, "regime": ~f.regime_ok, "contract": ~f.contract_ok, "licence": ~f.licence_ok,
            "language": f.language_short > 0}


def penalties(f: PairFeatures, v: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = np.where(np.isfinite(f.distance_km) & np.isfinite(f.max_km), f.distance_km - f.max_km, 0.0)
        rel = np.where(f.max_km > 0, excess / np.where(f.max_km > 0, f.max_km, 1.0), 1.0)
    v = v if v is not None else violations(f)
    return {
        "distance": np.where(v["distance"], 1.0 - np.minimum(0.6, 0.3 + 0.3 * np.nan_to_num(rel)), 1.0),
        "regime": np.where(v["regime"], REGIME_PENALTY, 1.0),
        "contract": np.where(v["contract"], CONTRACT_PENALTY, 1.0),
        "licence": np.where(v["licence"], LICENCE_PENALTY, 1.0),
        "language": 1.0 - np.minimum(LANGUAGE_MAX, LANGUAGE_STEP * f.language_short),
    }


class Constraints(Factor):
    name = "constraints"
    label = "praktische voorwaarden"
    kind = "multiplier"
    order = 30

    def compute(self, f: PairFeatures, opts: MatchOptions) -> FactorOutput:
        v = violations(f)
        p = penalties(f, v)
        effect = np.ones(f.n)
        keep = np.ones(f.n, dtype=bool)
        for c in CONSTRAINTS:
            mode = opts.mode(c)
            if mode == "hard":
                keep &= ~v[c]
            elif mode == "soft":
                effect = effect * p[c]
        return FactorOutput(effect, effect, keep, extra={"violations": v, "penalties": p})

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        v = out.extra.get("violations") or violations(f)
        p = out.extra.get("penalties") or penalties(f)
        items = []
        for c in CONSTRAINTS:
            mode = opts.mode(c)
            item = {"constraint": c, "label": CONSTRAINT_LABELS_NL[c], "mode": mode, "met": not bool(v[c][i])}
            if c == "distance":
                d, m = f.distance_km[i], f.max_km[i]
                item["distance_km"] = None if np.isnan(d) else round(float(d), 1)
                item["max_km"] = None if np.isnan(m) else float(m)
                if f.remote[i]:
                    item["note"] = "telewerk: afstand speelt niet"
            if c == "language":
                item["levels_short"] = int(f.language_short[i])
                item["detail"] = pair.extra.get("language_detail", [])
            if mode == "soft" and v[c][i]:
                item["penalty"] = round(float(p[c][i]), 3)
            items.append(item)
        broken = [x for x in items if not x["met"] and x["mode"] != "off"]
        if not broken:
            text = "alle praktische voorwaarden zijn vervuld (of onbekend)"
        else:
            parts = [f"{x['label']} ({'harde' if x['mode'] == 'hard' else 'zachte'} voorwaarde"
                     + (f", x{x['penalty']}" if "penalty" in x else "") + ")" for x in broken]
            text = "niet vervuld: " + ", ".join(parts)
        return {"text": text, "constraints": items}
