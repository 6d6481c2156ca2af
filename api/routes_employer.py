"""Employers: start from an occupation, draft from text, check wording and requirements.

* ``GET /api/v1/drafting/suggest?occupation=OP-…`` — essential and optional competences of the
  occupation profile;
* ``POST /api/v1/drafting/check`` — wording warnings (the 19 protected criteria, and diploma advice) with
  reasons and neutral alternatives, and per requirement how many relevant candidates it removes;
* ``POST /api/v1/drafting/draft`` — free text -> a structured draft (extraction) plus the check.

The work is done by :mod:`matcher.drafting`; this module only validates and shapes.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from indexer.jsonable import to_plain
from api.wiring import Components

from api import schemas
from api.errors import ApiError
from api.routes_common import components, vacancy_from_body
from matcher.drafting.wording import CRITERIA, GROUP_LABELS_NL

router = APIRouter(prefix="/api/v1/drafting", tags=["werkgevers"])

#: Dutch label per UI group and per protected criterion (from the rules data)
CATEGORY_LABELS_NL = {**GROUP_LABELS_NL, **{c: crit.label for c, crit in CRITERIA.items()}}


def check_out(res) -> dict:
    plain = to_plain(res)
    warnings = []
    for w in plain.get("warnings", []):
        span = w.get("span") or {}
        warnings.append({"category": w.get("category", ""), "category_label": CATEGORY_LABELS_NL.get(w.get("criterion") or w.get("category"), w.get("category", "")),
                         "severity": w.get("severity", "warning"), "field": span.get("field", "text"),
                         "start": span.get("start"), "end": span.get("end"), "text": span.get("text", ""),
                         "reason": w.get("reason", ""), "alternative": w.get("alternative", "")})
    return {"warnings": warnings, "counts": plain.get("counts", {}), "requirements": plain.get("requirements", []),
            "pool_size": plain.get("pool_size", 0), "pool_definition": plain.get("pool_definition", "")}


@router.get("/suggest", response_model=schemas.SuggestOut)
def suggest(occupation: str = Query(..., min_length=1, max_length=300, description="Competent-code (OP-…) of ESCO-beroep-URI."),
            essential: int = Query(10, ge=1, le=100), optional: int = Query(10, ge=0, le=100),
            svc: Components = Depends(components)) -> dict:
    """Voorgestelde essentiële en optionele competenties uit het beroepsprofiel."""
    res = svc.drafting.suggest(occupation, n_essential=essential, n_optional=optional)
    if res is None:
        raise ApiError(404, f"Geen beroepsprofiel voor '{occupation}'.")
    return to_plain(res)


@router.post("/check", response_model=schemas.CheckOut)
def check(body: schemas.CheckIn, svc: Components = Depends(components)) -> dict:
    """Uitsluitende formuleringen (met reden en alternatief) en hoeveel kandidaten elke eis wegfiltert."""
    v = vacancy_from_body(svc, body.vacancy.model_dump(), ["body", "vacancy"])
    if not body.vacancy.title:
        v.title = ""
    return check_out(svc.drafting.check(v))


@router.post("/draft", response_model=schemas.DraftOut)
def draft(body: schemas.DraftIn, svc: Components = Depends(components)) -> dict:
    """Vrije vacaturetekst -> gestructureerd ontwerp (competenties, eisen), plus de controle."""
    try:
        res = svc.drafting.draft(body.text, title=body.title)
    except RuntimeError as exc:
        raise ApiError(503, str(exc)) from exc
    out = to_plain(res)
    out["check"] = check_out(res.check) if res.check is not None else None
    return out
