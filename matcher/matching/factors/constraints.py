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

from typing import Literal

import numpy as np

from indexer.domain import CONTRACT_TYPES, LICENCES, REGIMES, Location, cefr_rank, licences_held
from matcher.geo import complete, haversine_km
from matcher.matching.factors.base import Factor, FactorOutput, Option, PairDetail, PairFeatures, Pairs

CONSTRAINTS: tuple[str, ...] = ("distance", "regime", "contract", "licence", "language")
CONSTRAINT_LABELS_NL = {"distance": "afstand", "regime": "werkregime", "contract": "contracttype",
                        "licence": "rijbewijs", "language": "talen"}
MODES: tuple[str, ...] = ("hard", "soft", "off")
REGIME_PENALTY = 0.8
CONTRACT_PENALTY = 0.85
LICENCE_PENALTY = 0.8
LANGUAGE_STEP = 0.1
LANGUAGE_MAX = 0.4


class ConstraintModes:
    """What ``MatchOptions`` gains from this factor: per-constraint modes."""

    def mode(self, constraint: str) -> str:
        return self.constraints.get(constraint, "soft")

    @classmethod
    def with_constraints(cls, default: str = "soft", hard: list[str] | None = None, soft: list[str] | None = None,
                         off: list[str] | None = None, **kw):
        modes = {c: default for c in CONSTRAINTS}
        for mode, names in (("hard", hard), ("soft", soft), ("off", off)):
            for n in names or []:
                if n not in CONSTRAINTS:
                    raise ValueError(f"Onbekende voorwaarde '{n}'; kies uit {', '.join(CONSTRAINTS)}.")
                modes[n] = mode
        return cls(constraints=modes, **kw)


# ---------------------------------------------------------------------- encoding
def _mask(values: list[str], universe: tuple[str, ...]) -> int:
    m = 0
    for x in values:
        if x in universe:
            m |= 1 << universe.index(x)
    return m


def _coords(locations: list[Location]) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = np.full(len(locations), np.nan), np.full(len(locations), np.nan)
    for i, loc in enumerate(locations):
        loc = complete(loc)
        if loc.lat is not None:
            lat[i], lon[i] = loc.lat, loc.lon
    return lat, lon


def _levels(items, ctx) -> np.ndarray:
    """(n, languages) CEFR rank per record; registers every language first, so all rows fit."""
    for x in items:
        for lang in x.languages:
            ctx.lang(lang.code)
    out = np.zeros((len(items), len(ctx.languages)), dtype=np.int8)
    for i, x in enumerate(items):
        for lang in x.languages:
            j = ctx.lang(lang.code)
            out[i, j] = max(out[i, j], cefr_rank(lang.level))
    return out


def _pad_lang(a: np.ndarray, L: int) -> np.ndarray:
    if a.shape[1] >= L:
        return a
    return np.hstack([a, np.zeros((a.shape[0], L - a.shape[1]), dtype=a.dtype)])


def violations(f: PairFeatures) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore"):
        too_far = (~f.remote) & np.isfinite(f.distance_km) & np.isfinite(f.max_km) & (f.distance_km > f.max_km)
    return {"distance": too_far, "regime": ~f.regime_ok, "contract": ~f.contract_ok, "licence": ~f.licence_ok,
            "language": f.language_short > 0}


