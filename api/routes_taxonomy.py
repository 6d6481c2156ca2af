"""Fast competence autocomplete for the web app (see :mod:`matcher.search.suggest`).

``POST /api/v1/competences/suggest`` with ``{"q": …, "top": …}`` is what the web app uses: what
people type may be personal, and a body never reaches an access log or a proxy's URL log.
``GET …/suggest?q=…`` keeps working for existing clients (its query string is dropped from our
access log, :mod:`api.access_log`)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api import schemas
from api.routes_common import components
from api.wiring import Components
from indexer.jsonable import to_plain

router = APIRouter(prefix="/api/v1", tags=["taxonomie"])


@router.get("/competences/suggest", response_model=schemas.CompetenceSuggestList)
def suggest_competences(q: str = Query(..., min_length=1, max_length=200, description="Begin van een competentie."),
                        top: int = Query(8, ge=1, le=50), svc: Components = Depends(components)) -> dict:
    """Competenties voor automatisch aanvullen (labels eerst, daarna semantisch zoeken)."""
    return {"query": q, "results": to_plain(svc.suggest.suggest(q, top=top))}


class SuggestIn(BaseModel):
    q: str = Field(..., min_length=1, max_length=200, description="Begin van een competentie.")
    top: int = Field(8, ge=1, le=50)


@router.post("/competences/suggest", response_model=schemas.CompetenceSuggestList)
def suggest_competences_post(body: SuggestIn, svc: Components = Depends(components)) -> dict:
    """Zoals GET, maar met de zoektekst in de body (komt in geen enkele URL- of toegangslog)."""
    return suggest_competences(q=body.q, top=body.top, svc=svc)
