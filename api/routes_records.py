"""Vacancies and portfolios: create, read, update, delete, and import (the JSONL schema, as a JSON array).

Records are validated exactly as ``cmatch vacancies import`` / ``cmatch portfolios import`` do
(:mod:`matcher.ingest`): competence ids and occupation codes must exist, Dutch aliases are
accepted, and an import reports every rejected record with its index and reasons.
"""
from __future__ import annotations

import bisect
import itertools
import logging
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from indexer.jsonable import to_plain
from api.wiring import Components

from api import schemas
from api.errors import ApiError
from indexer.domain import ID_PATTERN, MAX_ID_CHARS, MAX_TEXT_CHARS
from api.routes_common import not_found, portfolio_from_body, components, vacancy_from_body
from api.jobs import is_large, registry, router as jobs_router
from api.auth import Principal, current_user, may_write_vacancy, portfolio_access, readable_portfolio, roles

router = APIRouter(prefix="/api/v1", tags=["vacatures en portfolio's"])
log = logging.getLogger(__name__)



def RecordId():  # noqa: N802 — a fresh FieldInfo per route (FastAPI binds it to the parameter name)
    return Path(..., min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
                description="Id van het record: A-Z, a-z, 0-9, '.', '_', ':' of '-'.")


def _stored(result, what: str) -> None:
    """A record the store itself refused (NUL, NaN, ...): a 422, nothing written."""
    if result.rejected:
        rid, why = result.rejected[0]
        raise ApiError(422, f"{what} kan niet bewaard worden; zie 'details'.",
                       [{"loc": ["body"], "msg": why, "type": "value_error"}])


def _vacancy_item(v) -> dict:
    loc = v.location
    return {"id": v.id, "title": v.title, "employer": v.employer, "occupation_codes": v.occupation_codes,
            "municipality": loc.municipality, "province": loc.province, "n_competences": len(v.competences),
            "synthetic": v.synthetic}


def _portfolio_item(svc: Components, p) -> dict:
    tax = svc.match_taxonomy
    name = p.personal.get("name") or " ".join(str(p.personal.get(k, "")) for k in ("first_name", "last_name")).strip()
    return {"id": p.id, "name": name, "municipality": p.location.municipality, "province": p.location.province,
            "preferred_occupations": [{"code": c, "label": tax.occupation_label(c)} for c in p.preferred_occupations],
            "n_competences": len(p.competences), "synthetic": p.synthetic}


def _page(it, offset: int, limit: int) -> list:
    return list(itertools.islice(it, offset, offset + limit))


def _refuse_taken(existing, message: str) -> None:
    """POST never replaces: an id that exists already is a 409 (PUT replaces)."""
    if existing is not None:
        raise ApiError(409, message)


def _write(svc: Components, user: Principal, data: dict, from_body, save) -> dict:
    """POST and PUT alike: validate the body as an import line is validated, store it (with its
    owner) and answer the stored form."""
    record = from_body(svc, data, ["body"])
    save(svc, user, record)
    return to_plain(record)


# ---------------------------------------------------------------------- vacancies
def After():  # noqa: N802 — a fresh FieldInfo per route
    return Query(None, min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN,
                 description="Keyset-paginering: de records na deze id (gebruik 'next_after' van de vorige pagina).")


def _next_after(items: list[dict], limit: int) -> str | None:
    return items[-1]["id"] if len(items) == limit else None


@router.get("/vacancies", response_model=schemas.RecordList)
def list_vacancies(offset: int = Query(0, ge=0, le=1_000_000), limit: int = Query(20, ge=1, le=200),
                   after: str | None = After(), svc: Components = Depends(components)) -> dict:
    """Opgeslagen vacatures (samenvatting), gesorteerd op id; volgende pagina met ``after=next_after``."""
    repo = svc.vacancies
    if after is not None:
        offset = 0
        items = [_vacancy_item(v) for v in repo.get_vacancies(repo.page_ids("vacancies", after, limit))]
    else:
        items = [_vacancy_item(v) for v in _page(repo.iter_vacancies(), offset, limit)]
    return {"total": repo.count_vacancies(), "offset": offset, "limit": limit, "items": items,
            "next_after": _next_after(items, limit)}


def _index_changes(svc: Components) -> None:
    """Apply the store's change log to the durable vacancy index (incremental, no rebuild).

    The write is committed already: a failure here is logged and left to the next catch-up
    (which sets an unindexable row aside), never answered as an error of this write.
    """
    try:
        svc.vacancy_index.catch_up()
    except Exception as exc:  # noqa: BLE001 — committed writes must not fail after the fact
        log.warning("vacature-index niet bijgewerkt: %s", type(exc).__name__)