def penalties(f: PairFeatures, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = np.where(np.isfinite(f.distance_km) & np.isfinite(f.max_km), f.distance_km - f.max_km, 0.0)
        rel = np.where(f.max_km > 0, excess / np.where(f.max_km > 0, f.max_km, 1.0), 1.0)
    return {
        "distance": np.where(v["distance"], 1.0 - np.minimum(0.6, 0.3 + 0.3 * np.nan_to_num(rel)), 1.0),
        "regime": np.where(v["regime"], REGIME_PENALTY, 1.0),
        "contract": np.where(v["contract"], CONTRACT_PENALTY, 1.0),
        "licence": np.where(v["licence"], LICENCE_PENALTY, 1.0),
        "language": 1.0 - np.minimum(LANGUAGE_MAX, LANGUAGE_STEP * f.language_short),
    }


def language_detail(pair: PairDetail) -> list[dict]:
    have = {l.code.lower(): cefr_rank(l.level) for l in pair.portfolio.languages}
    out = []
    for req in pair.vacancy.languages:
        code = req.code.lower()
        out.append({"language": req.code, "asked": req.level, "met": have.get(code, 0) >= cefr_rank(req.level),
                    "has": next((l.level for l in pair.portfolio.languages if l.code.lower() == code), None)})
    return out


class Constraints(Factor):
    name = "constraints"
    label = "praktische voorwaarden"
    kind = "multiplier"
    order = 30
    options = (Option("constraints", {c: "soft" for c in CONSTRAINTS}, dict[Literal[CONSTRAINTS], Literal[MODES]],
                      "Per voorwaarde 'hard' (filter), 'soft' (strafpunt) of 'off'; standaard soft.", api=True),)
    options_mixin = ConstraintModes

    def encode_vacancies(self, items, ctx) -> dict:
        lat, lon = _coords([v.location for v in items])
        lic = [(v.driving_licence or "").upper() for v in items]
        return {"lat": lat, "lon": lon, "remote": np.array([bool(v.remote) for v in items], dtype=bool),
                "regime": np.array([_mask(v.regimes, REGIMES) for v in items], dtype=np.int64),
                "contract": np.array([CONTRACT_TYPES.index(v.contract_type) if v.contract_type in CONTRACT_TYPES else -1
                                      for v in items], dtype=np.int64),
                "licence": np.array([LICENCES.index(c) if c in LICENCES else -1 for c in lic], dtype=np.int64),
                "lang_req": _levels(items, ctx)}

    def encode_portfolios(self, items, ctx) -> dict:
        lat, lon = _coords([p.location for p in items])
        held = [licences_held(p.driving_licences) for p in items]
        return {"lat": lat, "lon": lon,
                "max_km": np.array([np.nan if p.max_distance_km is None else float(p.max_distance_km) for p in items]),
                "regime_ok": np.array([_mask(p.regimes, REGIMES) for p in items], dtype=np.int64),
                "contract_ok": np.array([_mask(p.contract_types, CONTRACT_TYPES) for p in items], dtype=np.int64),
                "licences": np.array([[c in h for c in LICENCES] for h in held], dtype=bool).reshape(len(items), len(LICENCES)),
                "lang_rank": _levels(items, ctx)}

    def features(self, pairs: Pairs) -> dict:
        n = pairs.n
        vlat, vlon, plat, plon = pairs.v("lat"), pairs.v("lon"), pairs.p("lat"), pairs.p("lon")
        if len(plat) == 1 and not np.isnan(plat[0]):
            dist = haversine_km(float(plat[0]), float(plon[0]), vlat, vlon)
        elif len(vlat) == 1 and not np.isnan(vlat[0]):
            dist = haversine_km(float(vlat[0]), float(vlon[0]), plat, plon)
        else:
            dist = np.full(n, np.nan)
        regime_v, regime_p = pairs.v("regime"), pairs.p("regime_ok")
        regime_ok = (regime_p == 0) | ((regime_v & ~regime_p) == 0)
        contract_v, contract_p = pairs.v("contract"), pairs.p("contract_ok")
        contract_ok = (contract_p == 0) | (contract_v < 0) | (((contract_p >> np.maximum(contract_v, 0)) & 1) == 1)
        lic_v, lic_p = pairs.v("licence"), pairs.p("licences")
        licence_ok = (lic_v < 0) | lic_p[np.arange(lic_p.shape[0]) if lic_p.shape[0] != 1 else np.zeros_like(lic_v),
                                         np.maximum(lic_v, 0)]
        req_all, have_all = pairs.vacancy["lang_req"], pairs.portfolio["lang_rank"]
        L = max(req_all.shape[1], have_all.shape[1])
        req = _pad_lang(req_all, L)[pairs.vrows].astype(np.int16)
        have = _pad_lang(have_all, L)[pairs.prows].astype(np.int16)
        return {"distance_km": np.broadcast_to(dist, (n,)).copy(), "max_km": pairs.full(pairs.p("max_km")),
                "remote": pairs.full(pairs.v("remote")), "regime_ok": pairs.full(regime_ok, bool),
                "contract_ok": pairs.full(contract_ok, bool), "licence_ok": pairs.full(licence_ok, bool),
                "language_short": pairs.full(np.maximum(req - have, 0).sum(axis=1))}

    def needs_every_row(self, opts) -> bool:
        return any(opts.mode(c) == "hard" for c in CONSTRAINTS)

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
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
        v, p = out.extra["violations"], out.extra["penalties"]
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
                item["detail"] = language_detail(pair)
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
