"""Competence extraction: vacancy text, CV or free description -> competences with spans.

First version of the public interface (dataclasses + :class:`CompetenceExtractor`); the
pipeline behind it is: language -> clauses (with character offsets) -> cues (blurbs,
benefits, diversity statements, negations, requirement levels) -> requirements (diplomas,
certificates, licences, languages; kept apart) -> hybrid retrieval of competences per clause
(lexical label matches + dense e5 search) -> fused, calibrated confidence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.domain import MAX_TEXT_CHARS

if TYPE_CHECKING:  # pragma: no cover
    from api.wiring import Services

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


class CompetenceExtractor:
    """Extract competences and formal requirements from a text.

    >>> ex = CompetenceExtractor(Services.from_env())                   # doctest: +SKIP
    >>> r = ex.extract("Je hebt ervaring met heftrucks. Rijbewijs C is vereist.", kind="vacancy")  # doctest: +SKIP
    >>> [c.label for c in r.competences], [q.value for q in r.requirements]   # doctest: +SKIP
    (['Heftruck besturen'], ['rijbewijs C'])
    """

    def __init__(self, services: "Services"):
        self.services = services
        from matcher.extraction.engine import ExtractionEngine

        self._engine = ExtractionEngine(services)

    def extract(self, text: str, *, kind: str = "free", min_confidence: float | None = None) -> Extraction:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(f"text is longer than {MAX_TEXT_CHARS} characters ({len(text)})")
        return self._engine.extract(text, kind=kind, min_confidence=min_confidence)