def _own_vacancy(svc: Components, user: Principal, vacancy_id: str) -> None:
    if not may_write_vacancy(svc, user, vacancy_id):
        raise ApiError(403, f"Vacature '{vacancy_id}' is niet van jouw organisatie.", code="forbidden")


def _save_vacancy(svc: Components, user: Principal, v) -> None:
    _stored(svc.vacancies.upsert_vacancies([v]), "De vacature")
    if not user.is_admin:
        svc.vacancies.set_owner("vacancy", v.id, user.vacancy_owner)
    _index_changes(svc)


@router.post("/vacancies", status_code=201, response_model=schemas.VacancyRecord)
def create_vacancy(body: schemas.VacancyBody, svc: Components = Depends(components),
                   user: Principal = Depends(roles("employer"))) -> dict:
    """Een vacature toevoegen (409 als de id al bestaat; gebruik PUT om te wijzigen). Werkgevers, admin."""
    _refuse_taken(svc.vacancies.get_vacancy(body.id), f"Vacature '{body.id}' bestaat al; gebruik PUT om ze te wijzigen.")
    return _write(svc, user, body.model_dump(), vacancy_from_body, _save_vacancy)


@router.get("/vacancies/{vacancy_id}", response_model=schemas.VacancyRecord)
def get_vacancy(vacancy_id: str = RecordId(), svc: Components = Depends(components)) -> dict:
    v = svc.vacancies.get_vacancy(vacancy_id)
    if v is None:
        raise not_found("Vacature", vacancy_id)
    return to_plain(v)


@router.put("/vacancies/{vacancy_id}", response_model=schemas.VacancyRecord)
def put_vacancy(body: schemas.VacancyBody, vacancy_id: str = RecordId(), svc: Components = Depends(components),
                user: Principal = Depends(roles("employer"))) -> dict:
    """Een vacature vervangen of aanmaken; de id in het pad telt. Enkel de eigen organisatie, of admin."""
    _own_vacancy(svc, user, vacancy_id)
    return _write(svc, user, {**body.model_dump(), "id": vacancy_id}, vacancy_from_body, _save_vacancy)


@router.delete("/vacancies/{vacancy_id}", status_code=204, response_class=Response)
def delete_vacancy(vacancy_id: str = RecordId(), svc: Components = Depends(components),
                   user: Principal = Depends(roles("employer"))) -> Response:
    if svc.vacancies.get_vacancy(vacancy_id) is None:
        raise not_found("Vacature", vacancy_id)
    _own_vacancy(svc, user, vacancy_id)
    svc.vacancies.delete_vacancies([vacancy_id])
    _index_changes(svc)
    return Response(status_code=204)


# ---------------------------------------------------------------------- portfolios
def _visible_portfolio_ids(svc: Components, user: Principal) -> list[str] | None:
    """``None``: all (admin); else the ids this account owns or has consent for."""
    if user.is_admin:
        return None
    if user.role == "counsellor":
        return svc.vacancies.consented_to(user.name)
    if user.role == "jobseeker":
        return svc.vacancies.owned_by("portfolio", user.name)
    return []


@router.get("/portfolios", response_model=schemas.RecordList)
def list_portfolios(offset: int = Query(0, ge=0, le=1_000_000), limit: int = Query(20, ge=1, le=200),
                    after: str | None = After(), svc: Components = Depends(components),
                    user: Principal = Depends(current_user)) -> dict:
    """De portfolio's die je mag zien (eigen, met toestemming, of alle voor admin), gesorteerd op id;
    volgende pagina met ``after=next_after``."""
    repo = svc.vacancies
    ids = _visible_portfolio_ids(svc, user)
    if after is not None:
        offset = 0
    if ids is None:
        page = repo.page_ids("portfolios", after, limit) if after is not None else None
        items = [_portfolio_item(svc, p) for p in
                 (repo.get_portfolios(page) if page is not None else _page(repo.iter_portfolios(), offset, limit))]
        total = repo.count_portfolios()
    else:
        start = bisect.bisect_right(ids, after) if after is not None else offset
        items = [_portfolio_item(svc, p) for p in repo.get_portfolios(ids[start:start + limit])]
        total = len(ids)
    return {"total": total, "offset": offset, "limit": limit, "items": items, "next_after": _next_after(items, limit)}


def _save_portfolio(svc: Components, user: Principal, p) -> None:
    _stored(svc.vacancies.upsert_portfolios([p]), "Het portfolio")
    if not user.is_admin:
        svc.vacancies.set_owner("portfolio", p.id, user.name)


