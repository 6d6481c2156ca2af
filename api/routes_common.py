"""Helpers shared by the route modules: services, input conversion (pydantic -> domain), output shaping."""
from __future__ import annotations

from typing import Any

from fastapi import Request

from indexer.jsonable import to_plain
from indexer.domain import EVIDENCE_LABELS_NL, Portfolio, Vacancy
from api.wiring import Components

from api.errors import ApiError


def components(request: Request) -> Components:
    """The app's components (FastAPI dependency)."""
    return request.app.state.components


def _reasons_to_details(reasons: list[str], prefix: list[str]) -> list[dict]:
    """``"competences.0: onbekende competentie 'X'"`` -> ``{"loc": [*prefix, "competences", "0"], "msg": …}``."""
    details = []
    for r in reasons:
        where, sep, msg = r.partition(": ")
        loc = [*prefix, *where.split(".")] if sep and where and " " not in where else list(prefix)
        details.append({"loc": loc, "msg": msg if sep else r, "type": "value_error"})
    return details


def portfolio_from_body(svc: Components, data: dict, prefix: list[str], *, extract: bool = True) -> Portfolio:
    from matcher.ingest import portfolio_from_input

    extractor = svc.extractor if extract and data.get("cv_text") else None
    p, reasons = portfolio_from_input(data, svc.resolver, extractor)
    if p is None:
        raise ApiError(422, "Het portfolio is ongeldig; zie 'details'.", _reasons_to_details(reasons, prefix))
    return p


def vacancy_from_body(svc: Components, data: dict, prefix: list[str]) -> Vacancy:
    from matcher.ingest import vacancy_from_input

    data = dict(data)
    if not data.get("title"):
        data["title"] = "(nog zonder titel)"
    v, reasons = vacancy_from_input(data, svc.resolver)
    if v is None:
        raise ApiError(422, "De vacature is ongeldig; zie 'details'.", _reasons_to_details(reasons, prefix))
    return v


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, f"{what} '{ident}' niet gevonden.")


def evidence_out(items: list[dict]) -> list[dict]:
    return [{**e, "source_label": EVIDENCE_LABELS_NL.get(e.get("source", ""), e.get("source", ""))} for e in items or []]


def match_result_set(res) -> dict[str, Any]:
    """A :class:`matcher.matching.scoring.MatchResultSet` as plain JSON, with a few fields the web app shows directly."""
    plain = to_plain(res)
    for r in plain.get("results", []):
        cov = next((b for b in r.get("breakdown", []) if b.get("factor") == "coverage"), None)
        r["coverage"] = cov.get("value") if cov else None
        r["essential_present"] = sum(1 for m in r.get("matched", []) if m.get("importance") == "essential")
        r["essential_total"] = r["essential_present"] + sum(1 for g in r.get("gaps", []) if g.get("importance") == "essential")
        dist = None
        for b in r.get("breakdown", []):
            for c in (b.get("details") or {}).get("constraints", []) or []:
                if isinstance(c, dict) and c.get("constraint") == "distance" and c.get("distance_km") is not None:
                    dist = c["distance_km"]
        r["distance_km"] = dist
        occs = (r.get("vacancy") or {}).get("occupations") or []
        r["shortage"] = any(o.get("shortage") for o in occs if isinstance(o, dict))
        for m in r.get("matched", []):
            m["portfolio_evidence"] = evidence_out(m.get("portfolio_evidence"))
            m["vacancy_evidence"] = evidence_out(m.get("vacancy_evidence"))
    return plain


def match_options(opts) -> Any:
    from matcher.matching.factors import MatchOptions

    return MatchOptions.from_input(opts.model_dump())
