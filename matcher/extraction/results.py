"""What extraction returns: competences and formal requirements, each with its text spans."""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("vacancy", "cv", "free")


@dataclass
class Span:
    start: int
    end: int
    text: str


@dataclass
class ExtractedCompetence:
    competence_id: str            # Competent code if the concept maps to Competent, else ESCO URI
    competent_code: str | None
    esco_uri: str | None
    label: str                    # Dutch label (fallback English)
    kind: str                     # "knowledge" | "skill" | "soft_skill"
    confidence: float             # 0..1, calibrated
    spans: list[Span]
    requirement: str | None = None   # "required" | "nice_to_have" | None (None for CVs/free text)


@dataclass
class ExtractedRequirement:       # diplomas, certificates, licences, languages: kept apart from competences
    category: str                 # "diploma" | "certificate" | "licence" | "language"
    value: str                    # e.g. "bachelor", "VCA", "rijbewijs C", "Nederlands"
    span: Span
    level: str | None = None      # e.g. "B2", "moedertaal"
    requirement: str | None = None


@dataclass
class Extraction:
    text_language: str            # "nl" | "en" | "fr"
    competences: list[ExtractedCompetence] = field(default_factory=list)
    requirements: list[ExtractedRequirement] = field(default_factory=list)
