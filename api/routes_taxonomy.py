"""Fast competence autocomplete for the web app: ``GET /api/v1/competences/suggest?q=…``
(see :mod:`matcher.search.suggest`)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query

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
