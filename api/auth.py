"""Who is asking, and may they: accounts and roles, deny by default (issue 13).

Credentials: ``Authorization: Bearer TOKEN`` (API tokens from ``cmatch users add``, or, when
``CMATCH_OIDC_ISSUER`` is set, an OpenID Connect access token of that issuer), or the
``cmatch_sessie`` cookie of the web login (a session token, HttpOnly, SameSite=Strict, Secure
outside loopback). Tokens are looked up by their SHA-256 in the application store.

Roles: a **jobseeker** owns portfolios; an **employer** owns the vacancies of an organisation;
a **counsellor** reads a portfolio only with its owner's recorded consent; an **admin** may do
everything. Public, non-personal endpoints (taxonomy search, extraction of a pasted text,
drafting and checking a vacancy, reading vacancies, matching an inline portfolio) take no
account. A denied read of a portfolio answers 404 (its existence is not revealed).

Every authenticated request sets the audit actor (:mod:`indexer.storage.actor`), so the audit
log names the account.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request

from api.errors import ApiError
from api.routes_common import components
from api.wiring import Components
from indexer.security.oidc import InvalidToken, looks_like_jwt
from indexer.storage.actor import set_actor

SESSION_COOKIE = "cmatch_sessie"
SESSION_TTL_S = 12 * 3600


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    organisation: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def vacancy_owner(self) -> str:
        """The owner key of the vacancies this account may change (its organisation)."""
        return f"org:{self.organisation or self.name}"


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def lookup(svc: Components, token: str | None) -> Principal | None:
    """The account of a local token, or of a valid OpenID Connect token (see :mod:`indexer.security.oidc`)."""
    if not token:
        return None
    if svc.oidc is not None and looks_like_jwt(token):
        return _oidc_principal(svc, token)
    if len(token) > 200:
        return None
    acc = svc.vacancies.account_for_token(token)
    return Principal(acc.name, acc.role, acc.organisation) if acc else None


def _oidc_principal(svc: Components, token: str) -> Principal:
    """The token's identity; its account row is made on first sight (consents and exports name it)."""
    try:
        who = svc.oidc.verify(token)
    except InvalidToken as exc:
        raise ApiError(401, f"Aanmelden mislukt: {exc}.", code="unauthorized") from exc
    repo = svc.vacancies
    acc = repo.get_account(who.name)
    if acc is None:
        try:
            acc = repo.add_account(who.name, who.role, organisation=who.organisation)
        except Exception:  # noqa: BLE001 — a parallel first request made it: read that one
            acc = repo.get_account(who.name)
            if acc is None:
                raise
    if acc.role != who.role:
        raise ApiError(403, f"Het account '{who.name}' heeft hier de rol {acc.role}, niet {who.role}.", code="forbidden")
    return Principal(who.name, who.role, who.organisation)


async def optional_user(request: Request, svc: Components = Depends(components)) -> Principal | None:
    """The caller, or ``None`` (async, so the actor it sets reaches the route's thread)."""
    user = lookup(svc, _token(request))
    request.state.user = user
    if user is not None:
        set_actor(user.name)
    return user


async def current_user(user: Principal | None = Depends(optional_user)) -> Principal:
    if user is None:
        raise ApiError(401, "Meld je aan: deze gegevens zijn persoonlijk (Authorization: Bearer TOKEN of inloggen).",
                       code="unauthorized")
    return user


def roles(*allowed: str):
    """A dependency: the caller, who must have one of ``allowed`` (admin always may)."""
    async def check(user: Principal = Depends(current_user)) -> Principal:
        if user.role not in allowed and not user.is_admin:
            raise ApiError(403, "Je rol geeft geen toegang tot deze gegevens.", code="forbidden")
        return user
    return check


# ---------------------------------------------------------------------- records
def portfolio_access(svc: Components, user: Principal | None, portfolio_id: str) -> str:
    """``"write"`` (owner, admin), ``"read"`` (counsellor with consent) or ``""``."""
    if user is None:
        return ""
    if user.is_admin:
        return "write"
    repo = svc.vacancies
    if user.role == "jobseeker" and repo.owner_of("portfolio", portfolio_id) == user.name:
        return "write"
    if user.role == "counsellor" and repo.has_consent(portfolio_id, user.name):
        return "read"
    return ""


def readable_portfolio(svc: Components, user: Principal | None, portfolio_id: str):
    """The stored portfolio when ``user`` may read it; 401 without an account, else 404."""
    if user is None:
        raise ApiError(401, "Meld je aan om een opgeslagen portfolio te gebruiken.", code="unauthorized")
    p = svc.vacancies.get_portfolio(portfolio_id) if portfolio_access(svc, user, portfolio_id) else None
    if p is None:
        raise ApiError(404, f"Portfolio '{portfolio_id}' niet gevonden.")
    return p


def may_write_vacancy(svc: Components, user: Principal, vacancy_id: str) -> bool:
    if user.is_admin:
        return True
    owner = svc.vacancies.owner_of("vacancy", vacancy_id)
    return user.role == "employer" and owner in (None, user.vacancy_owner) and (
        owner is not None or svc.vacancies.get_vacancy(vacancy_id) is None)
