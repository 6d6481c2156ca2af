"""``cmatch serve``: the API and web app."""
from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Adres waarop de server luistert."),
    port: int = typer.Option(8000, help="Poort."),
) -> None:
    """Start de API en de webtoepassing (standaard op http://127.0.0.1:8000)."""
    import uvicorn

    from .app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