@router.post("/portfolios", status_code=201, response_model=schemas.PortfolioRecord)
def create_portfolio(body: schemas.PortfolioBody, svc: Components = Depends(components),
                     user: Principal = Depends(roles("jobseeker"))) -> dict:
    """Een portfolio aanmaken (409 als de id al bestaat; gebruik PUT om te wijzigen). Het is van wie het
    aanmaakt (werkzoekende), of van niemand als admin het aanmaakt. Werkzoekenden, admin."""
    _refuse_taken(svc.vacancies.get_portfolio(body.id), f"Portfolio '{body.id}' bestaat al; gebruik PUT om het te wijzigen.")
    return _write(svc, user, body.model_dump(), portfolio_from_body, _save_portfolio)


@router.get("/portfolios/{portfolio_id}", response_model=schemas.PortfolioRecord)
def get_portfolio(portfolio_id: str = RecordId(), svc: Components = Depends(components),
                  user: Principal = Depends(current_user)) -> dict:
    """Eén portfolio: voor de eigenaar, een loopbaanbegeleider met toestemming, of admin."""
    return to_plain(readable_portfolio(svc, user, portfolio_id))


def _writable_portfolio(svc: Components, user: Principal, portfolio_id: str, *, may_create: bool) -> None:
    exists = svc.vacancies.get_portfolio(portfolio_id) is not None
    if portfolio_access(svc, user, portfolio_id) == "write":
        return
    if not exists:
        if may_create and user.role == "jobseeker" and svc.vacancies.owner_of("portfolio", portfolio_id) is None:
            return
        raise not_found("Portfolio", portfolio_id)
    raise ApiError(403, f"Portfolio '{portfolio_id}' is niet van jou.", code="forbidden")


@router.put("/portfolios/{portfolio_id}", response_model=schemas.PortfolioRecord)
def put_portfolio(body: schemas.PortfolioBody, portfolio_id: str = RecordId(), svc: Components = Depends(components),
                  user: Principal = Depends(roles("jobseeker"))) -> dict:
    _writable_portfolio(svc, user, portfolio_id, may_create=True)
    return _write(svc, user, {**body.model_dump(), "id": portfolio_id}, portfolio_from_body, _save_portfolio)


@router.delete("/portfolios/{portfolio_id}", status_code=204, response_class=Response)
def delete_portfolio(portfolio_id: str = RecordId(), svc: Components = Depends(components),
                     user: Principal = Depends(roles("jobseeker"))) -> Response:
    _writable_portfolio(svc, user, portfolio_id, may_create=False)
    svc.vacancies.delete_portfolios([portfolio_id])
    return Response(status_code=204)


@router.get("/portfolios/{portfolio_id}/consents", response_model=schemas.ConsentList)
def list_consents(portfolio_id: str = RecordId(), svc: Components = Depends(components),
                  user: Principal = Depends(roles("jobseeker"))) -> dict:
    """Welke loopbaanbegeleiders dit portfolio mogen lezen (eigenaar, admin)."""
    _writable_portfolio(svc, user, portfolio_id, may_create=False)
    return {"portfolio_id": portfolio_id, "consents": svc.vacancies.consents_of(portfolio_id)}


@router.post("/portfolios/{portfolio_id}/consents", status_code=201, response_model=schemas.ConsentList)
def grant_consent(body: schemas.ConsentIn, portfolio_id: str = RecordId(), svc: Components = Depends(components),
                  user: Principal = Depends(roles("jobseeker"))) -> dict:
    """Een loopbaanbegeleider toestemming geven om dit portfolio te lezen (intrekbaar)."""
    _writable_portfolio(svc, user, portfolio_id, may_create=False)
    acc = svc.vacancies.get_account(body.counsellor)
    if acc is None or acc.role != "counsellor":
        raise ApiError(422, f"'{body.counsellor}' is geen loopbaanbegeleider.")
    svc.vacancies.grant_consent(portfolio_id, body.counsellor)
    return {"portfolio_id": portfolio_id, "consents": svc.vacancies.consents_of(portfolio_id)}


@router.delete("/portfolios/{portfolio_id}/consents/{counsellor}", status_code=204, response_class=Response)
def revoke_consent(portfolio_id: str = RecordId(), counsellor: str = Path(..., min_length=1, max_length=MAX_ID_CHARS,
                                                                           pattern=ID_PATTERN),
                   svc: Components = Depends(components), user: Principal = Depends(roles("jobseeker"))) -> Response:
    """Een toestemming intrekken: de loopbaanbegeleider ziet het portfolio meteen niet meer."""
    _writable_portfolio(svc, user, portfolio_id, may_create=False)
    svc.vacancies.revoke_consent(portfolio_id, counsellor)
    return Response(status_code=204)


