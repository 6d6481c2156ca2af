"""The Dutch web app: server-rendered pages (Jinja2) plus a little vanilla JavaScript (``static/app.js``).

Three flows, one page each, all talking to the JSON API of the same process:

* ``/werkzoekende`` — cv or description -> competence chips (confirm, remove, add) -> vacancies;
* ``/werkgever`` — occupation -> essential/optional competences + text -> live check -> JSON export;
* ``/loopbaanbegeleider`` — portfolio -> occupations (other sectors, knelpuntberoepen) -> action plan.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

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


def _portfolio_choices(request: Request, limit: int = 60) -> list[dict]:
    svc = request.app.state.components
    out = []
    try:
        for k, p in enumerate(svc.vacancies.iter_portfolios()):
            if k >= limit:
                break
            tax = svc.match_taxonomy
            name = str(p.personal.get("name") or p.id)
            occ = ", ".join(dict.fromkeys(tax.occupation_label(c) for c in p.preferred_occupations[:3])) or "geen voorkeur"
            out.append({"id": p.id, "text": f"{name} — {occ} — {p.location.municipality or 'onbekend'}"})
    except Exception:
        return []
    return out


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
    def counsellor(request: Request) -> HTMLResponse:
        return _render(request, "loopbaanbegeleider.html", title="Beroepen verkennen",
                       portfolios=_portfolio_choices(request))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")
