"""Fast competence autocomplete for the web app: ``GET /api/v1/competences/suggest?q=…``.

Label matches first (Dutch preferred and alternative labels: prefix, then word start, then
substring), topped up with the dense search of ``/api/v1/competences/search`` when there are
fewer than three label matches and the query has at least five characters.
"""
from __future__ import annotations

import unicodedata

from fastapi import APIRouter, Depends, Query

from api.wiring import Services

from api import schemas
from api.routes_common import services

router = APIRouter(prefix="/api/v1", tags=["taxonomie"])


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _label_table(svc: Services) -> list[tuple[str, str, str]]:
    table = getattr(svc, "_api_label_table", None)
    if table is None:
        tax = svc.match_taxonomy
        table = [(cid, label, _fold(label)) for cid, label in tax.competence_labels.items()]
        for cid, alts in tax.competence_alt_labels.items():
            table += [(cid, a, _fold(a)) for a in alts]
        svc._api_label_table = table
    return table


@router.get("/competences/suggest", response_model=schemas.CompetenceSuggestList)
def suggest_competences(q: str = Query(..., min_length=1, max_length=200, description="Begin van een competentie."),
                        top: int = Query(8, ge=1, le=50), svc: Services = Depends(services)) -> dict:
    """Competenties voor automatisch aanvullen (labels eerst, daarna semantisch zoeken)."""
    tax = svc.match_taxonomy
    fq = _fold(q.strip())
    ranked: dict[str, tuple[int, str]] = {}
    if fq:
        for cid, label, folded in _label_table(svc):
            if folded.startswith(fq):
                rank = 0
            elif f" {fq}" in f" {folded}":
                rank = 1
            elif fq in folded:
                rank = 2
            else:
                continue
            old = ranked.get(cid)
            if old is None or rank < old[0]:
                ranked[cid] = (rank, label)
    order = sorted(ranked.items(), key=lambda kv: (kv[1][0], kv[0].startswith("http"), len(kv[1][1]), kv[1][1]))[:top]
    kinds = getattr(svc, "_api_kinds", None)
    if kinds is None:
        kinds = {cid: kind for cid, kind in svc.store.con.execute("SELECT id, kind FROM competences")}
        svc._api_kinds = kinds
    results = [{"id": cid, "label": tax.label(cid), "kind": kinds.get(cid, ""), "matched_label": label}
               for cid, (_, label) in order]
    if len(results) < min(top, 3) and len(fq) >= 5:
        seen = {r["id"] for r in results}
        for h in svc.search.competences(q.strip(), top=top):
            if h.id not in seen and len(results) < top:
                seen.add(h.id)
                results.append({"id": h.id, "label": h.label, "kind": h.kind, "matched_label": h.matched_label})
    return {"query": q, "results": results}
