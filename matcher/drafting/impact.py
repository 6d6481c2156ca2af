"""How many relevant candidates each requirement of a vacancy removes.

For every requirement (driving licence, each language level, regime, contract type, each
diploma, each essential competence) count the *relevant* indexed candidates it removes:
relevant = competence coverage >= ``RELEVANT_COVERAGE`` for this vacancy (or every candidate when
the vacancy names no competences). Diplomas are counted from the candidates' own declarations,
indicatively — the matcher never enforces them; their levels come from
``matcher/resources/diploma_levels.json``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from indexer.domain import CONTRACT_LABELS_NL, LANGUAGE_NAMES_NL, REGIME_LABELS_NL, Vacancy, cefr_rank
from matcher.matching.factors import MatchOptions
from matcher.matching.factors.constraints import violations
from matcher.resources import load_json

if TYPE_CHECKING:  # pragma: no cover
    from indexer.storage.protocol import VacancyRepository
    from matcher.matching.engine import MatchEngine
    from matcher.matching.near import MatchTaxonomy

RELEVANT_COVERAGE = 0.2
POOL_DEFINITION = (f"kandidaten met competentiedekking >= {RELEVANT_COVERAGE:.0%} voor deze vacature "
                   "(of alle kandidaten als de vacature geen competenties heeft)")
DIPLOMA_NOTE = "indicatief, uit wat kandidaten zelf opgaven; diploma's worden bij het matchen nooit afgedwongen"


@dataclass
class RequirementImpact:
    kind: str         # "licence" | "language" | "regime" | "contract" | "diploma" | "competence"
    value: str
    label: str
    removes: int
    removes_share: float
    note: str = ""


def _load_diploma_levels() -> list[tuple[int, tuple[str, ...], tuple[str, ...]]]:
    """``(level, words the text contains, values the whole text equals)`` in rule order."""
    return [(r["level"], tuple(r.get("contains", ())), tuple(r.get("equals", ())))
            for r in load_json("diploma_levels.json")["rules"]]


_DIPLOMA_LEVELS = _load_diploma_levels()


def diploma_level(text: str | None) -> int | None:
    """0 none .. 4 master; None when unknown. Unrecognised foreign diplomas count as 0."""
    if text is None:
        return None
    t = str(text).lower()
    for level, contains, equals in _DIPLOMA_LEVELS:
        if any(w in t for w in contains) or t.strip() in equals:
            return level
    return None


def requirement_impacts(vacancy: Vacancy, engine: "MatchEngine", repository: "VacancyRepository",
                        taxonomy: "MatchTaxonomy") -> tuple[list[RequirementImpact], int]:
    """(impact of each requirement, size of the relevant pool) over the engine's built candidates."""
    f, ids = engine.candidate_pool_features(vacancy, MatchOptions())
    pool = f.coverage >= RELEVANT_COVERAGE if vacancy.competences else np.ones(f.n, dtype=bool)
    n = int(pool.sum())
    out: list[RequirementImpact] = []
    if n == 0:
        return out, 0

    def add(kind: str, value: str, label: str, removed: np.ndarray | int, note: str = "") -> None:
        k = int((removed & pool).sum()) if isinstance(removed, np.ndarray) else removed
        out.append(RequirementImpact(kind, value, label, k, round(k / n, 4), note))

    v = violations(f)
    if vacancy.driving_licence:
        add("licence", vacancy.driving_licence, f"rijbewijs {vacancy.driving_licence}", v["licence"])
    for lang in vacancy.languages:
        add("language", f"{lang.code}:{lang.level}", f"{LANGUAGE_NAMES_NL.get(lang.code, lang.code)} {lang.level}",
            engine.candidate_language_ranks(lang.code) < cefr_rank(lang.level))
    if vacancy.regimes:
        add("regime", ",".join(vacancy.regimes), "regime " + ", ".join(REGIME_LABELS_NL.get(r, r) for r in vacancy.regimes),
            v["regime"])
    if vacancy.contract_type:
        add("contract", vacancy.contract_type, CONTRACT_LABELS_NL.get(vacancy.contract_type, vacancy.contract_type),
            v["contract"])
    if vacancy.diplomas:
        pool_ids = [ids[i] for i in np.flatnonzero(pool)]
        levels = [diploma_level(p.personal.get("diploma")) for p in repository.get_portfolios(pool_ids)]
        for d in vacancy.diplomas:
            need = diploma_level(d)
            if need is not None:
                add("diploma", d, d, sum(1 for lv in levels if lv is not None and lv < need), DIPLOMA_NOTE)
    for c in vacancy.competences:
        if c.importance == "essential":
            add("competence", c.competence_id, c.label or taxonomy.label(c.competence_id),
                engine.candidate_credits(c.competence_id) < 0.5)
    return out, n
