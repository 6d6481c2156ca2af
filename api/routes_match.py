"""Matching in both directions and orientation.

* ``POST /api/v1/match/vacancies`` — a portfolio (or the id of a stored one) -> ranked vacancies,
  each with its score breakdown, matched competences (with evidence of both sides), gaps,
  knelpuntberoep flag and distance.
* ``POST /api/v1/match/candidates`` — a vacancy (or a stored id) -> ranked, pseudonymised candidates.
* ``POST /api/v1/orientation`` — a portfolio -> occupations it fits (or, ``broader``, occupations
  in other sectors within ``max_missing`` missing essentials), with gaps and vacancy counts.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends

from indexer.jsonable import to_plain
from api.wiring import Components

from api import schemas
from api.auth import Principal, optional_user, readable_portfolio, roles
from api.routes_common import (match_options, match_result_set, not_found, portfolio_from_body, components,
                            vacancy_from_body)

router = APIRouter(prefix="/api/v1", tags=["matchen"])


def _portfolio(svc: Components, body, user: Principal | None) -> object:
    """An inline portfolio (anyone), or a stored one (owner, counsellor with consent, admin)."""
    if body.portfolio_id is not None:
        return readable_portfolio(svc, user, body.portfolio_id)
    return portfolio_from_body(svc, body.portfolio.model_dump(), ["body", "portfolio"])


@router.post("/match/vacancies", response_model=schemas.MatchResultSetOut)
def match_vacancies(body: schemas.MatchVacanciesIn, svc: Components = Depends(components),
                    user: Principal | None = Depends(optional_user)) -> dict:
    """Vacatures voor een werkzoekende: score-opbouw, gevonden en ontbrekende competenties, knelpuntberoep, afstand."""
    p = _portfolio(svc, body, user)
    res = svc.matcher.match_vacancies(p, top=body.top, options=match_options(body.options), gap_limit=50)
    return match_result_set(res)


def employer_view(out: dict) -> dict:
    """What an employer may see of a candidate: the pseudonym, the summary without personal
    fields, scores, and per matched competence only the *kind* of evidence (cv, certificate, ...)
    — never a CV line, a date, an employer or who confirmed it."""
    for r in out.get("results", []):
        (r.get("candidate") or {}).pop("personal", None)
        for m in r.get("matched", []):
            m["portfolio_evidence"] = [{"source": e.get("source", ""), "source_label": e.get("source_label", "")}
                                       for e in m.get("portfolio_evidence") or []]
    return out


@router.post("/match/candidates", response_model=schemas.MatchResultSetOut)
def match_candidates(body: schemas.MatchCandidatesIn, svc: Components = Depends(components),
                     user: Principal = Depends(roles("employer"))) -> dict:
    """Kandidaten voor een vacature (gepseudonimiseerd, zonder cv-regels of namen), met dezelfde scoring.
    Werkgevers en admin."""
    if body.vacancy_id is not None:
        v = svc.vacancies.get_vacancy(body.vacancy_id)
        if v is None:
            raise not_found("Vacature", body.vacancy_id)
    else:
        v = vacancy_from_body(svc, body.vacancy.model_dump(), ["body", "vacancy"])
    res = svc.matcher.match_candidates(v, top=body.top, options=match_options(body.options), anonymise=True,
                                       gap_limit=50)
    return employer_view(match_result_set(res))


@router.post("/orientation", response_model=schemas.OrientationOut, tags=["oriëntatie"])
def orientation(body: schemas.OrientationIn, svc: Components = Depends(components),
                user: Principal | None = Depends(optional_user)) -> dict:
    """Beroepen die bij een portfolio passen (ook in andere sectoren), knelpuntberoepen gemarkeerd, met hiaten."""
    p = _portfolio(svc, body, user)
    res = svc.orientation.orient(p, top=body.top, broader=body.broader, max_missing=body.max_missing)
    return to_plain(res)
