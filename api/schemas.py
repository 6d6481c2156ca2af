"""Pydantic request and response models: the API's typed boundary."""
from __future__ import annotations

from pydantic import BaseModel, Field


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


class Shortage(BaseModel):
    title: str
    sector_group: str
    on_decree_list: bool
    via: str


class Link(BaseModel):
    id: str
    relation: str
    label: str


class OccupationOut(BaseModel):
    id: str
    source: str
    code: str
    label: str
    score: float
    matched_label: str
    matched_lang: str
    labels: dict[str, str]
    isco_group: str = ""
    is_shortage: bool
    shortage: Shortage | None = None
    links: list[Link] = Field(default_factory=list)


class CompetenceOut(BaseModel):
    id: str
    source: str
    kind: str
    label: str
    score: float
    matched_label: str
    matched_lang: str
    labels: dict[str, str]
    links: list[Link] = Field(default_factory=list)


class OccupationSearchOut(BaseModel):
    query: str
    results: list[OccupationOut]


class CompetenceSearchOut(BaseModel):
    query: str
    results: list[CompetenceOut]
