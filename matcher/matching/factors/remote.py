"""Remote-work preference: does the job offer telework when the person wants it? (multiplier)

The person may state ``preferences["remote"]``: ``"required"`` (only jobs with telework),
``"preferred"`` (telework welcome) or ``"no"``; the vacancy says whether telework is possible
(``Vacancy.remote``). The factor is gentle and neutral by default::

    value  = -1  telework required, the job has none
           = +0.5 telework preferred, the job has it
           =  0  otherwise (no preference stated, "no", or the wish is met without a bonus)
    effect = 1 + remote_strength x value          (x0.90 / x1.05 with the default 0.10)

Nobody who states no preference is affected, so it is on by default (``remote_preference``).
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import (FactorOutput, Option, PairDetail, PairFeatures, Pairs, Preference,
                                           SwitchedMultiplier)

#: value of each stated wish for a job without / with telework
WISH_VALUES: dict[str, tuple[float, float]] = {"required": (-1.0, 0.0), "preferred": (0.0, 0.5), "no": (0.0, 0.0)}
WISH_LABELS_NL = {"required": "telewerk vereist", "preferred": "telewerk gewenst", "no": "geen telewerk gewenst"}


class RemotePreference(SwitchedMultiplier):
    name = "remote"
    label = "telewerkvoorkeur"
    order = 45
    switch = Option("remote_preference", True, bool, "Rekening houden met de telewerkvoorkeur van de persoon.", api=True)
    strength = Option("remote_strength", 0.10, float, "Hoeveel een vacature zonder telewerk verliest als de persoon "
                                                      "telewerk vereist (de helft als bonus wanneer telewerk gewenst is "
                                                      "en kan).", ge=0, le=0.5)
    preferences = (Preference("remote", tuple(WISH_VALUES), "Telewerk: required (vereist), preferred (gewenst) of no "
                                                          "(niet gewenst); weglaten = geen voorkeur (neutraal)."),)

    def encode_vacancies(self, items, ctx) -> dict:
        return {"remote": np.array([bool(v.remote) for v in items], dtype=bool)}

    def encode_portfolios(self, items, ctx) -> dict:
        without, with_ = (np.array([WISH_VALUES.get(p.preferences.get("remote"), (0.0, 0.0))[k] for p in items])
                          for k in (0, 1))
        return {"without": without, "with": with_}

    def features(self, pairs: Pairs) -> dict:
        remote = pairs.v("remote")
        return {"remote_wish": pairs.full(np.where(remote, pairs.p("with"), pairs.p("without")), float)}

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        return self.scaled(f.remote_wish, opts)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        wish = pair.portfolio.preferences.get("remote")
        job = "deze vacature biedt telewerk" if pair.vacancy.remote else "deze vacature biedt geen telewerk"
        if wish not in WISH_VALUES:
            return {"text": "geen telewerkvoorkeur opgegeven: neutraal", "enabled": opts.remote_preference}
        text = f"{WISH_LABELS_NL[wish]}, {job}"
        if not opts.remote_preference:
            return {"text": text + "; telewerkvoorkeur uitgeschakeld", "enabled": False, "wish": wish}
        effect = float(out.effect[i])
        return {"text": text + (f": score x{effect:.2f}" if effect != 1.0 else ": neutraal"), "enabled": True,
                "wish": wish}
