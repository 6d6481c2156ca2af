"""Occupation -> the competences a vacancy for it usually asks, from its (derived) Competent profile."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matcher.matching.near import MatchTaxonomy


@dataclass
class Suggestion:
    competence_id: str
    label: str
    importance: str
    weight: float
    source: str


@dataclass
class SuggestResult:
    code: str
    label: str
    shortage: dict | None
    essential: list[Suggestion]
    optional: list[Suggestion]


def suggest(tax: "MatchTaxonomy", occupation: str, *, n_essential: int = 10, n_optional: int = 10) -> SuggestResult | None:
    """Essential and optional competences of the occupation's profile, Dutch-labelled (Competent)
    first, strongest first; None when the occupation has no profile."""
    code = tax.competent_occupation(occupation)
    items = tax.profiles.get(code)
    if not items:
        return None

    def pick(essential: bool, n: int) -> list[Suggestion]:
        sel = [e for e in items if (e.importance == "essential") == essential]
        sel.sort(key=lambda e: (e.competence_id.startswith("http"), -e.weight, tax.label(e.competence_id)))
        return [Suggestion(e.competence_id, tax.label(e.competence_id), e.importance, round(e.weight, 4),
                           "esco" if e.competence_id.startswith("http") else "competent") for e in sel[:n]]

    return SuggestResult(code, tax.occupation_label(code), tax.shortage_of(code), pick(True, n_essential),
                         pick(False, n_optional))
