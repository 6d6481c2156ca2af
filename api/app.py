"""The FastAPI application: JSON endpoints under ``/api/v1``, ``/health``, and the Dutch web app.

Routers: taxonomy search (here), text (``routes_text``), matching and orientation
(``routes_match``), employers (``routes_employer``), records (``routes_records``), autocomplete
(``routes_taxonomy``), web pages (``web``). Request bodies are limited by
:class:`api.errors.BodySizeLimit`; every error has one shape (:mod:`api.errors`).
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Query
from fastapi.responses import JSONResponse

from api import routes_employer, routes_match, routes_me, routes_records, routes_taxonomy, routes_text, schemas, web
from api.errors import BodySizeLimit, install_error_handlers
from api.readiness import STAGE_FULL, STAGE_LEXICAL, Readiness
from api.routes_common import components
from api.security import install_security
from api.wiring import Components

ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
log = logging.getLogger(__name__)


OPENAPI_TAGS = [
    {"name": "systeem", "description": "Status van de dienst."},
    {"name": "taxonomie", "description": "Beroepen en competenties zoeken (COMPETENT en ESCO)."},
    {"name": "tekst", "description": "Competenties uit tekst halen, beroepstitels normaliseren."},
    {"name": "matchen", "description": "Werkzoekende -> vacatures, vacature -> kandidaten."},
    {"name": "oriëntatie", "description": "Beroepen voor een portfolio (loopbaanbegeleiders)."},
    {"name": "werkgevers", "description": "Vacatures opstellen en nakijken."},
    {"name": "vacatures en portfolio's", "description": "Aanmaken, lezen, wijzigen, verwijderen en importeren."},
    {"name": "privacy", "description": "Je eigen gegevens: export en wissen (AVG/GDPR)."},
]


def _swagger_assets():
    """The folder with swagger-ui-bundle.js when the optional ``swagger-ui-bundle`` package is
    installed (offline /docs); ``None`` means FastAPI's default /docs, which loads them from a CDN."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    from pathlib import Path

    path = Path(swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").exists() else None


def create_app(app_components: Components | None = None, *, warm: bool = True,
               readiness: Readiness | None = None) -> FastAPI:
    """Build the app; the components can be injected (tests), else they come from the environment.

    ``warm``: load model, indexes, extraction and match engine in the background at start-up
    and report ready (``/health/ready``) only then; ``readiness`` also carries the background
    build of ``cmatch serve`` (:mod:`api.readiness`). Without ``warm`` parts load on first use
    and the app counts as ready at once.
    """
    parts = app_components or Components.from_env()
    ready = readiness or Readiness(STAGE_LEXICAL if parts.settings.lexical_only else STAGE_FULL)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:
            ready.start(app)
        else:
            ready.mark_ready()
        yield

    swagger_assets = _swagger_assets()
    app = FastAPI(
        docs_url=None if swagger_assets else "/docs",
        title="Competentiematch API",
        version="1",
        description="Matchen op competenties met COMPETENT (VDAB) en ESCO. " + ESCO_ATTRIBUTION,
        lifespan=lifespan,
        responses={404: {"model": schemas.ErrorResponse}, 413: {"model": schemas.ErrorResponse},
                   422: {"model": schemas.ErrorResponse}, 500: {"model": schemas.ErrorResponse}},
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.components = parts
    app.state.readiness = ready
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)
    install_security(app, parts.settings, check_salt=app_components is None)
    app.include_router(routes_text.router)
    app.include_router(routes_taxonomy.router)
    app.include_router(routes_match.router)
    app.include_router(routes_employer.router)
    app.include_router(routes_records.router)
    app.include_router(routes_me.router)
    web.install(app)
    if swagger_assets:  # /docs without a CDN (the swagger-ui-bundle package serves the assets locally)
        from fastapi.openapi.docs import get_swagger_ui_html
        from fastapi.staticfiles import StaticFiles

        app.mount("/static/docs", StaticFiles(directory=str(swagger_assets)), name="docs-assets")

        @app.get("/docs", include_in_schema=False)
        def docs():
            return get_swagger_ui_html(openapi_url="/openapi.json", title="Competentiematch API",
                                       swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                       swagger_css_url="/static/docs/swagger-ui.css",
                                       swagger_favicon_url="/static/favicon.svg")

    @app.get("/health", response_model=schemas.Health, tags=["systeem"])
    def health(svc: Components = Depends(components)) -> schemas.Health:
        """Is de dienst klaar? De actieve fase (lexicaal of volledig), de achtergrondbouw, de indexversie."""
        state = ready.as_dict()
        extra = {"stage": state["stage"], "stage_text": state["stage_text"], "ready": state["ready"],
                 "build": state["build"]}
        try:
            idx = svc.indexes
            return schemas.Health(status="ok", index_version=idx.version, model=idx.manifest.get("model"),
                                  counts=idx.manifest.get("counts", {}), **extra)
        except FileNotFoundError:
            return schemas.Health(status="lexicaal" if svc.settings.lexical_only else "geen index", **extra)

    @app.get("/health/live", tags=["systeem"])
    def health_live() -> dict:
        """Leeft het proces? Altijd 200 zolang de server antwoordt (ook tijdens het opwarmen)."""
        return {"status": "live", "uptime_s": ready.as_dict()["uptime_s"]}

    @app.get("/health/ready", tags=["systeem"], responses={503: {"description": "Nog aan het opwarmen."}})
    def health_ready():
        """Is de dienst opgewarmd (model, indexen, extractie en matchindex geladen)? 200 of 503, met de fase."""
        state = ready.as_dict()
        return JSONResponse(state, status_code=200 if state["ready"] else 503)

    @app.get("/api/v1/occupations/search", response_model=schemas.OccupationSearchOut, tags=["taxonomie"])
    def search_occupations(
        q: str = Query(..., min_length=1, max_length=500, description="Beroepstitel of omschrijving (nl, en, fr)."),
        top: int = Query(5, ge=1, le=100, description="Aantal resultaten per bron."),
        svc: Components = Depends(components),
    ) -> schemas.OccupationSearchOut:
        """Competent- en ESCO-beroepen voor een titel, met knelpuntberoep-markering."""
        hits = svc.search.occupations(q.strip() or q, top=top)
        return schemas.OccupationSearchOut(query=q, results=hits)

    @app.get("/api/v1/competences/search", response_model=schemas.CompetenceSearchOut, tags=["taxonomie"])
    def search_competences(
        q: str = Query(..., min_length=1, max_length=500, description="Competentie in vrije tekst."),
        top: int = Query(5, ge=1, le=100),
        svc: Components = Depends(components),
    ) -> schemas.CompetenceSearchOut:
        """Competent-competenties en ESCO-vaardigheden voor een omschrijving."""
        hits = svc.search.competences(q.strip() or q, top=top)
        return schemas.CompetenceSearchOut(query=q, results=hits)

    return app
