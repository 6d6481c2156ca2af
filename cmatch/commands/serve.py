"""``cmatch serve`` (the API and web app) and ``cmatch check api`` (bounded schemathesis run)."""
from __future__ import annotations

import json
import os

import typer

check_app = typer.Typer(help="Controles van de draaiende dienst.", no_args_is_help=True)


def _worker_app():
    """The app factory of each ``--workers`` process: serves what is built, builds nothing
    (one background build per process would race for the same files)."""
    from cmatch.pipeline import serving_app

    return serving_app(build=False)


def serve(
    host: str = typer.Option("127.0.0.1", help="Adres waarop de server luistert."),
    port: int = typer.Option(8000, help="Poort."),
    build: bool = typer.Option(True, "--build/--no-build", help="Wat ontbreekt (model, indexen) op de achtergrond bouwen."),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="Aantal serverprocessen over dezelfde database (>1: niets op de achtergrond bouwen)."),
) -> None:
    """Start de API en de webtoepassing (standaard op http://127.0.0.1:8000): meteen lexicaal als
    het taalmodel of de indexen nog ontbreken, die dan op de achtergrond gebouwd worden.

    Weigert te starten zonder geheime pseudoniemzout (``CMATCH_PSEUDONYM_SALT``) buiten
    ontwikkelmodus (``CMATCH_DEV=1``, wat ``make run`` zet)."""
    import uvicorn

    from indexer.security.pseudonyms import salt_problem
    from indexer.settings import get_settings

    settings = get_settings()
    problem = salt_problem(settings)
    if problem:
        typer.echo(f"Fout: {problem}", err=True)
        raise typer.Exit(2)
    from api.access_log import LOG_CONFIG
    from api.server_protocol import HTTP_PROTOCOL

    if workers > 1:
        # one rate limit for all processes, not one per process (api/rate_limit.py)
        os.environ.setdefault("CMATCH_RATE_LIMIT_FILE", str(settings.var_dir / "ratelimit.sqlite"))
        uvicorn.run("cmatch.commands.serve:_worker_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", log_config=LOG_CONFIG, http=HTTP_PROTOCOL)
        return
    from cmatch.pipeline import serving_app

    uvicorn.run(serving_app(build=build), host=host, port=port, log_level="info", log_config=LOG_CONFIG,
                http=HTTP_PROTOCOL)


@check_app.command("api")
def check_api(
    url: str = typer.Option(None, "--url", help="Een draaiende server, bv. http://127.0.0.1:8000; zonder: in-process over CMATCH_VAR."),
    max_examples: int = typer.Option(8, "--max-examples", min=1, max=500, help="Aanvragen per operatie en modus (geldig/ongeldig)."),
    time_limit: float = typer.Option(180.0, "--time-limit", min=5, help="Hoogstens zoveel seconden in totaal."),
    writes: bool = typer.Option(False, "--writes", help="Ook aanmaken/wijzigen/verwijderen/importeren testen (wijzigt de opslag!)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Schemathesis over /openapi.json: geen enkele 500, elke fout in de vaste vorm. Exitcode 1 bij een probleem."""
    from indexer.jsonable import to_plain

    from api.check import run_check

    if url:
        report = run_check(url=url, max_examples=max_examples, time_limit=time_limit, include_writes=writes)
    else:
        from fastapi.testclient import TestClient

        from api.app import create_app

        app = create_app()
        with TestClient(app):
            report = run_check(app, max_examples=max_examples, time_limit=time_limit, include_writes=writes)
    if as_json:
        typer.echo(json.dumps(to_plain(report), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.summary())
        for f in report.failures[:20]:
            typer.echo(f"- {f.operation} -> {f.status}: {f.problem.splitlines()[0]}\n    {f.request}")
        if report.skipped:
            typer.echo(f"{len(report.skipped)} overgeslagen (schrijvende operaties zonder --writes, of niet te genereren).")
    if report.failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    existing = next((g.typer_instance for g in app.registered_groups if g.name == "check"), None)
    if existing is None:
        app.add_typer(check_app, name="check")
    else:
        existing.command("api")(check_api)
