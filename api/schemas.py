"""Pydantic request and response models: the API's typed boundary."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from indexer.domain import ID_PATTERN, MAX_ID_CHARS, MAX_TEXT_CHARS, Portfolio, Vacancy
from matcher.search.taxonomy_search import CompetenceHit, OccupationHit
from matcher.ingest import PortfolioIn, VacancyIn
from matcher.matching.factors import Option, option_specs
from matcher.matching.scoring import Gap
from matcher.orientation import OccupationMatch


class ErrorDetail(BaseModel):
    loc: list[str | int] = Field(default_factory=list, description="Pad naar het veld dat fout is.")
    msg: str
    type: str = "value_error"


class ErrorBody(BaseModel):
    code: str = Field(description="Korte foutcode, bv. 'validation_error', 'not_found'.")
    message: str = Field(description="Uitleg in het Nederlands.")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    index_version: str | None = None
    model: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    stage: str | None = Field(None, description="lexicaal (alleen op woorden) of volledig (taalmodel en indexen)")
    stage_text: str | None = None
    ready: bool = Field(True, description="opgewarmd: de eerste aanvraag is even snel als de honderdste")
    build: dict | None = Field(None, description="de achtergrondbouw: stap, voortgang, resterende stappen")


class OccupationSearchOut(BaseModel):
    query: str
    results: list[OccupationHit]


class CompetenceSearchOut(BaseModel):
    query: str
    results: list[CompetenceHit]


# ====================================================================== shared input pieces

class PortfolioBody(PortfolioIn):
    """A portfolio as in ``data/schemas/portfolio.schema.json``; ``id`` may be left out for a one-off query."""

    id: str = Field("anoniem", min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)
    cv_text: str | None = Field(None, max_length=MAX_TEXT_CHARS,
                                description="Vrije tekst; competenties worden eruit gehaald (hoogstens 20.000 tekens).")


class VacancyBody(VacancyIn):
    """A vacancy as in ``data/schemas/vacancy.schema.json``."""

    text: str = Field("", max_length=MAX_TEXT_CHARS, description="Vacaturetekst, hoogstens 20.000 tekens.")


class VacancyDraftBody(VacancyBody):
    """A vacancy being drafted: ``id`` and ``title`` may still be empty."""

    id: str = Field("ontwerp", min_length=1, max_length=200)
    title: str = Field("", max_length=300)


def _option_field(o: Option) -> tuple[Any, Any]:
    if isinstance(o.default, dict):   # a partial mapping, merged over the default (MatchOptions.from_input)
        return o.type, Field(default_factory=dict, description=o.description)
    return o.type, Field(o.default, ge=o.ge, le=o.le, description=o.description)


#: The options a request may set: generated from the factors' declarations (those with ``api=True``).
MatchOptionsIn = create_model("MatchOptionsIn", __config__=ConfigDict(extra="forbid"),
                              **{o.name: _option_field(o) for o in option_specs() if o.api})


class _InlineOrStored(BaseModel):
    """A request about one record, given inline or by the id of a stored one (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid")
    one_of: ClassVar[tuple[str, str]]

    @model_validator(mode="after")
    def _exactly_one(self):
        inline, stored = self.one_of
        if (getattr(self, inline) is None) == (getattr(self, stored) is None):
            raise ValueError(f"geef ofwel '{inline}' ofwel '{stored}'")
        return self


_PORTFOLIO_ID = Field(None, min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
                      description="Of: de id van een opgeslagen portfolio.")


class MatchVacanciesIn(_InlineOrStored):
    one_of = ("portfolio", "portfolio_id")
    portfolio: PortfolioBody | None = Field(None, description="Het portfolio zelf (niet opgeslagen).")
    portfolio_id: str | None = _PORTFOLIO_ID
    top: int = Field(10, ge=1, le=100)
    options: MatchOptionsIn = Field(default_factory=MatchOptionsIn)


class MatchCandidatesIn(_InlineOrStored):
    one_of = ("vacancy", "vacancy_id")
    vacancy: VacancyDraftBody | None = Field(None, description="De vacature zelf (niet opgeslagen).")
    vacancy_id: str | None = Field(None, min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
                                   description="Of: de id van een opgeslagen vacature.")
    top: int = Field(10, ge=1, le=100)
    options: MatchOptionsIn = Field(default_factory=MatchOptionsIn)


class OrientationIn(_InlineOrStored):
    one_of = ("portfolio", "portfolio_id")
    portfolio: PortfolioBody | None = None
    portfolio_id: str | None = _PORTFOLIO_ID
    top: int = Field(15, ge=1, le=100)
    broader: bool = Field(False, description="Enkel beroepen in andere sectoren.")
    max_missing: int = Field(3, ge=0, le=50, description="Ruimer: hoogstens zoveel ontbrekende essentiële competenties.")


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vacancy: VacancyDraftBody


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(..., min_length=1, max_length=MAX_TEXT_CHARS, description="Vrije vacaturetekst.")
    title: str | None = Field(None, max_length=300)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("de tekst is leeg")
        return v


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counsellor: str = Field(..., min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
                            description="Accountnaam van de loopbaanbegeleider.")


class ConsentList(BaseModel):
    portfolio_id: str
    consents: list[dict[str, Any]]


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[dict[str, Any]] = Field(..., max_length=5000,
                                          description="De records (elk zoals één regel van het JSONL-formaat).")


# ====================================================================== outputs
class EvidenceOut(BaseModel):
    source: str
    source_label: str = ""
    text: str = ""
    start: int | None = None
    end: int | None = None
    confirmed_by: str | None = None
    date: str | None = None


class MatchedCompetenceOut(BaseModel):
    competence_id: str
    label: str
    importance: str
    credit: float
    match: str = Field(description="exact | equivalent (crosswalk) | near (gedeeltelijke erkenning)")
    via: dict[str, Any] | None = None
    portfolio_evidence: list[EvidenceOut] = Field(default_factory=list)
    vacancy_evidence: list[EvidenceOut] = Field(default_factory=list)


class FactorLineOut(BaseModel):
    factor: str
    label: str
    kind: str
    value: float
    weight: float | None = None
    effect: float
    explanation: str
    details: dict[str, Any] = Field(default_factory=dict)


class MatchResultOut(BaseModel):
    rank: int
    score: float
    coverage: float | None = Field(None, description="Dekking van de competenties van de vacature, 0..1.")
    essential_present: int = 0
    essential_total: int = 0
    distance_km: float | None = None
    shortage: bool = False
    vacancy: dict[str, Any]
    candidate: dict[str, Any] | None = None
    breakdown: list[FactorLineOut]
    matched: list[MatchedCompetenceOut]
    gaps: list[Gap]
    diplomas_requested: list[dict[str, Any]] = Field(default_factory=list)
    summary: str = ""


class MatchResultSetOut(BaseModel):
    direction: str
    query: dict[str, Any]
    options: dict[str, Any]
    considered: int
    removed_by_hard_constraints: int
    near_source: str = ""
    results: list[MatchResultOut]
    ms: float
    note: str = ""


class OrientationOut(BaseModel):
    portfolio: str
    mode: str
    max_missing: int | None = None
    own_sectors: list[dict[str, Any]] = Field(default_factory=list)
    results: list[OccupationMatch]
    ms: float


class SuggestionOut(BaseModel):
    competence_id: str
    label: str
    importance: str = "essential"
    weight: float = 1.0
    source: str = Field("", description="competent | esco")


class SuggestOut(BaseModel):
    code: str
    label: str
    shortage: dict[str, Any] | None = None
    essential: list[SuggestionOut]
    optional: list[SuggestionOut]


class WarningOut(BaseModel):
    category: str = Field(description="age | gender | origin | health | diploma")
    category_label: str = ""
    severity: str = "warning"
    field: str = Field("text", description="Waar het staat: title, text of diplomas.")
    start: int | None = None
    end: int | None = None
    text: str = Field("", description="Het fragment dat de waarschuwing geeft.")
    reason: str
    alternative: str = ""


class RequirementPoolOut(BaseModel):
    kind: str = Field(description="licence | language | regime | contract | diploma | competence")
    value: str = ""
    label: str
    removes: int = Field(0, description="Relevante kandidaten die deze eis alleen al wegfiltert.")
    removes_share: float = 0.0
    note: str = ""


class CheckOut(BaseModel):
    warnings: list[WarningOut]
    counts: dict[str, int] = Field(default_factory=dict)
    requirements: list[RequirementPoolOut]
    pool_size: int = Field(0, description="Relevante kandidaten in de pool.")
    pool_definition: str = ""


class DraftOut(BaseModel):
    vacancy: dict[str, Any]
    occupation_candidates: list[dict[str, Any]] = Field(default_factory=list)
    extraction: dict[str, Any] = Field(default_factory=dict)
    check: CheckOut | None = None
    notes: list[str] = Field(default_factory=list)


class RecordList(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[dict[str, Any]]
    next_after: str | None = Field(None, description="Id voor de volgende pagina (?after=…); leeg op de laatste.")


class RejectedOut(BaseModel):
    index: int
    id: str | None = None
    reasons: list[str]


class ImportOut(BaseModel):
    kind: str
    received: int
    accepted: int
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RejectedOut]


class CompetenceSuggestOut(BaseModel):
    id: str
    label: str
    kind: str = ""
    matched_label: str = ""


class CompetenceSuggestList(BaseModel):
    query: str
    results: list[CompetenceSuggestOut]


# ====================================================================== stored records (as the matcher keeps them)
#: A stored record is the domain dataclass itself: ids resolved, aliases normalised, place completed;
#: FastAPI documents it from its fields, so the API cannot drift from what the store keeps.
VacancyRecord = Vacancy
PortfolioRecord = Portfolio
