"""Search commands over the taxonomy (occupations, competences)."""
from __future__ import annotations

import typer

from api.wiring import Components
from cmatch.output import print_json

occupations_app = typer.Typer(help="Beroepen zoeken (Competent en ESCO) op een titel of omschrijving.", no_args_is_help=True)
competences_app = typer.Typer(help="Competenties zoeken (Competent en ESCO).", no_args_is_help=True)


@occupations_app.command("search")
def occupations_search(
    text: str = typer.Argument(..., help="Beroepstitel of korte omschrijving, in het Nederlands, Engels of Frans."),
    top: int = typer.Option(5, "--top", "-k", min=1, max=100, help="Aantal resultaten per bron (Competent, ESCO)."),
    as_json: bool = typer.Option(False, "--json", help="Resultaten als JSON."),
) -> None:
    """Zoek Competent- en ESCO-beroepen; knelpuntberoepen worden gemarkeerd."""
    services = Components.from_env()
    hits = services.search.occupations(text, top=top)
    if as_json:
        print_json({"query": text, "index_version": services.indexes.version, "results": hits})
        return
    for rank, h in enumerate(hits, 1):
        flag = "  [knelpuntberoep]" if h.is_shortage else ""
        typer.echo(f"{rank:>2}. {h.score:.3f}  {h.source:<9} {h.code:<10} {h.label}{flag}  (via '{h.matched_label}', {h.matched_lang})")


@competences_app.command("search")
def competences_search(
    text: str = typer.Argument(..., help="Wat iemand kent of kan, bv. 'heftruck besturen'."),
    top: int = typer.Option(5, "--top", "-k", min=1, max=100, help="Aantal resultaten per bron (Competent, ESCO)."),
    as_json: bool = typer.Option(False, "--json", help="Resultaten als JSON."),
) -> None:
    """Zoek Competent-competenties en ESCO-vaardigheden."""
    services = Components.from_env()
    hits = services.search.competences(text, top=top)
    if as_json:
        print_json({"query": text, "index_version": services.indexes.version, "results": hits})
        return
    for rank, h in enumerate(hits, 1):
        typer.echo(f"{rank:>2}. {h.score:.3f}  {h.source:<9} {h.kind:<10} {h.label}  (via '{h.matched_label}', {h.matched_lang})")


def register(app: typer.Typer) -> None:
    app.add_typer(occupations_app, name="occupations")
    app.add_typer(competences_app, name="competences")