# ---------------------------------------------------------------------- import
def _import(svc: Components, kind: Literal["vacancies", "portfolios"], records: list[dict]) -> dict:
    from matcher.ingest import portfolio_from_input, vacancy_from_input

    res = svc.resolver
    good, good_index, rejected = [], [], []
    for i, data in enumerate(records):
        too_long = [k for k in ("text", "cv_text") if isinstance(data.get(k), str) and len(data[k]) > MAX_TEXT_CHARS]
        if too_long:
            obj, reasons = None, [f"{k}: hoogstens {MAX_TEXT_CHARS} tekens" for k in too_long]
        elif kind == "vacancies":
            obj, reasons = vacancy_from_input(data, res)
        else:
            extractor = svc.extractor if data.get("cv_text") else None
            obj, reasons = portfolio_from_input(data, res, extractor)
        if obj is None:
            rid = data.get("id") if isinstance(data.get("id"), str) else None
            rejected.append({"index": i, "id": rid, "reasons": reasons})
        else:
            good.append(obj)
            good_index.append(i)
    up = (svc.vacancies.upsert_vacancies if kind == "vacancies" else svc.vacancies.upsert_portfolios)(good)
    index_of = {o.id: i for i, o in zip(good_index, good)}
    rejected += [{"index": index_of.get(rid, -1), "id": rid, "reasons": [why]} for rid, why in up.rejected]
    if kind == "vacancies":
        _index_changes(svc)
    return {"kind": kind, "received": len(records), "accepted": len(good) - len(up.rejected), "inserted": up.inserted,
            "updated": up.updated, "unchanged": up.unchanged, "rejected": rejected}


_JOB_RESPONSE = {202: {"description": "Groot: loopt als achtergrondjob; volg `status_url` (GET /api/v1/jobs/{id})."}}


def _as_job(svc: Components, user: Principal, kind: str, work) -> JSONResponse:
    job = registry(svc).submit(f"import:{kind}", user.name, work)
    return JSONResponse({"job_id": job["id"], "status": job["status"], "status_url": f"/api/v1/jobs/{job['id']}"},
                        status_code=202, headers={"Location": f"/api/v1/jobs/{job['id']}"})


@router.post("/vacancies/import", response_model=schemas.ImportOut, responses=_JOB_RESPONSE)
def import_vacancies(body: schemas.ImportIn, svc: Components = Depends(components),
                     user: Principal = Depends(roles("employer"))):
    """Vacatures in bulk (elk record zoals een JSONL-regel); upsert per id, geweigerde records met reden.
    Meer dan 200 records: 202 met een job-id (achtergrondjob)."""
    if is_large("vacancies", body.records):
        return _as_job(svc, user, "vacancies", lambda: _import_vacancies(svc, user, body.records))
    return _import_vacancies(svc, user, body.records)


def _import_vacancies(svc: Components, user: Principal, records: list[dict]) -> dict:
    if user.is_admin:
        return _import(svc, "vacancies", records)
    own, foreign = [], []
    for i, r in enumerate(records):
        rid = r.get("id") if isinstance(r, dict) else None
        if isinstance(rid, str) and not may_write_vacancy(svc, user, rid):
            foreign.append({"index": i, "id": rid, "reasons": ["niet van jouw organisatie"]})
            own.append({})  # keeps the indexes; rejected as empty below
        else:
            own.append(r)
    out = _import(svc, "vacancies", own)
    foreign_at = {f["index"] for f in foreign}
    out["rejected"] = foreign + [x for x in out["rejected"] if x["index"] not in foreign_at]
    out["rejected"].sort(key=lambda x: x["index"])
    for r in own:
        if r and svc.vacancies.get_vacancy(str(r.get("id"))) is not None and not any(
                x.get("id") == r.get("id") for x in out["rejected"]):
            svc.vacancies.set_owner("vacancy", r["id"], user.vacancy_owner)
    return out


@router.post("/portfolios/import", response_model=schemas.ImportOut, responses=_JOB_RESPONSE)
def import_portfolios(body: schemas.ImportIn, svc: Components = Depends(components),
                      user: Principal = Depends(roles("admin"))):
    """Portfolio's in bulk (elk record zoals een JSONL-regel); upsert per id, geweigerde records met reden.
    Meer dan 200 records of meer dan 3 cv-teksten (extractie): 202 met een job-id."""
    if is_large("portfolios", body.records):
        return _as_job(svc, user, "portfolios", lambda: _import(svc, "portfolios", body.records))
    return _import(svc, "portfolios", body.records)


router.include_router(jobs_router)   # GET /api/v1/jobs/{job_id}: the status of a large import
