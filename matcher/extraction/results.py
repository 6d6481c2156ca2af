"""What extraction returns: competences and formal requirements, each with its text spans."""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("vacancy", "cv", "free")
COMPETENCE_STATUSES = ("held", "suggestion")
REQUIREMENT_STATUSES = ("held", "not_held", "in_progress", "required", "nice_to_have")


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
    status: str = "held"          # "held" (at or above the high-precision cut) | "suggestion" ("klopt dit?")
    label_en: str | None = None
    label_language: str = "nl"    # "en" when no Dutch label exists (an English-only ESCO label)
    #: the signals behind ``confidence`` (what the end-to-end calibration is fitted on); not in the JSON output
    evidence: dict[str, float] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class ExtractedRequirement:       # diplomas, certificates, licences, languages: kept apart from competences
    category: str                 # "diploma" | "certificate" | "licence" | "language"
    value: str                    # e.g. "bachelor", "VCA", "rijbewijs C", "Nederlands"
    span: Span
    level: str | None = None      # e.g. "B2", "moedertaal"
    requirement: str | None = None
    status: str = "held"          # CV/free: held | not_held | in_progress; vacancy: required | nice_to_have


@dataclass
class ExtractedOccupation:        # a job title the person names (see matcher.extraction.occupations)
    occupation_code: str          # Competent OP code
    label: str                    # its Dutch title
    spans: list[Span]
    status: str = "own"           # "own": what the person does or did; "wished": the job they look for


@dataclass
class Extraction:
    text_language: str            # "nl" | "en" | "fr"
    competences: list[ExtractedCompetence] = field(default_factory=list)
    requirements: list[ExtractedRequirement] = field(default_factory=list)
    occupations: list[ExtractedOccupation] = field(default_factory=list)   # CV and free text only


def extraction_json(ex: Extraction) -> dict:
    """The documented output of ``cmatch extract`` and ``/api/v1/extract`` (issue 16 format)."""
    return {
        "text_language": ex.text_language,
        "competences": [{
            "competence_id": c.competence_id, "competent_code": c.competent_code, "esco_uri": c.esco_uri,
            "label": c.label, "label_en": c.label_en, "label_language": c.label_language, "kind": c.kind,
            "confidence": c.confidence, "status": c.status, "requirement": c.requirement,
            "spans": [{"start": s.start, "end": s.end, "text": s.text} for s in c.spans],
        } for c in ex.competences],
        "requirements": [{
            "category": r.category, "value": r.value, "level": r.level, "status": r.status,
            "span": {"start": r.span.start, "end": r.span.end, "text": r.span.text},
        } for r in ex.requirements],
        "occupations": [{
            "occupation_code": o.occupation_code, "label": o.label, "status": o.status,
            "spans": [{"start": s.start, "end": s.end, "text": s.text} for s in o.spans],
        } for o in ex.occupations],
    }
