"""Combine the factors into a score, and describe a result: breakdown, matched competences, gaps.

The scorer knows nothing about individual factors: it asks each factor of
:func:`matcher.matching.factors.all_factors` for its value and effect over all pairs at once, and for its
explanation of the few pairs that are returned::

    score = (sum of additive effects) x (product of multiplier effects)
    kept  = pairs that no hard constraint removed
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.domain import class_weight, Evidence, Portfolio, Vacancy
from matcher.matching.factors import FactorOutput, MatchOptions, PairDetail, PairFeatures, all_factors
from matcher.matching.near import MatchTaxonomy, NearTable


@dataclass
class Scored:
    score: np.ndarray
    keep: np.ndarray
    outputs: dict[str, FactorOutput]


def score_pairs(f: PairFeatures, opts: MatchOptions) -> Scored:
    base = np.zeros(f.n)
    mult = np.ones(f.n)
    keep = np.ones(f.n, dtype=bool)
    outputs: dict[str, FactorOutput] = {}
    for factor in all_factors():
        out = factor.compute(f, opts)
        outputs[factor.name] = out
        if factor.kind == "additive":
            base = base + out.effect
        else:
            mult = mult * out.effect
        if out.keep is not None:
            keep &= out.keep
    return Scored(base * mult, keep, outputs)


@dataclass
class FactorLine:
    factor: str
    label: str
    kind: str
    value: float
    weight: float | None
    effect: float
    explanation: str
    details: dict = field(default_factory=dict)


def breakdown(f: PairFeatures, i: int, scored: Scored, opts: MatchOptions, pair: PairDetail) -> list[FactorLine]:
    lines = []
    for factor in all_factors():
        out = scored.outputs[factor.name]
        info = dict(factor.explain(f, i, out, opts, pair))
        text = info.pop("text", "")
        lines.append(FactorLine(factor.name, factor.label, factor.kind, round(float(out.value[i]), 4),
                                None if out.weight is None else round(float(out.weight), 4),
                                round(float(out.effect[i]), 4), text, info))
    return lines


# ------------------------------------------------------------------ competences
@dataclass
class Credit:
    credit: float
    via: str           # the portfolio competence that earns it
    how: str           # "exact" | "crosswalk:<relation>" | "embedding"
    similarity: float | None = None


def expand(portfolio: Portfolio, near: NearTable) -> dict[str, Credit]:
    """Every competence the person gets credit for, with the best credit and where it comes from.

    Own competences earn 1; their crosswalk and embedding neighbours the near credit. This one
    function feeds both the vectorised scores and the explanations, so they cannot disagree.
    """
    credits: dict[str, Credit] = {}
    own = [c.competence_id for c in portfolio.competences]
    for cid in own:
        credits[cid] = Credit(1.0, cid, "exact")
    for cid in own:
        for other, hit in near.lookup(cid).items():
            old = credits.get(other)
            if old is None or hit.credit > old.credit or (hit.credit == old.credit and (old.how, old.via) > (hit.source, cid)):
                credits[other] = Credit(hit.credit, cid, hit.source, hit.similarity)
    return credits


@dataclass
class MatchedCompetence:
    competence_id: str
    label: str
    importance: str
    credit: float
    match: str                      # "exact" | "equivalent" (crosswalk) | "near" (partial credit)
    via: dict | None                # the person's competence that earns the credit, when not exact
    portfolio_evidence: list[Evidence]
    vacancy_evidence: list[Evidence]


@dataclass
class Gap:
    competence_id: str
    label: str
    importance: str
    weight: float
    opens_vacancies: int | None = None


def explain_competences(credits: dict[str, Credit], portfolio: Portfolio, vacancy: Vacancy,
                        tax: MatchTaxonomy) -> dict:
    """Matched competences (with evidence of both sides) and gaps, most important first."""
    own = {c.competence_id: c for c in portfolio.competences}
    matched: list[MatchedCompetence] = []
    gaps: list[Gap] = []
    all_items = []
    for vc in vacancy.competences:
        label = vc.label or tax.label(vc.competence_id)
        all_items.append({"competence_id": vc.competence_id, "importance": vc.importance})
        cr = credits.get(vc.competence_id)
        if cr is None or cr.credit <= 0:
            gaps.append(Gap(vc.competence_id, label, vc.importance, float(vc.weight)))
            continue
        if cr.how == "exact":
            kind, via = "exact", None
        else:
            kind = "equivalent" if cr.how.startswith("crosswalk") and cr.credit >= 0.9 else "near"
            via = {"competence_id": cr.via, "label": own[cr.via].label or tax.label(cr.via) if cr.via in own else tax.label(cr.via),
                   "relation": cr.how, "similarity": cr.similarity}
        pe = own[cr.via].evidence if cr.via in own else []
        matched.append(MatchedCompetence(vc.competence_id, label, vc.importance, round(cr.credit, 4), kind, via,
                                         list(pe), list(vc.evidence)))
    key = lambda x: (x.importance != "essential", -class_weight(x.importance), -getattr(x, "weight", 0.0) if isinstance(x, Gap) else 0, x.label)  # noqa: E731
    matched.sort(key=lambda m: (m.importance != "essential", -m.credit, m.label))
    gaps.sort(key=key)
    return {"matched": [_as_dict(m) for m in matched], "gaps": gaps, "all": all_items, "matched_objs": matched}


def _as_dict(m: MatchedCompetence) -> dict:
    return {"competence_id": m.competence_id, "importance": m.importance, "match": m.match}


@dataclass
class MatchResult:
    """One explained result (a vacancy for a person, or a candidate for a vacancy)."""

    rank: int
    score: float
    vacancy: dict
    candidate: dict | None
    breakdown: list[FactorLine]
    matched: list[MatchedCompetence]
    gaps: list[Gap]
    diplomas_requested: list[dict]
    summary: str = ""


@dataclass
class MatchResultSet:
    direction: str                   # "vacancies" | "candidates"
    query: dict
    options: MatchOptions
    considered: int
    removed_by_hard_constraints: int
    near_source: str
    results: list[MatchResult]
    ms: float
    note: str = ""
