"""The caller's own data (GDPR): ``GET /api/v1/me/export`` and ``DELETE /api/v1/me``.

The export holds everything stored about the account, machine-readable: the account (without
hashes), its portfolios, the consents on them, the audit entries. Erasure removes all of it
(:meth:`indexer.storage.accounts.AccountsSQL.erase_person`), the match caches and the index
entries; the audit log keeps one row naming a salted pseudonym.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Principal, current_user
from api.privacy import erase_person
from api.routes_common import components
from api.wiring import Components
from indexer.jsonable import to_plain

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.get("/me/export")
def export_me(response: Response, svc: Components = Depends(components),
              user: Principal = Depends(current_user)) -> dict:
    """Alles wat over jou bewaard is (account, portfolio's, toestemmingen, auditregels, jobs), als JSON."""
    repo = svc.vacancies
    acc = repo.get_account(user.name)
    pids = repo.owned_by("portfolio", user.name)
    response.headers["Cache-Control"] = "no-store"
    return {"account": {"name": acc.name, "role": acc.role, "organisation": acc.organisation,
                        "created_at": acc.created_at, "has_password": bool(acc.password_hash)},
            "portfolios": [to_plain(p) for p in repo.get_portfolios(pids)],
            "consents": {pid: repo.consents_of(pid) for pid in pids},
            "consents_received": repo.consented_to(user.name) if user.role == "counsellor" else [],
            "audit": [e for pid in pids for e in repo.audit_log("portfolio", pid, limit=1000)],
            "jobs": repo.jobs_of(user.name)}


@router.delete("/me", status_code=204, response_class=Response)
def erase_me(svc: Components = Depends(components), user: Principal = Depends(current_user)) -> Response:
    """Je account en alles wat erover bewaard is wissen (rijen, caches, indexen, auditregels)."""
    erase_person(svc, user.name)
    return Response(status_code=204)
