"""The Dutch web app: server-rendered pages (Jinja2) plus a little vanilla JavaScript (``static/app.js``).

Three flows, one page each, all talking to the JSON API of the same process:

* ``/werkzoekende`` — cv or description -> competence chips (confirm, remove, add) -> vacancies;
* ``/werkgever`` — occupation -> essential/optional competences + text -> live check -> JSON export;
* ``/loopbaanbegeleider`` — portfolio -> occupations (other sectors, knelpuntberoepen) -> action plan.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.auth import SESSION_COOKIE, SESSION_TTL_S, Principal, lookup
from indexer.domain import CEFR_LEVELS, CONTRACT_LABELS_NL, REGIME_LABELS_NL

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
PAGES = [("/werkzoekende", "Werkzoekende", "Plak je cv of beschrijf je ervaring en vind vacatures die passen."),
         ("/werkgever", "Werkgever", "Stel een vacature op vanuit competenties en laat ze nakijken."),
         ("/loopbaanbegeleider", "Loopbaanbegeleider", "Zoek beroepen waar iemand naartoe kan, knelpuntberoepen eerst.")]


def _counts(request: Request) -> dict:
    svc = request.app.state.components
    try:
        return {"vacancies": svc.vacancies.count_vacancies(), "portfolios": svc.vacancies.count_portfolios()}
    except Exception:  # the app store may not exist yet: the pages still render
        return {"vacancies": 0, "portfolios": 0}


def _render(request: Request, name: str, **ctx) -> HTMLResponse:
    base = {"pages": PAGES, "path": request.url.path, "attribution": ESCO_ATTRIBUTION, "counts": _counts(request)}
    return templates.TemplateResponse(request, name, {**base, **ctx})


def _session_user(request: Request) -> Principal | None:
    return lookup(request.app.state.components, request.cookies.get(SESSION_COOKIE))


def _portfolios_for(request: Request, user: Principal, limit: int):
    """Admin: the first ``limit``; a counsellor: only the portfolios with the owner's consent."""
    repo = request.app.state.components.vacancies
    if user.is_admin:
        for k, p in enumerate(repo.iter_portfolios()):
            if k >= limit:
                return
            yield p
        return
    yield from repo.get_portfolios(repo.consented_to(user.name)[:limit])


def _portfolio_choices(request: Request, user: Principal, limit: int = 60) -> list[dict]:
    svc = request.app.state.components
    out = []
    try:
        for p in _portfolios_for(request, user, limit):
            tax = svc.match_taxonomy
            name = str(p.personal.get("name") or p.id)
            occ = ", ".join(dict.fromkeys(tax.occupation_label(c) for c in p.preferred_occupations[:3])) or "geen voorkeur"
            out.append({"id": p.id, "text": f"{name} — {occ} — {p.location.municipality or 'onbekend'}"})
    except Exception:
        return []
    return out


def _local(path: str) -> str:
    """Only a path on this site (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return _render(request, "index.html", title="Competentiematch")

    @app.get("/werkzoekende", response_class=HTMLResponse, include_in_schema=False)
    def jobseeker(request: Request) -> HTMLResponse:
        return _render(request, "werkzoekende.html", title="Vacatures die bij je passen")

    @app.get("/werkgever", response_class=HTMLResponse, include_in_schema=False)
    def employer(request: Request) -> HTMLResponse:
        return _render(request, "werkgever.html", title="Een vacature opstellen", cefr=CEFR_LEVELS,
                       regimes=REGIME_LABELS_NL, contracts=CONTRACT_LABELS_NL)

    @app.get("/loopbaanbegeleider", response_class=HTMLResponse, include_in_schema=False)
    def counsellor(request: Request):
        user = _session_user(request)
        if user is None or user.role not in ("counsellor", "admin"):
            return RedirectResponse("/inloggen?volgende=/loopbaanbegeleider", status_code=303)
        resp = _render(request, "loopbaanbegeleider.html", title="Beroepen verkennen",
                       portfolios=_portfolio_choices(request, user))
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get("/inloggen", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, volgende: str = "/") -> HTMLResponse:
        return _render(request, "inloggen.html", title="Inloggen", volgende=_local(volgende), fout="")

    @app.post("/inloggen", include_in_schema=False)
    def login(request: Request, gebruiker: str = Form("", max_length=128), wachtwoord: str = Form("", max_length=200),
              volgende: str = Form("/", max_length=200)):
        from indexer.security.passwords import new_token, verify_password

        repo = request.app.state.components.vacancies
        acc = repo.get_account(gebruiker) if gebruiker else None
        if acc is None or not verify_password(acc.password_hash, wachtwoord):
            resp = _render(request, "inloggen.html", title="Inloggen", volgende=_local(volgende),
                           fout="Onbekende gebruikersnaam of verkeerd wachtwoord.")
            resp.status_code = 401
            return resp
        token = new_token()
        repo.add_token(acc.name, token, kind="session", ttl_s=SESSION_TTL_S)
        resp = RedirectResponse(_local(volgende), status_code=303)
        resp.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_S, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https" or request.url.hostname not in ("127.0.0.1", "localhost"),
                        path="/")
        return resp

    @app.post("/uitloggen", include_in_schema=False)
    def logout(request: Request):
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            request.app.state.components.vacancies.revoke_token(token)
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")
