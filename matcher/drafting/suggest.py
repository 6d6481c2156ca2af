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
    """What to ask: the occupation's core first (as essential), then its other essential items; as
    optional the strongest secondary items. Within each, Dutch-labelled (Competent) first, most
    characteristic (salience) first; None when the occupation has no profile."""
    code = tax.competent_occupation(occupation)
    items = tax.profiles.get(code)
    if not items:
        return None
    has_core = any(e.core for e in items)

    def essential(e) -> bool:
        return e.core if has_core else e.importance == "essential"

    def pick(want: bool, n: int) -> list[Suggestion]:
        sel = [e for e in items if essential(e) == want]
        sel.sort(key=lambda e: (e.competence_id.startswith("http"), -(e.salience if has_core else e.weight),
                                tax.label(e.competence_id)))
        return [Suggestion(e.competence_id, tax.label(e.competence_id), "essential" if want else "optional",
                           round(e.salience if has_core else e.weight, 4),
                           "esco" if e.competence_id.startswith("http") else "competent") for e in sel[:n]]

    return SuggestResult(code, tax.occupation_label(code), tax.shortage_of(code), pick(True, n_essential),
                         pick(False, n_optional))
