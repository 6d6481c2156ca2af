"""Text endpoints: competence extraction and occupation normalisation.

* ``POST /api/v1/extract`` — ``{"text": …, "kind": "vacancy"|"cv"|"free", "min_confidence": …}``
  -> competences (Competent code / ESCO URI, Dutch label and English label, type, calibrated
  confidence, status held | suggestion, spans, requirement level) and, apart, diplomas / certificates / licences / languages.
* ``POST /api/v1/occupations/normalise`` — ``{"text": …, "top": …}`` -> ranked Competent and ESCO
  occupations with scores.

Empty, oversized, binary or unsupported-language input gets a 422 in the project's one error
shape, with one Dutch message (:mod:`matcher.extraction.input_check`).
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StrictStr, field_validator

from indexer.domain import MAX_TEXT_CHARS
from matcher.extraction.occupations import preferred_codes
from matcher.search.normalise import MAX_QUERY_CHARS
from api.routes_common import components
from api.wiring import Components

router = APIRouter(prefix="/api/v1", tags=["tekst"])




def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("de tekst is leeg")
    if "\x00" in value:
        raise ValueError("de tekst bevat ongeldige tekens")
    return value


class ExtractIn(BaseModel):
    text: StrictStr = Field(..., min_length=1, max_length=MAX_TEXT_CHARS,
                            description=f"Vacature, cv of vrije omschrijving (nl, en, fr), hoogstens {MAX_TEXT_CHARS} tekens.")
    kind: Literal["vacancy", "cv", "free"] = Field("free", description="Soort tekst; bij 'vacancy' ook vereist/pluspunt.")
    min_confidence: float | None = Field(None, ge=0.0, le=1.0, description="Ondergrens voor de betrouwbaarheid.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        from matcher.extraction.input_check import TextRejected, check_text

        try:
            return check_text(value)
        except TextRejected as exc:   # one Dutch message in the project's 422 shape
            raise ValueError(str(exc)) from None


class SpanOut(BaseModel):
    start: int
    end: int
    text: str


class CompetenceOut(BaseModel):
    competence_id: str
    competent_code: str | None
    esco_uri: str | None
    label: str
    kind: str
    confidence: float
    status: str = Field(description="held (boven de precisiegrens) of suggestion ('klopt dit?').")
    label_en: str | None = None
    label_language: str = Field("nl", description="'en' als er geen Nederlands label bestaat (alleen Engels).")
    spans: list[SpanOut]
    requirement: str | None = None


class RequirementOut(BaseModel):
    category: str
    value: str
    span: SpanOut
    level: str | None = None
    requirement: str | None = None
    status: str = Field(description="cv/vrij: held | not_held | in_progress; vacature: required | nice_to_have.")


class OccupationMentionOut(BaseModel):
    occupation_code: str = Field(description="Competent-beroep (OP-…) dat de persoon noemt.")
    label: str
    spans: list[SpanOut]
    status: str = Field("own", description="own: wat de persoon doet of deed; wished: de job die de persoon zoekt.")


class ExtractOut(BaseModel):
    text_language: str
    competences: list[CompetenceOut]
    requirements: list[RequirementOut]
    occupations: list[OccupationMentionOut] = Field(
        default_factory=list, description="Beroepstitels uit de tekst (cv/vrij): wat de persoon doet of deed, en de gezochte job.")
    preferred_occupations: list[str] = Field(
        default_factory=list, description="De beroepen (OP-…) die als voorkeursberoep tellen wanneer je er zelf geen "
                                          "kiest, zoals een portfolio met cv_text: de eigen beroepstitels, anders de gezochte job.")


class NormaliseIn(BaseModel):
    text: StrictStr = Field(..., min_length=1, max_length=MAX_QUERY_CHARS,
                            description="Beroepstitel of korte omschrijving (nl, en, fr).")
    top: int = Field(5, ge=1, le=50, description="Aantal resultaten per bron (Competent, ESCO).")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _not_blank(value)


class Link(BaseModel):
    id: str
    relation: str
    label: str


class NormalisedOut(BaseModel):
    id: str
    source: str
    code: str
    label: str
    score: float
    confidence: float
    matched_label: str
    matched_lang: str
    is_shortage: bool
    links: list[Link] = Field(default_factory=list)


class NormaliseOut(BaseModel):
    query: str
    results: list[NormalisedOut]


@router.post("/extract", response_model=ExtractOut)
def extract(body: ExtractIn, svc: Components = Depends(components)) -> ExtractOut:
    """Competenties (met tekstfragmenten) en, apart, diploma's, attesten, rijbewijzen en talen."""
    result = svc.extractor.extract(body.text, kind=body.kind, min_confidence=body.min_confidence)
    out = ExtractOut.model_validate(result, from_attributes=True)
    out.preferred_occupations = preferred_codes((o.occupation_code, o.status, len(o.spans)) for o in result.occupations)
    return out


@router.post("/occupations/normalise", response_model=NormaliseOut)
def normalise(body: NormaliseIn, svc: Components = Depends(components)) -> NormaliseOut:
    """Competent- en ESCO-beroepen voor een titel of korte omschrijving, best eerst."""
    hits = svc.normaliser.normalise(body.text.strip(), top=body.top)
    return NormaliseOut(query=body.text, results=[NormalisedOut.model_validate(h, from_attributes=True) for h in hits])
